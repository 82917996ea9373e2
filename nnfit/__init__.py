"""nnfit: multilayer neural networks fitted by explicit backpropagation, as in ISLR2 chapter 10.

The public names are re-exported here from small private modules, one idea each:
layers (``_dense``, ``_activations``, ``_dropout``), the network (``_network``), losses,
penalties and the objective R(theta), ``gradcheck``, optimizers, the training loop, the
scikit-learn estimators and the tabular models on DataFrames (``_tabular``).
"""
from ._activations import Identity, ReLU, Sigmoid, Tanh
from ._backend import NumpyBackend
from ._classifier import MLPClassifier
from ._dense import Dense
from ._dropout import Dropout
from ._gradcheck import gradcheck
from ._io import load
from ._losses import SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy, SquaredError
from ._network import Sequential, mlp
from ._objective import Objective
from ._optimizers import SGD, Adam, GradientDescent, RMSprop
from ._penalties import Penalty
from ._preprocess import UnseenCategoryWarning
from ._regressor import MLPRegressor
from ._tabular import TabularClassifier, TabularRegressor
from ._training import DivergenceError

__version__ = "0.1.0"

__all__ = [
    "Adam", "Dense", "DivergenceError", "Dropout", "GradientDescent", "Identity", "MLPClassifier",
    "MLPRegressor", "NumpyBackend", "Objective", "Penalty", "ReLU", "RMSprop", "SGD", "Sequential",
    "Sigmoid", "SigmoidBinaryCrossEntropy", "SoftmaxCrossEntropy", "SquaredError",
    "TabularClassifier", "TabularRegressor", "Tanh", "UnseenCategoryWarning", "gradcheck", "load",
    "mlp", "__version__",
]
