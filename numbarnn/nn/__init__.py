"""Layers: recurrent networks (RNN, LSTM, GRU), an embedding table, a linear layer, and a recurrent stack
with a readout.

Each runs on the backend its network was built for (:mod:`numbarnn.backends`);
every backward is written by hand.
"""

from .embedding import Embedding
from .linear import Linear
from .recurrent import GRU, LSTM, NETWORKS, RNN, RecurrentNetwork, Tape
from .sequence_model import SequenceModel

__all__ = ["GRU", "Embedding", "LSTM", "Linear", "NETWORKS", "RNN", "RecurrentNetwork", "SequenceModel", "Tape"]
