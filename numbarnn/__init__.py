"""numbarnn: exact, fast recurrent networks (RNN, LSTM, GRU) on Numba, for time series."""

from .networks import GRU, LSTM, RNN, RecurrentNetwork, Tape

__version__ = "0.1.0"

__all__ = ["GRU", "LSTM", "RNN", "RecurrentNetwork", "Tape", "__version__"]
