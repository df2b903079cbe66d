"""Parallel Numba CPU kernels, one module per cell."""

from .gemm import matmul_rows, matmul_tn
from .gru import gru_backward, gru_forward
from .lstm import lstm_backward, lstm_forward
from .rnn import rnn_backward, rnn_forward

__all__ = ["gru_backward", "gru_forward", "lstm_backward", "lstm_forward", "matmul_rows", "matmul_tn",
           "rnn_backward", "rnn_forward"]
