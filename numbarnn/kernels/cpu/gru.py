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

from ...config import FASTMATH
from ._chunks import chunk_bounds, max_length, step_time
from .activations import one_minus, one_minus_square, sigmoid, tanh


@njit(cache=True, fastmath=FASTMATH)
def _forward_chunk(b0, b1, xproj, w_hh_t, b_hh, h0, lengths, reverse, record,
                   out, h_n, gates, hn, h_prev):
    H = h0.shape[1]
    h = h0[b0:b1].copy()
    z = np.empty((b1 - b0, 3 * H), dtype=h.dtype)
    for s in range(max_length(lengths, b0, b1)):
        np.dot(h, w_hh_t, z)
        for r in range(b1 - b0):
            b = b0 + r
            if s >= lengths[b]:
                continue
            t = step_time(s, lengths[b], reverse)
            if record:
                h_prev[t, b] = h[r]
            zr = z[r]
            xp = xproj[t, b]
            for j in range(H):
                hn_j = zr[2 * H + j] + b_hh[2 * H + j]
                rg = sigmoid(xp[j] + zr[j] + b_hh[j])
                zg = sigmoid(xp[H + j] + zr[H + j] + b_hh[H + j])
                ng = tanh(xp[2 * H + j] + rg * hn_j)
                hj = ng + zg * (h[r, j] - ng)
                h[r, j] = hj
                out[t, b, j] = hj
                zr[j] = rg
                zr[H + j] = zg
                zr[2 * H + j] = ng
                if record:
                    hn[t, b, j] = hn_j
            if record:
                gates[t, b] = zr
    h_n[b0:b1] = h


@njit(parallel=True, cache=True, fastmath=FASTMATH)
def gru_forward(xproj, w_hh_t, b_hh, h0, lengths, reverse, record, n_chunks,
                out, h_n, gates, hn, h_prev):
    """Run one GRU direction over a padded batch.

    Parameters
    ----------
    xproj : (T, B, 3H) input projection ``x W_ih^T + b_ih``.
    w_hh_t : (H, 3H) ``weight_hh.T``, C-contiguous.
    b_hh : (3H,) hidden bias (zeros when the network has no bias).
    h0 : (B, H) initial state.
    lengths, reverse, record, n_chunks : as in :func:`.lstm.lstm_forward`.
    out : (T, B, H) hidden states, zero-filled.
    h_n : (B, H) final state.
    gates : (T, B, 3H) activated r, z, n; ``hn`` (T, B, H) ``W_hn h + b_hn``;
        ``h_prev`` (T, B, H). Zero-filled; written only when ``record``.
    """
    B = h0.shape[0]
    for k in prange(n_chunks):
        b0, b1 = chunk_bounds(k, n_chunks, B)
        _forward_chunk(b0, b1, xproj, w_hh_t, b_hh, h0, lengths, reverse, record,
                       out, h_n, gates, hn, h_prev)


@njit(cache=True, fastmath=FASTMATH)
def _backward_chunk(b0, b1, grad_out, grad_h_n, w_hh, lengths, reverse,
                    gates, hn, h_prev, dz_in, dz_hid, grad_h0):
    H = grad_h_n.shape[1]
    dh = grad_h_n[b0:b1].copy()
    dzc = np.zeros((b1 - b0, 3 * H), dtype=dh.dtype)
    dh_direct = np.zeros((b1 - b0, H), dtype=dh.dtype)
    dh_rec = np.empty((b1 - b0, H), dtype=dh.dtype)
    for s in range(max_length(lengths, b0, b1) - 1, -1, -1):
        for r in range(b1 - b0):
            b = b0 + r
            if s >= lengths[b]:
                dzc[r] = 0
                continue
            t = step_time(s, lengths[b], reverse)
            g = gates[t, b]
            go = grad_out[t, b]
            hp = h_prev[t, b]
            hn_t = hn[t, b]
            di = dz_in[t, b]
            dzr = dzc[r]
            for j in range(H):
                rg = g[j]
                zg = g[H + j]
                ng = g[2 * H + j]
                dhj = dh[r, j] + go[j]
                dn = dhj * one_minus(zg) * one_minus_square(ng)
                dzz = dhj * (hp[j] - ng) * zg * one_minus(zg)
                dr = dn * hn_t[j] * rg * one_minus(rg)
                dh_direct[r, j] = dhj * zg
                di[j] = dr
                di[H + j] = dzz
                di[2 * H + j] = dn
                dzr[j] = dr
                dzr[H + j] = dzz
                dzr[2 * H + j] = dn * rg
            dz_hid[t, b] = dzr
        np.dot(dzc, w_hh, dh_rec)
        for r in range(b1 - b0):
            if s < lengths[b0 + r]:
                for j in range(H):
                    dh[r, j] = dh_rec[r, j] + dh_direct[r, j]
    grad_h0[b0:b1] = dh


@njit(parallel=True, cache=True, fastmath=FASTMATH)
def gru_backward(grad_out, grad_h_n, w_hh, lengths, reverse, n_chunks,
                 gates, hn, h_prev, dz_in, dz_hid, grad_h0):
    """Backpropagate through one GRU direction (BPTT).

    Parameters
    ----------
    grad_out : (T, B, H); grad_h_n : (B, H).
    w_hh : (3H, H) recurrent weights, C-contiguous.
    gates, hn, h_prev : the tape written by :func:`gru_forward`.
    dz_in, dz_hid : (T, B, 3H) outputs, zero-filled: pre-activation gradients
        seen from the input side (for ``weight_ih``, ``bias_ih`` and the input)
        and from the hidden side (for ``weight_hh``, ``bias_hh``).
    grad_h0 : (B, H) output.
    """
    B = grad_h_n.shape[0]
    for k in prange(n_chunks):
        b0, b1 = chunk_bounds(k, n_chunks, B)
        _backward_chunk(b0, b1, grad_out, grad_h_n, w_hh, lengths, reverse,
                        gates, hn, h_prev, dz_in, dz_hid, grad_h0)
