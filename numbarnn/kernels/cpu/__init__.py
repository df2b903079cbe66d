"""Numba CPU kernels: one module per cell, the products around them (:mod:`.gemm`), losses, optimizers."""

from .embedding import embedding_gather, embedding_scatter
from .gemm import column_sums, column_sums_serial, matmul_rows, matmul_rows_serial, matmul_tn, matmul_tn_serial
from .gru import gru_backward, gru_forward
from .lstm import lstm_backward, lstm_forward
from .packed import MR, pack_panels, pack_panels_serial, packed_shape, panel_width
from .rnn import rnn_backward, rnn_forward

__all__ = ["MR", "column_sums", "column_sums_serial", "embedding_gather", "embedding_scatter", "gru_backward",
           "gru_forward", "lstm_backward", "lstm_forward", "matmul_rows", "matmul_rows_serial", "matmul_tn",
           "matmul_tn_serial",
           "pack_panels", "pack_panels_serial", "packed_shape", "panel_width", "rnn_backward", "rnn_forward"]
