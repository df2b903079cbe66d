"""Elman RNN step kernels (tanh or relu), one thread per (row, unit), grid-stride."""

from .runtime import cuda
from .cells import rnn_backward, rnn_forward, step_time

cuda = cuda()


@cuda.jit
def rnn_step(s, xproj, w_t, h_in, lengths, reverse, relu, record, one, h_out, out, h_prev):
    B, H = h_in.shape
    for idx in range(cuda.grid(1), B * H, cuda.gridsize(1)):
        b = idx // H
        j = idx % H
        L = lengths[b]
        if s >= L:
            h_out[b, j] = h_in[b, j]
            continue
        t = step_time(s, L, reverse)
        a = xproj[t, b, j]
        for k in range(H):
            a += w_t[k, j] * h_in[b, k]
        h = rnn_forward(a, relu, one)
        h_out[b, j] = h
        out[t, b, j] = h
        if record:
            h_prev[t, b, j] = h_in[b, j]


@cuda.jit
def rnn_backward_step(s, grad_out, dh_in, lengths, reverse, relu, out, one, dzc, dz):
    B, H = dh_in.shape
    for idx in range(cuda.grid(1), B * H, cuda.gridsize(1)):
        b = idx // H
        j = idx % H
        L = lengths[b]
        if s >= L:
            dzc[b, j] = 0
            continue
        t = step_time(s, L, reverse)
        dzv = rnn_backward(dh_in[b, j] + grad_out[t, b, j], out[t, b, j], relu, one)
        dzc[b, j] = dzv
        dz[t, b, j] = dzv
