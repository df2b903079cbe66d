"""Elman RNN step kernels (tanh or relu), one thread per (row, unit), grid-stride."""

import math

from ..._cuda import cuda
from .common import step_time

cuda = cuda()


@cuda.jit
def rnn_step(s, xproj, w_hh, h_in, lengths, reverse, relu, record, h_out, out, h_prev):
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
            a += w_hh[j, k] * h_in[b, k]
        h = (a if a > 0 else 0.0) if relu else math.tanh(a)
        h_out[b, j] = h
        out[t, b, j] = h
        if record:
            h_prev[t, b, j] = h_in[b, j]


@cuda.jit
def rnn_backward_step(s, grad_out, dh_in, lengths, reverse, relu, out, dzc, dz):
    B, H = dh_in.shape
    for idx in range(cuda.grid(1), B * H, cuda.gridsize(1)):
        b = idx // H
        j = idx % H
        L = lengths[b]
        if s >= L:
            dzc[b, j] = 0
            continue
        t = step_time(s, L, reverse)
        y = out[t, b, j]
        d = dh_in[b, j] + grad_out[t, b, j]
        dzv = (d if y > 0 else 0.0) if relu else d * (1 - y * y)
        dzc[b, j] = dzv
        dz[t, b, j] = dzv
