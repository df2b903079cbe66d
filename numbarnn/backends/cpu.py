"""The CPU backend: allocate, pack weights, dispatch to a Numba kernel, form weight gradients.

Each cell has a :class:`~numbarnn.backends.base.LayerOps` here with a ``forward`` and a ``backward``.
``forward`` packs the weights for :mod:`numbarnn.kernels.cpu.packed`'s
microkernel, runs the recurrent kernel (the GRU and RNN after an input
projection for all timesteps; the LSTM projects inside its time loop), and
(when recording) returns a :class:`LayerTape` holding what the backward
needs. ``backward`` runs the BPTT kernel and turns the pre-activation
gradients ``dz`` into parameter and input gradients with products over all
``T*B`` rows. All parallel work runs in Numba's thread pool; no BLAS is
called. Inputs here are already validated: C-contiguous, time-major, of one
floating dtype.
"""

import numba
import numpy as np

from .. import _validation as v
from .. import config
from ..kernels import cpu
from . import base, workspace
from .calibration import tn_copy_panels


def chunks():
    """Pieces of work for the parallel kernels: :data:`numbarnn.config.BATCH_CHUNKS`, or the calling
    thread's Numba thread count when that is ``None`` (the default)."""
    return config.BATCH_CHUNKS or numba.get_num_threads()


def n_chunks_for(batch):
    """Number of batch pieces for the parallel kernels, at most ``batch``."""
    return max(1, min(batch, chunks()))


#: Multiply-adds below which a product outside the time loop runs on the calling thread: entering
#: Numba's parallel region costs a few microseconds, about what 10^5 multiply-adds take on one core
#: (a readout head's products on a training batch are 10^4; its gradient took 17 us in four regions).
SERIAL_WORK = 1 << 17


def _shared(work):
    """Whether ``work`` multiply-adds are worth Numba's thread pool (the same bits either way)."""
    return work >= SERIAL_WORK and chunks() > 1


def _matmul_rows(a, wp, bias, out):
    """``out = a @ W + bias`` (:func:`numbarnn.kernels.cpu.matmul_rows`), in the pool when worth it."""
    if _shared(out.size * a.shape[1]):
        cpu.matmul_rows(a, wp, bias, out, n_chunks_for(a.shape[0]))
    else:
        cpu.matmul_rows_serial(a, wp, bias, out)


def _project(x, w_ih_packed, bias, G):
    """``x W_ih^T + bias`` for all timesteps at once: (T, B, G); ``W_ih^T`` packed, ``bias`` (G,) or empty."""
    T, B, D = x.shape
    rows = T * B
    xproj = workspace.empty((T, B, G), dtype=x.dtype)
    _matmul_rows(x.reshape(rows, D), w_ih_packed, bias, xproj.reshape(rows, -1))
    return xproj


def linear(x, weight, bias):
    """``x weight^T + bias`` for ``x`` (rows, in): each row computed alone in one fixed order, so a row's
    numbers are the same whatever the other rows (BLAS rounds differently for different row counts).

    x : (rows, in); weight : (out, in); bias : (out,); returns (rows, out) in ``weight``'s dtype.

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x, w, b = (rng.standard_normal(s).astype("float32") for s in ((5, 4), (3, 4), (3,)))
    >>> y = linear(x, w, b)
    >>> y.shape, bool(np.allclose(y, x @ w.T + b, atol=1e-5)), bool((linear(x[2:3], w, b) == y[2:3]).all())
    ((5, 3), True, True)
    """
    x = np.ascontiguousarray(x, dtype=weight.dtype)
    out = np.empty((x.shape[0], weight.shape[0]), dtype=weight.dtype)
    _matmul_rows(x, packed(weight, True), np.ascontiguousarray(bias, dtype=weight.dtype), out)
    return out


