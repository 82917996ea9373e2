"""How the training loop runs an epoch on a backend: step by step (``training.minibatches``), or
on a CUDA backend the whole epoch as one replayed graph (``cuda_graph``, which needs PyTorch and
is imported only there)."""


def whole_epoch(backend, objective, optimizer, X, Y, batch_size, augment=None):
    """``run_epochs``' ``train_epoch``: a function running one whole epoch as a replayed CUDA
    graph where ``backend.captures_epochs``, else None (the loop takes the steps one by one)."""
    if not getattr(backend, "captures_epochs", False):
        return None
    from .cuda_graph import graphed_epoch  # PyTorch is there: the backend is a CUDA one
    return graphed_epoch(objective, optimizer, X, Y, batch_size, augment, backend.compile_step)
