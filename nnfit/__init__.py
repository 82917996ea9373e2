"""nnfit: multilayer neural networks fitted by explicit backpropagation, as in ISLR2 chapter 10.

The public names are re-exported here from small private modules, one idea each:
layers (``_dense``, ``_activations``, ``_dropout``), the network (``_network``), losses,
penalties and the objective R(theta), ``gradcheck``, optimizers, the training loop, the
scikit-learn estimators and the tabular models on DataFrames (``_tabular``).
"""
from .engine.activations import Identity, ReLU, Sigmoid, Tanh
from .backends.numpy_backend import NumpyBackend
from .estimators.classifier import MLPClassifier
from .engine.dense import Dense
from .engine.dropout import Dropout
from .engine.gradcheck import gradcheck
from ._load import load
from .engine.losses import SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy, SquaredError
from .engine.network import Sequential, mlp
from .engine.objective import Objective
from .engine.optimizers import SGD, Adam, GradientDescent, RMSprop
from .engine.penalties import Penalty
from .tabular.preprocess import UnseenCategoryWarning
from .estimators.regressor import MLPRegressor
from .tabular.models import TabularClassifier, TabularRegressor
from .engine.training import DivergenceError

from ._version import __version__

__all__ = [
    "Adam", "Dense", "DivergenceError", "Dropout", "GradientDescent", "Identity", "MLPClassifier",
    "MLPRegressor", "NumpyBackend", "Objective", "Penalty", "ReLU", "RMSprop", "SGD", "Sequential",
    "Sigmoid", "SigmoidBinaryCrossEntropy", "SoftmaxCrossEntropy", "SquaredError",
    "TabularClassifier", "TabularRegressor", "Tanh", "UnseenCategoryWarning", "gradcheck", "load",
    "mlp", "__version__",
]
