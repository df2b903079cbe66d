"""LSTM step kernels (gate order i, f, g, o), one thread per (row, unit), grid-stride.

Forward: each thread forms its four gate pre-activations (input projection
plus the recurrent dot products with its rows of ``w_hh``), applies the gate
arithmetic and writes the new state into the other half of a double buffer;
the kernel boundary is the step barrier. Backward: :func:`lstm_backward_step`
turns the carried ``dh``/``dc`` into gate gradients, then
:func:`numbarnn.kernels.cuda.recurrent.recurrent_grad` forms ``dz @ w_hh``.
"""

import math

from ..._cuda import cuda
from .common import sigmoid, step_time

cuda = cuda()


@cuda.jit
def lstm_step(s, xproj, w_hh, h_in, c_in, lengths, reverse, record,
              h_out, c_out, out, gates, c_prev, tanh_c, h_prev):
    B, H = h_in.shape
    for idx in range(cuda.grid(1), B * H, cuda.gridsize(1)):
        b = idx // H
        j = idx % H
        L = lengths[b]
        if s >= L:
            h_out[b, j] = h_in[b, j]
            c_out[b, j] = c_in[b, j]
            continue
        t = step_time(s, L, reverse)
        zi = xproj[t, b, j]
        zf = xproj[t, b, H + j]
        zg = xproj[t, b, 2 * H + j]
        zo = xproj[t, b, 3 * H + j]
        for k in range(H):
            hk = h_in[b, k]
            zi += w_hh[j, k] * hk
            zf += w_hh[H + j, k] * hk
            zg += w_hh[2 * H + j, k] * hk
            zo += w_hh[3 * H + j, k] * hk
        ig = sigmoid(zi)
        fg = sigmoid(zf)
        gg = math.tanh(zg)
        og = sigmoid(zo)
        cp = c_in[b, j]
        c = fg * cp + ig * gg
        tc = math.tanh(c)
        h = og * tc
        h_out[b, j] = h
        c_out[b, j] = c
        out[t, b, j] = h
        if record:
            gates[t, b, j] = ig
            gates[t, b, H + j] = fg
            gates[t, b, 2 * H + j] = gg
            gates[t, b, 3 * H + j] = og
            c_prev[t, b, j] = cp
            tanh_c[t, b, j] = tc
            h_prev[t, b, j] = h_in[b, j]


@cuda.jit
def lstm_backward_step(s, grad_out, dh_in, dc_in, lengths, reverse, gates, c_prev, tanh_c,
                       dc_out, dzc, dz):
    B, H = dh_in.shape
    for idx in range(cuda.grid(1), B * H, cuda.gridsize(1)):
        b = idx // H
        j = idx % H
        L = lengths[b]
        if s >= L:
            dc_out[b, j] = dc_in[b, j]
            for g in range(4):
                dzc[b, g * H + j] = 0
            continue
        t = step_time(s, L, reverse)
        ig = gates[t, b, j]
        fg = gates[t, b, H + j]
        gg = gates[t, b, 2 * H + j]
        og = gates[t, b, 3 * H + j]
        tc = tanh_c[t, b, j]
        dhj = dh_in[b, j] + grad_out[t, b, j]
        dcj = dc_in[b, j] + dhj * og * (1 - tc * tc)
        dc_out[b, j] = dcj * fg
        di = dcj * gg * ig * (1 - ig)
        df = dcj * c_prev[t, b, j] * fg * (1 - fg)
        dg = dcj * ig * (1 - gg * gg)
        do = dhj * tc * og * (1 - og)
        dzc[b, j] = di
        dzc[b, H + j] = df
        dzc[b, 2 * H + j] = dg
        dzc[b, 3 * H + j] = do
        dz[t, b, j] = di
        dz[t, b, H + j] = df
        dz[t, b, 2 * H + j] = dg
        dz[t, b, 3 * H + j] = do
