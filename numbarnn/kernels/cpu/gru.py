"""GRU layer kernels (one direction), PyTorch's gate order r, z, n.

.. math::

    r_t = \\sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\\\
    z_t = \\sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\\\
    n_t = \\tanh(W_{in} x_t + b_{in} + r_t (W_{hn} h_{t-1} + b_{hn})) \\\\
    h_t = (1 - z_t) n_t + z_t h_{t-1}

``xproj = x W_ih^T + b_ih`` (T, B, 3H) is one GEMM before the call; ``b_hh``
is added inside the step because ``b_hn`` sits inside ``r_t (...)``. The
backward writes the pre-activation gradients twice: ``dz_in`` for the input
side and ``dz_hid`` for the hidden side (they differ in the n block by the
factor ``r_t``). Batch chunking and lengths work as in :mod:`.lstm`.
"""

import numpy as np
from numba import njit, prange

from ...config import JIT_OPTIONS
from ._chunks import add_row, chunk_bounds, copy_row, max_length, step_rows, step_time, zero_padding
from .packed import packed_matmul
from .activations import one_minus, one_minus_square, sigmoid, tanh


@njit(inline="always", **JIT_OPTIONS)
def _forward_row(z, xp, b_hh, h, out, gates, hn):
    # One sequence, one step, inlined; gates as slices indexed by j alone so the loops vectorise,
    # and two loops (r and z, then n and h) for short dependency chains, as in the LSTM.
    H = h.shape[0]
    zr, zz, zn = z[:H], z[H:2 * H], z[2 * H:3 * H]
    xr, xz, xn = xp[:H], xp[H:2 * H], xp[2 * H:3 * H]
    br, bz, bn = b_hh[:H], b_hh[H:2 * H], b_hh[2 * H:3 * H]
    gr, gz, gn = gates[:H], gates[H:2 * H], gates[2 * H:3 * H]
    for j in range(H):
        gr[j] = sigmoid(xr[j] + zr[j] + br[j])
        gz[j] = sigmoid(xz[j] + zz[j] + bz[j])
    for j in range(H):
        hn_j = zn[j] + bn[j]
        ng = tanh(xn[j] + gr[j] * hn_j)
        hj = ng + gz[j] * (h[j] - ng)
        h[j] = hj
        out[j] = hj
        gn[j] = ng
        hn[j] = hn_j


@njit(**JIT_OPTIONS)
def _forward_chunk(b0, b1, xproj, w_hh_packed, b_hh, h0, lengths, reverse, record,
                   out, h_n, gates, hn, h_prev):
    H = h0.shape[1]
    zero_padding(out, lengths, b0, b1)
    if record:
        zero_padding(h_prev, lengths, b0, b1)
    h = h0[b0:b1].copy()
    z = np.empty((b1 - b0, 3 * H), dtype=h.dtype)
    gates_scratch = np.empty(3 * H, dtype=h.dtype)
    hn_scratch = np.empty(H, dtype=h.dtype)
    for s in range(max_length(lengths, b0, b1)):
        packed_matmul(h, w_hh_packed, z, 0, b1 - b0)
        for r in range(b1 - b0):
            b = b0 + r
            if s >= lengths[b]:
                continue
            t = step_time(s, lengths[b], reverse)
            g_row, hn_row = gates_scratch, hn_scratch
            if record:
                copy_row(h_prev[t, b], h[r])
                g_row, hn_row = gates[t, b], hn[t, b]
            _forward_row(z[r], xproj[t, b], b_hh, h[r], out[t, b], g_row, hn_row)
    h_n[b0:b1] = h


@njit(parallel=True, **JIT_OPTIONS)
def gru_forward(xproj, w_hh_packed, b_hh, h0, lengths, reverse, record, n_chunks,
                out, h_n, gates, hn, h_prev):
    """Run one GRU direction over a padded batch.

    Parameters
    ----------
    xproj : (T, B, 3H) input projection ``x W_ih^T + b_ih``.
    w_hh_packed : ``weight_hh.T`` (H, 3H) packed by :func:`.packed.pack_panels`.
    b_hh : (3H,) hidden bias (zeros when the network has no bias).
    h0 : (B, H) initial state.
    lengths, reverse, record, n_chunks : as in :func:`.lstm.lstm_forward`.
    out : (T, B, H) hidden states, padding zeroed here.
    h_n : (B, H) final state.
    gates : (T, B, 3H) activated r, z, n; ``hn`` (T, B, H) ``W_hn h + b_hn``;
        ``h_prev`` (T, B, H). Written only when ``record``.
    """
    B = h0.shape[0]
    for k in prange(n_chunks):
        b0, b1 = chunk_bounds(k, n_chunks, B)
        _forward_chunk(b0, b1, xproj, w_hh_packed, b_hh, h0, lengths, reverse, record,
                       out, h_n, gates, hn, h_prev)


