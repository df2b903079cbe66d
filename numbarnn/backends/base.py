"""The contract every backend implements: layer ops for one layer direction, and the array work around them.

A network holds one :class:`Backend` (chosen once, by name, from
:func:`numbarnn.backends.get_backend`) and one :class:`LayerOps` for its cell.
The CPU backend (:mod:`numbarnn.backends.cpu`) and the CUDA backend
(:mod:`numbarnn.backends.cuda`) subclass these two classes with the same
method signatures (a test pins them), and their forwards fill the same
:class:`LayerTape` fields, so everything above (the stacked BPTT of
:mod:`numbarnn.nn.recurrent`, the analysis tools) works on either.

Arrays a backend hands out are its own kind: NumPy arrays on the CPU, numba
device arrays on the GPU. :meth:`Backend.to_host` brings any of them to
NumPy; :meth:`Backend.to_user` returns a result as the kind of array the
caller gave.
"""

import abc
from dataclasses import dataclass, field

import numpy as np


@dataclass
class LayerParams:
    """Parameters of one layer direction (host NumPy arrays, PyTorch's shapes); biases ``None`` without bias.

    ``w_ih`` (G*H, D), ``w_hh`` (G*H, H), ``b_ih`` and ``b_hh`` (G*H,).
    """

    w_ih: np.ndarray
    w_hh: np.ndarray
    b_ih: np.ndarray = None
    b_hh: np.ndarray = None


@dataclass
class LayerTape:
    """What a recording forward of one layer direction keeps for its backward.

    The same fields on every backend, each an array of that backend (``lengths``,
    ``reverse`` and ``params`` are always host values). Every per-step array is
    indexed by time as the input is, whichever way the direction ran.

    Attributes
    ----------
    x : (T, B, D) the layer's input (after dropout).
    out : (T, B, H) its output (zero at padded steps).
    h_prev : (T, B, H) the state each step started from.
    lengths : (B,) int64 host array.
    reverse : bool, the direction ran from the end of each sequence.
    params : :class:`LayerParams` the forward ran with.
    gates : (T, B, G*H) gate activations (LSTM: i, f, g, o; GRU: r, z, n), or ``None`` (RNN).
    c_prev : (T, B, H) the LSTM cell state each step started from, or ``None``.
    tanh_c : (T, B, H) ``tanh(c_t)`` of the LSTM, or ``None``.
    hn : (T, B, H) the GRU's ``W_hn h_{t-1} + b_hn``, or ``None``.
    private : dict of buffers only the backend that made the tape reads (the CPU's
        ``[x_t, h_{t-1}]`` rows, the GPU's device copies of the weights and lengths).
    """

    x: object
    out: object
    h_prev: object
    lengths: np.ndarray
    reverse: bool
    params: LayerParams
    gates: object = None
    c_prev: object = None
    tanh_c: object = None
    hn: object = None
    private: dict = field(default_factory=dict)


