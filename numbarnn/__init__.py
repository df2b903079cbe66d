"""numbarnn: exact, fast recurrent networks (RNN, LSTM, GRU) on Numba, for time series."""

from . import datasets, metrics
from ._base import NotFittedError, clone
from .estimators import Forecaster
from .io import load
from .networks import GRU, LSTM, RNN, RecurrentNetwork, Tape
from .sequence_estimators import SequenceClassifier, SequenceRegressor

__version__ = "0.1.0"

__all__ = ["GRU", "LSTM", "RNN", "Forecaster", "NotFittedError", "RecurrentNetwork", "SequenceClassifier",
           "SequenceRegressor", "Tape", "__version__",
           "clone", "datasets", "load", "metrics"]
