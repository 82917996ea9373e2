"""Moving a fit between devices: a model loaded on NumPy and fitted on with ``device="cuda"``,
or the reverse, takes its parameters, its loss and its optimizer's running state along."""


def move_to(backend, network, loss, optimizer):
    """Move ``network``, ``loss`` and ``optimizer`` (its running state) onto ``backend``."""
    old = network.backend
    if old == backend:
        return
    network.move_to(backend)
    for holder in (loss, optimizer):
        if hasattr(holder, "backend"):
            holder.backend = backend
    for name in optimizer.state_names:
        value = getattr(optimizer, name)
        if value is not None:
            setattr(optimizer, name, backend.asarray(old.to_numpy(value), network.dtype))
    if getattr(optimizer, "scratch", None) is not None:  # RMSprop's and Adam's: made anew at the next step
        optimizer.scratch = None