def linear_grads(x, weight, grad):
    """Gradients of ``y = x weight^T + bias`` from ``grad`` (rows, out): ``(d_weight, d_bias, d_x)``,
    on the packed kernels in Numba's threads (no BLAS call).

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x, w, g = (rng.standard_normal(s) for s in ((6, 4), (3, 4), (6, 3)))
    >>> dw, db, dx = linear_grads(x, w, g)
    >>> bool(np.allclose(dw, g.T @ x) and np.allclose(db, g.sum(0)) and np.allclose(dx, g @ w))
    True
    """
    x = np.ascontiguousarray(x, dtype=weight.dtype)
    grad = np.ascontiguousarray(grad, dtype=weight.dtype)
    out_features = weight.shape[0]
    d_weight = np.empty_like(weight)
    if _shared(weight.size * x.shape[0]):
        cpu.matmul_tn(grad, packed(x), d_weight, n_chunks_for(-(-out_features // cpu.MR)), tn_copy_panels())
    else:
        cpu.matmul_tn_serial(grad, packed(x), d_weight, tn_copy_panels())
    d_x = np.empty_like(x)
    _matmul_rows(grad, packed(weight), np.zeros(0, dtype=weight.dtype), d_x)
    return d_weight, _column_sums(grad, out_features), d_x


def packed(w, transpose=False):
    """``w.T`` (``transpose``) or ``w`` packed for :mod:`numbarnn.kernels.cpu.packed`'s microkernel."""
    k, n = (w.shape[1], w.shape[0]) if transpose else w.shape
    out = workspace.empty(cpu.packed_shape(k, n, w.dtype), dtype=w.dtype)
    (cpu.pack_panels if out.shape[0] > 1 else cpu.pack_panels_serial)(w, transpose, out)
    return out


def padded_empty(shape, dtype):
    """An uninitialised array whose last axis has room to spare when its rows would be 512-byte multiples.

    Returns the full array; callers keep to ``[..., :shape[-1]]``. A
    power-of-two row stride makes :func:`numbarnn.kernels.cpu.matmul_tn`'s
    column reads collide in the L1 cache; 64 spare bytes per row avoid it.
    """
    itemsize = np.dtype(dtype).itemsize
    width = shape[-1] + (64 // itemsize if (shape[-1] * itemsize) % 512 == 0 else 0)
    return workspace.empty(tuple(shape[:-1]) + (width,), dtype=dtype)


def _weight_grads(tape, dz_in, dz_hid, input_grad):
    """Parameter and input gradients from pre-activation gradients, as GEMMs over all rows.

    ``dz_in``, ``dz_hid`` : (T, B, G') from :func:`padded_empty`, of which the first ``G`` columns count.
    When the tape holds the rows ``[x_t, h_{t-1}]`` (``private["xh"]``, the LSTM's), one product
    ``dz^T [x, h]`` gives both weight gradients, and ``dz^T [x, h, 1]`` (a column of ones after them,
    zero at padded steps) the bias gradient too.
    """
    p = tape.params
    T, B, D = tape.x.shape
    rows, G = T * B, p.w_ih.shape[0]
    H = tape.h_prev.shape[2]
    din = dz_in.reshape(rows, -1)[:, :G]
    dhid = dz_hid.reshape(rows, -1)[:, :G]
    n_out = n_chunks_for(-(-G // cpu.MR))
    grads = {"input": workspace.empty((T, B, D), dtype=din.dtype) if input_grad else None}
    xh = tape.private.get("xh")
    bias_column = None
    copy_from = tn_copy_panels()
    if xh is not None:
        width = xh.shape[2]
        both = np.empty((G, width), dtype=din.dtype)
        cpu.matmul_tn(din, packed(xh.reshape(rows, width)), both, n_out, copy_from)
        grads["w_ih"], grads["w_hh"] = both[:, :D].copy(), both[:, D:D + H].copy()
        if width > D + H:
            bias_column = both[:, D + H].copy()
    else:
        grads["w_ih"], grads["w_hh"] = np.empty((G, D), dtype=din.dtype), np.empty((G, H), dtype=din.dtype)
        cpu.matmul_tn(din, packed(tape.x.reshape(rows, D)), grads["w_ih"], n_out, copy_from)
        cpu.matmul_tn(dhid, packed(tape.h_prev.reshape(rows, H)), grads["w_hh"], n_out, copy_from)
    if input_grad:
        _matmul_rows(din, packed(p.w_ih), np.zeros(0, dtype=din.dtype), grads["input"].reshape(rows, D))
    if p.b_ih is not None:
        grads["b_ih"] = _column_sums(dz_in.reshape(rows, -1), G) if bias_column is None else bias_column
        grads["b_hh"] = grads["b_ih"].copy() if dz_hid is dz_in else _column_sums(dz_hid.reshape(rows, -1), G)
    return grads


def _column_sums(a, n):
    """``a[:, :n].sum(axis=0)`` for a C-contiguous (padded) ``a``, in a kernel (parallel where worth it)."""
    out = np.empty(n, dtype=a.dtype)
    if _shared(a.shape[0] * n) and n >= 128:
        cpu.column_sums(a, out, min(chunks(), n // 64))
    else:
        cpu.column_sums_serial(a, out)
    return out


def _alloc(x, H, record, n_tape):
    """The (T, B, H) output and ``n_tape`` (T, B, H) tape arrays (empty unless ``record``)."""
    T, B, _ = x.shape
    out = workspace.empty((T, B, H), dtype=x.dtype)
    shape = (T, B, H) if record else (0, 0, 0)
    tapes = [workspace.empty(shape, dtype=x.dtype) for _ in range(n_tape)]
    return out, tapes


class LSTMOps(base.LayerOps):

    def prepare(self, params):
        G = params.w_hh.shape[0]
        bias = np.zeros(G, dtype=params.w_hh.dtype) if params.b_ih is None else params.b_ih + params.b_hh
        return packed(np.concatenate([params.w_ih, params.w_hh], axis=1), True), bias

    def forward(self, x, params, h0, c0, lengths, reverse, record, prepared=None):
        H = h0.shape[1]
        w, bias = prepared or self.prepare(params)
        T, B, D = x.shape
        out, (c_prev, tanh_c) = _alloc(x, H, record, 2)
        gates = workspace.empty((T, B, 4 * H) if record else (0, 0, 0), dtype=x.dtype)
        # A partly filled last packed panel has room for a column of ones, whose product with the
        # gradients in backward is the bias gradient (no separate pass over them); full panels get none.
        ones = (D + H) % cpu.panel_width(x.dtype) != 0
        xh = workspace.empty((T, B, D + H + ones) if record else (0, 0, 0), dtype=x.dtype)
        if record and ones:
            xh[:, :, D + H] = 1  # padded steps' rows are zeroed by the kernel
        h_n = np.empty_like(h0)
        c_n = np.empty_like(c0)
        cpu.lstm_forward(x, w, bias, h0, c0, lengths, reverse, record, n_chunks_for(B),
                         out, h_n, c_n, gates, c_prev, tanh_c, xh)
        tape = None
        if record:
            tape = base.LayerTape(x, out, xh[:, :, D:D + H], lengths, reverse, params, gates=gates, c_prev=c_prev,
                                  tanh_c=tanh_c, private={"xh": xh})
        return out, h_n, c_n, tape

    def backward(self, tape, grad_out, grad_h_n, grad_c_n, input_grad=True):
        dz = padded_empty(tape.gates.shape, tape.gates.dtype)
        dh0 = np.empty_like(grad_h_n)
        dc0 = np.empty_like(grad_c_n)
        cpu.lstm_backward(grad_out, grad_h_n, grad_c_n, packed(tape.params.w_hh, False), tape.lengths,
                          tape.reverse, n_chunks_for(grad_out.shape[1]),
                          tape.gates, tape.c_prev, tape.tanh_c, dz, dh0, dc0)
        grads = _weight_grads(tape, dz, dz, input_grad)
        grads["h0"] = dh0
        grads["c0"] = dc0
        return grads


class GRUOps(base.LayerOps):

    def prepare(self, params):
        G, dtype = params.w_hh.shape[0], params.w_hh.dtype
        b_ih = np.zeros(0, dtype=dtype) if params.b_ih is None else params.b_ih
        b_hh = params.b_hh if params.b_hh is not None else np.zeros(G, dtype=dtype)
        return packed(params.w_ih, True), b_ih, packed(params.w_hh, True), b_hh

    def forward(self, x, params, h0, c0, lengths, reverse, record, prepared=None):
        H = h0.shape[1]
        w_ih, b_ih, w_hh, b_hh = prepared or self.prepare(params)
        xproj = _project(x, w_ih, b_ih, 3 * H)
        out, (hn, h_prev) = _alloc(x, H, record, 2)
        gates = workspace.empty(xproj.shape if record else (0, 0, 0), dtype=x.dtype)
        h_n = np.empty_like(h0)
        cpu.gru_forward(xproj, w_hh, b_hh, h0, lengths,
                        reverse, record, n_chunks_for(x.shape[1]),
                        out, h_n, gates, hn, h_prev)
        tape = None
        if record:
            tape = base.LayerTape(x, out, h_prev, lengths, reverse, params, gates=gates, hn=hn)
        return out, h_n, None, tape

    def backward(self, tape, grad_out, grad_h_n, grad_c_n, input_grad=True):
        dz_in = padded_empty(tape.gates.shape, tape.gates.dtype)
        dz_hid = padded_empty(tape.gates.shape, tape.gates.dtype)
        dh0 = np.empty_like(grad_h_n)
        cpu.gru_backward(grad_out, grad_h_n, packed(tape.params.w_hh, False), tape.lengths, tape.reverse,
                         n_chunks_for(grad_out.shape[1]),
                         tape.gates, tape.hn, tape.h_prev, dz_in, dz_hid, dh0)
        grads = _weight_grads(tape, dz_in, dz_hid, input_grad)
        grads["h0"] = dh0
        return grads


class RNNOps(base.LayerOps):

    def prepare(self, params):
        dtype = params.w_hh.dtype
        bias = np.zeros(0, dtype=dtype) if params.b_ih is None else params.b_ih + params.b_hh
        return packed(params.w_ih, True), bias, packed(params.w_hh, True)

    def forward(self, x, params, h0, c0, lengths, reverse, record, prepared=None):
        H = h0.shape[1]
        w_ih, bias, w_hh = prepared or self.prepare(params)
        xproj = _project(x, w_ih, bias, H)
        out, (h_prev,) = _alloc(x, H, record, 1)
        h_n = np.empty_like(h0)
        cpu.rnn_forward(xproj, w_hh, h0, lengths, reverse,
                        self.relu, record, n_chunks_for(x.shape[1]), out, h_n, h_prev)
        tape = base.LayerTape(x, out, h_prev, lengths, reverse, params) if record else None
        return out, h_n, None, tape

    def backward(self, tape, grad_out, grad_h_n, grad_c_n, input_grad=True):
        dz = padded_empty(tape.out.shape, tape.out.dtype)
        dh0 = np.empty_like(grad_h_n)
        cpu.rnn_backward(grad_out, grad_h_n, packed(tape.params.w_hh, False), tape.lengths, tape.reverse,
                         self.relu, n_chunks_for(grad_out.shape[1]), tape.out, dz, dh0)
        grads = _weight_grads(tape, dz, dz, input_grad)
        grads["h0"] = dh0
        return grads


_OPS = {"rnn": RNNOps, "lstm": LSTMOps, "gru": GRUOps}


#: Embedding columns per parallel piece of the table gradient (any value gives the same bits).
EMBEDDING_COLUMNS = 16


class Backend(base.Backend):
    """NumPy arrays in and out; the layers run on Numba's CPU thread pool."""

    name = "cpu"

    def layer_ops(self, cell, nonlinearity="tanh"):
        return _OPS[cell.name](cell, nonlinearity)

    def is_device_input(self, a):
        return False

    def embedding_forward(self, weight, ids):
        out = np.empty((ids.shape[0], weight.shape[1]), dtype=weight.dtype)
        cpu.embedding_gather(np.ascontiguousarray(weight), ids, out)
        return out

    def embedding_backward(self, grad, ids, num_embeddings, padding_idx):
        grad = np.ascontiguousarray(grad)
        out = np.zeros((num_embeddings, grad.shape[1]), dtype=grad.dtype)
        cpu.embedding_scatter(grad, ids, padding_idx, EMBEDDING_COLUMNS, out)
        return out

    def checked(self, name, a, dtype, shape, lengths=None, finite=True, hint=""):
        a = np.asarray(a)
        if a.dtype != np.dtype(dtype):
            raise TypeError(f"{name} has dtype {a.dtype}; this network is {np.dtype(dtype)}")
        if a.shape != tuple(shape):
            raise ValueError(f"{name} has shape {a.shape}; expected {tuple(shape)}")
        out = np.array(a if lengths is None else v.zero_padding(a, lengths), order="C")
        return v.check_finite(name, out, hint) if finite else out

    def from_user(self, a):
        return np.ascontiguousarray(a)

    def empty(self, shape, dtype):
        return np.empty(shape, dtype=dtype)

    def put(self, dst, k, src):
        dst[k] = src

    def concat_last(self, parts):
        return np.concatenate(parts, axis=2)

    def swap_leading(self, a):
        return np.ascontiguousarray(np.swapaxes(a, 0, 1))

    def columns(self, a, lo, hi):
        return np.ascontiguousarray(a[:, :, lo:hi])

    def multiply(self, a, b):
        return np.multiply(a, b)

    def add(self, a, b):
        return np.add(a, b)

    def to_host(self, a):
        return np.asarray(a)

    def to_user(self, a, like):
        return a
