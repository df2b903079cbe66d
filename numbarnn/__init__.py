"""numbarnn: exact, fast recurrent networks (RNN, LSTM, GRU) on Numba, for time series."""

from . import datasets, metrics
from ._base import NotFittedError, clone
from .estimators import Forecaster
from .io import load
from .networks import GRU, LSTM, RNN, RecurrentNetwork, Tape

__version__ = "0.1.0"

__all__ = ["GRU", "LSTM", "RNN", "Forecaster", "NotFittedError", "RecurrentNetwork", "Tape", "__version__",
           "clone", "datasets", "load", "metrics"]
