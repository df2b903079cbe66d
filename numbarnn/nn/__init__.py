"""Layers: recurrent networks (RNN, LSTM, GRU), an embedding table, a linear layer, attention over an
encoder's outputs, a recurrent stack with a readout, and a words-to-labels model (word and character
features).

Each runs on the backend its network was built for (:mod:`numbarnn.backends`);
every backward is written by hand.
"""

from .attention import Attention
from .embedding import Embedding
from .linear import Linear
from .recurrent import GRU, LSTM, NETWORKS, RNN, RecurrentNetwork, Tape
from .sequence_model import SequenceModel
from .seq2seq_model import Seq2SeqModel
from .token_model import TokenModel

__all__ = ["Attention", "GRU", "Embedding", "LSTM", "Linear", "NETWORKS", "RNN", "RecurrentNetwork", "Seq2SeqModel",
           "SequenceModel", "Tape", "TokenModel"]