@njit(inline="always", **JIT_OPTIONS)
def _backward_row(dh, grad_out, gates, hn, h_prev, dz_in, dz_hid):
    # dh (in: gradient from the step after) becomes the direct part z * dh of dh_prev.
    H = dh.shape[0]
    gr, gz, gn = gates[:H], gates[H:2 * H], gates[2 * H:3 * H]
    ir, iz, in_ = dz_in[:H], dz_in[H:2 * H], dz_in[2 * H:3 * H]
    hr, hz, hn_ = dz_hid[:H], dz_hid[H:2 * H], dz_hid[2 * H:3 * H]
    for j in range(H):
        rg = gr[j]
        zg = gz[j]
        ng = gn[j]
        dhj = dh[j] + grad_out[j]
        dn = dhj * one_minus(zg) * one_minus_square(ng)
        dzz = dhj * (h_prev[j] - ng) * zg * one_minus(zg)
        dr = dn * hn[j] * rg * one_minus(rg)
        dh[j] = dhj * zg
        ir[j] = dr
        iz[j] = dzz
        in_[j] = dn
        hr[j] = dr
        hz[j] = dzz
        hn_[j] = dn * rg


@njit(**JIT_OPTIONS)
def _backward_chunk(b0, b1, grad_out, grad_h_n, w_hh_packed, lengths, reverse,
                    gates, hn, h_prev, dz_in, dz_hid, grad_h0):
    H = grad_h_n.shape[1]
    zero_padding(dz_in, lengths, b0, b1)
    zero_padding(dz_hid, lengths, b0, b1)
    dh = grad_h_n[b0:b1].copy()
    dzc = np.zeros((b1 - b0, 3 * H), dtype=dh.dtype)
    dh_rec = np.empty((b1 - b0, H), dtype=dh.dtype)
    for s in range(max_length(lengths, b0, b1) - 1, -1, -1):
        for r in range(b1 - b0):
            b = b0 + r
            if s >= lengths[b]:
                continue
            t = step_time(s, lengths[b], reverse)
            _backward_row(dh[r], grad_out[t, b], gates[t, b], hn[t, b], h_prev[t, b],
                          dz_in[t, b], dz_hid[t, b])
        packed_matmul(step_rows(dz_hid, 3 * H, dzc, lengths, b0, b1, s, reverse), w_hh_packed, dh_rec, 0, b1 - b0)
        for r in range(b1 - b0):
            if s < lengths[b0 + r]:
                add_row(dh[r], dh_rec[r])
    grad_h0[b0:b1] = dh


@njit(parallel=True, **JIT_OPTIONS)
def gru_backward(grad_out, grad_h_n, w_hh_packed, lengths, reverse, n_chunks,
                 gates, hn, h_prev, dz_in, dz_hid, grad_h0):
    """Backpropagate through one GRU direction (BPTT).

    Parameters
    ----------
    grad_out : (T, B, H); grad_h_n : (B, H).
    w_hh_packed : ``weight_hh`` (3H, H) packed by :func:`.packed.pack_panels`.
    gates, hn, h_prev : the tape written by :func:`gru_forward`.
    dz_in, dz_hid : (T, B, >= 3H) outputs (columns past 3H are left alone; a wider
        row gives a GEMM-friendly stride), padding zeroed here: pre-activation gradients
        seen from the input side (for ``weight_ih``, ``bias_ih`` and the input)
        and from the hidden side (for ``weight_hh``, ``bias_hh``).
    grad_h0 : (B, H) output.
    """
    B = grad_h_n.shape[0]
    for k in prange(n_chunks):
        b0, b1 = chunk_bounds(k, n_chunks, B)
        _backward_chunk(b0, b1, grad_out, grad_h_n, w_hh_packed, lengths, reverse,
                        gates, hn, h_prev, dz_in, dz_hid, grad_h0)
