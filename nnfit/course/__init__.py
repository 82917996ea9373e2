"""Floor 6, the course: ISLR2 chapter 10's experiments as functions (the MNIST table, the
Hitters and Khan labs), digit augmentation, figures, and independent fits side by side."""
