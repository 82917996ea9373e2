"""How the training loop runs an epoch on a backend: step by step (``training.minibatches``), or
on a CUDA backend the whole epoch as one replayed graph: with the step's passes fused
(``fused_epoch``, where the backend has the kernels and the network suits them), else as the
layers' own lines (``cuda_graph``).  Both need PyTorch and are imported only there."""


def whole_epoch(backend, objective, optimizer, X, Y, batch_size, augment=None):
    """``run_epochs``' ``train_epoch``: a function running one whole epoch as a replayed CUDA
    graph where ``backend.captures_epochs``, else None (the loop takes the steps one by one)."""
    if not getattr(backend, "captures_epochs", False):
        return None
    from .cuda_graph import graphed_epoch  # PyTorch is there: the backend is a CUDA one
    from .fused_epoch import fused_epoch
    fused = None if backend.compile_step else fused_epoch(objective, optimizer, X, Y,
                                                          batch_size, augment)
    if fused is not None:
        return fused
    return graphed_epoch(objective, optimizer, X, Y, batch_size, augment, backend.compile_step)
