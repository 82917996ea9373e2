"""nnfit: multilayer neural networks fitted by explicit backpropagation, as in ISLR2 chapter 10.

The public names, re-exported from the floors of the package (DEVELOPERS.md), bottom first:
the backends, where arrays live; the engine (layers, the network, losses, penalties, the
objective R(theta), optimizers, the training loop, ``gradcheck``); the scikit-learn estimators;
the tabular models on DataFrames with their evaluation; ``load`` reads any model file.
"""
from ._interrupt import quiet_ctrl_c as _quiet_ctrl_c

_quiet_ctrl_c()  # the nnfit command: Ctrl-C during the imports below gives one line, status 130

from .backends.numpy_backend import NumpyBackend
from .backends.threads import set_threads
from .engine.activations import Identity, ReLU, Sigmoid, Tanh
from .engine.dense import Dense
from .engine.dropout import Dropout
from .engine.gradcheck import gradcheck
from .engine.cox import CoxPartialLikelihood
from .engine.losses import (PoissonDeviance, SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy,
                            SquaredError)
from .engine.network import Sequential, mlp
from .engine.objective import Objective
from .engine.optimizers import SGD, Adam, GradientDescent, RMSprop
from .engine.penalties import Penalty
from .engine.training import DivergenceError
from .estimators.classifier import MLPClassifier
from .estimators.conformal import ConformalRegressor
from .estimators.decision import best_threshold, net_benefit
from .estimators.ensemble import MLPEnsemble
from .estimators.metrics import score_predictions
from .estimators.regressor import MLPRegressor
from .estimators.separation import SeparationWarning
from .estimators.survival import MLPSurvival
from .tabular.crossval import cross_validate_table
from .tabular.evaluation import evaluate_table
from .tabular.models import TabularClassifier, TabularRegressor
from .tabular.preprocess import UnseenCategoryWarning
from .tabular.survival import TabularSurvival
from ._load import load
from ._version import __version__

__all__ = [
    "Adam", "ConformalRegressor", "CoxPartialLikelihood", "Dense", "DivergenceError", "Dropout", "GradientDescent", "Identity", "MLPClassifier",
    "MLPEnsemble", "MLPRegressor", "MLPSurvival", "NumpyBackend", "Objective", "Penalty", "PoissonDeviance", "ReLU", "RMSprop", "SGD", "SeparationWarning", "Sequential",
    "Sigmoid", "SigmoidBinaryCrossEntropy", "SoftmaxCrossEntropy", "SquaredError",
    "TabularClassifier", "TabularRegressor", "TabularSurvival", "Tanh", "UnseenCategoryWarning", "best_threshold", "cross_validate_table",
    "evaluate_table", "gradcheck", "load", "mlp", "net_benefit", "score_predictions", "set_threads", "__version__",
]
