"""Floor 2, the engine: the network and its fitting, written from the slides' equations.

Layers (``dense``, ``activations``, ``dropout``; ``stages`` compiles a hidden layer's passes),
``network`` (``Sequential``, the flat parameter vector), ``losses`` fused with their outputs,
``penalties`` and the ``objective`` R(theta), ``optimizers``, the ``training`` loop, the
``gradcheck`` and the whole-epoch ``cuda_graph``.  Imports only ``nnfit.backends``; never
scikit-learn or pandas.
"""
