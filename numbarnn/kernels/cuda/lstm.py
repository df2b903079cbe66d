"""LSTM step kernels (gate order i, f, g, o), one thread per (row, unit), grid-stride.

Forward: each thread forms its four gate pre-activations (input projection
plus the recurrent dot products with its columns of ``w_t = w_hh.T``, read
coalesced across the threads of a warp), applies the gate
arithmetic and writes the new state into the other half of a double buffer;
the kernel boundary is the step barrier. Backward: :func:`lstm_backward_step`
turns the carried ``dh``/``dc`` into gate gradients, then
:func:`numbarnn.kernels.cuda.recurrent.recurrent_grad` forms ``dz @ w_hh``.
"""

from .runtime import cuda
from .cells import lstm_backward, lstm_forward, lstm_record, step_time

cuda = cuda()


@cuda.jit
def lstm_step(s, xproj, w_t, h_in, c_in, lengths, reverse, record, one,
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
            zi += w_t[k, j] * hk
            zf += w_t[k, H + j] * hk
            zg += w_t[k, 2 * H + j] * hk
            zo += w_t[k, 3 * H + j] * hk
        cp = c_in[b, j]
        ig, fg, gg, og, c, tc, h = lstm_forward(zi, zf, zg, zo, cp, one)
        h_out[b, j] = h
        c_out[b, j] = c
        out[t, b, j] = h
        if record:
            lstm_record(gates, c_prev, tanh_c, h_prev, t, b, j, ig, fg, gg, og, cp, tc, h_in[b, j])


@cuda.jit
def lstm_backward_step(s, grad_out, dh_in, dc_in, lengths, reverse, gates, c_prev, tanh_c, one,
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
        di, df, dg, do, dcp = lstm_backward(dh_in[b, j] + grad_out[t, b, j], dc_in[b, j], gates[t, b, j],
                                            gates[t, b, H + j], gates[t, b, 2 * H + j], gates[t, b, 3 * H + j],
                                            tanh_c[t, b, j], c_prev[t, b, j], one)
        dc_out[b, j] = dcp
        dzc[b, j] = di
        dzc[b, H + j] = df
        dzc[b, 2 * H + j] = dg
        dzc[b, 3 * H + j] = do
        dz[t, b, j] = di
        dz[t, b, H + j] = df
        dz[t, b, 2 * H + j] = dg
        dz[t, b, 3 * H + j] = do
