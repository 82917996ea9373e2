"""``nnfit.augment`` is ``nnfit.course.augment`` (the course floor), under its public name."""
import sys

from .course import augment as _module

sys.modules[__name__] = _module