class LayerOps(abc.ABC):
    """Forward and backward of one cell over one layer direction.

    Parameters
    ----------
    cell : :class:`numbarnn.cells.Cell`.
    nonlinearity : ``"tanh"`` or ``"relu"`` (the Elman RNN's; ignored by gated cells).

    Inputs are already validated: time-major ``(T, B, D)`` of the network's dtype,
    contiguous, zero at padded steps; ``h0``/``c0`` are (B, H); ``lengths`` is a
    host (B,) int64 array in ``[1, T]``.
    """

    def __init__(self, cell, nonlinearity="tanh"):
        self.cell = cell
        self.relu = nonlinearity == "relu"

    @abc.abstractmethod
    def forward(self, x, params, h0, c0, lengths, reverse, record, prepared=None):
        """Run the layer over ``x``.

        Returns ``(out, h_n, c_n, tape)``: out (T, B, H), the final state (B, H)
        (``c_n`` is ``None`` without a cell state) and a :class:`LayerTape`, or
        ``None`` unless ``record``. ``prepared``: what :meth:`prepare` made of these
        ``params``, reused instead of preparing them again (``None``: prepare now).
        """

    def prepare(self, params):
        """The weights of one layer direction in the form ``forward`` uses (packed panels on the CPU), for
        callers that run many forwards with fixed weights; ``None`` where there is nothing to prepare."""
        return None

    @abc.abstractmethod
    def backward(self, tape, grad_out, grad_h_n, grad_c_n, input_grad=True):
        """BPTT through one layer direction.

        ``grad_out`` (T, B, H), ``grad_h_n``/``grad_c_n`` (B, H) (``grad_c_n`` is
        ``None`` without a cell state). Returns a dict: ``w_ih``, ``w_hh``
        (and ``b_ih``, ``b_hh`` with bias) as host arrays, ``input`` (T, B, D)
        and ``h0`` (and ``c0``) as backend arrays. With ``input_grad`` false
        ``input`` is ``None`` and its product is skipped (the first layer of a
        network trained on data, whose input gradient nobody reads).
        """


class Backend(abc.ABC):
    """Where a network runs: its layer ops and the array work between layers.

    Attributes
    ----------
    name : the device name (``"cpu"``, ``"cuda"``).
    """

    name = None

    @abc.abstractmethod
    def layer_ops(self, cell, nonlinearity="tanh"):
        """The :class:`LayerOps` of ``cell`` on this backend."""

    # -- embeddings ----------------------------------------------------------------------

    @abc.abstractmethod
    def embedding_forward(self, weight, ids):
        """``weight[ids]``: the table ``weight`` (V, D) (host or backend array), ``ids`` (N,) int64 host
        array within [0, V); returns (N, D), a backend array."""

    @abc.abstractmethod
    def embedding_backward(self, grad, ids, num_embeddings, padding_idx):
        """The table's gradient, (V, D) on the host: row ``v`` sums the rows of ``grad`` (N, D) whose id is
        ``v``, in token order (the same bits on every backend and thread count); ``padding_idx`` (-1:
        none) gets none."""

    # -- arrays ------------------------------------------------------------------------

    @abc.abstractmethod
    def is_device_input(self, a):
        """True when ``a`` is an array this backend takes as is (validated in place, never via the host)."""

    @abc.abstractmethod
    def checked(self, name, a, dtype, shape, lengths=None, finite=True, hint=""):
        """``a`` (an array for which :meth:`is_device_input` is true) as a contiguous array of this backend,
        after checking its dtype and shape; with ``lengths``, steps past each (T, B, F) row's length
        are zeroed, and ``finite`` rejects NaN and infinity at the other steps."""

    @abc.abstractmethod
    def from_user(self, a):
        """A contiguous array of this backend holding ``a`` (a host array, or one of this backend's)."""

    @abc.abstractmethod
    def empty(self, shape, dtype):
        """An uninitialised array."""

    @abc.abstractmethod
    def put(self, dst, k, src):
        """``dst[k] = src``."""

    @abc.abstractmethod
    def concat_last(self, parts):
        """(T, B, F_i) arrays joined on the last axis."""

    @abc.abstractmethod
    def columns(self, a, lo, hi):
        """A contiguous copy of ``a[:, :, lo:hi]``."""

    @abc.abstractmethod
    def swap_leading(self, a):
        """A contiguous copy of the 3-d ``a`` with its first two axes swapped (batch-first <-> time-major)."""

    @abc.abstractmethod
    def multiply(self, a, b):
        """``a * b`` elementwise; ``b`` may be a host array."""

    @abc.abstractmethod
    def add(self, a, b):
        """``a + b`` elementwise."""

    @abc.abstractmethod
    def to_host(self, a):
        """``a`` as a NumPy array (no copy when it already is one)."""

    @abc.abstractmethod
    def to_user(self, a, like):
        """``a`` as the kind of array ``like`` is (NumPy, or a GPU array of the same library)."""
