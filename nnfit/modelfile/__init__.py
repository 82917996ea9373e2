"""Floor 3, model files: the ``.nnfit`` format, a JSON header and named arrays in a zip.

``zipread`` reads the zip directory with bounds before anything is inflated, ``schema`` checks
the header, ``arrays`` each array's dtype, shape and values, and ``format`` writes and reads
a file (SHA-256 digest, optional HMAC).  It knows no model class: each estimator turns itself
into a header and arrays and back (``nnfit.estimators.serialize``, ``nnfit.tabular.state``), and
``nnfit.load`` (``nnfit._load``) picks the owner that a file's header names.
"""
