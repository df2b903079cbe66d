"""GRU step kernels (gate order r, z, n), one thread per (row, unit), grid-stride."""

import math

from ..._cuda import cuda
from .common import sigmoid, step_time

cuda = cuda()


@cuda.jit
def gru_step(s, xproj, w_hh, b_hh, h_in, lengths, reverse, record, h_out, out, gates, hn, h_prev):
    B, H = h_in.shape
    for idx in range(cuda.grid(1), B * H, cuda.gridsize(1)):
        b = idx // H
        j = idx % H
        L = lengths[b]
        if s >= L:
            h_out[b, j] = h_in[b, j]
            continue
        t = step_time(s, L, reverse)
        ar = b_hh[j]
        az = b_hh[H + j]
        an = b_hh[2 * H + j]
        for k in range(H):
            hk = h_in[b, k]
            ar += w_hh[j, k] * hk
            az += w_hh[H + j, k] * hk
            an += w_hh[2 * H + j, k] * hk
        rg = sigmoid(xproj[t, b, j] + ar)
        zg = sigmoid(xproj[t, b, H + j] + az)
        ng = math.tanh(xproj[t, b, 2 * H + j] + rg * an)
        hp = h_in[b, j]
        h = ng + zg * (hp - ng)
        h_out[b, j] = h
        out[t, b, j] = h
        if record:
            gates[t, b, j] = rg
            gates[t, b, H + j] = zg
            gates[t, b, 2 * H + j] = ng
            hn[t, b, j] = an
            h_prev[t, b, j] = hp


@cuda.jit
def gru_backward_step(s, grad_out, dh_in, lengths, reverse, gates, hn, h_prev, direct, dzc, dz_in, dz_hid):
    B, H = dh_in.shape
    for idx in range(cuda.grid(1), B * H, cuda.gridsize(1)):
        b = idx // H
        j = idx % H
        L = lengths[b]
        if s >= L:
            direct[b, j] = 0
            for g in range(3):
                dzc[b, g * H + j] = 0
            continue
        t = step_time(s, L, reverse)
        rg = gates[t, b, j]
        zg = gates[t, b, H + j]
        ng = gates[t, b, 2 * H + j]
        dhj = dh_in[b, j] + grad_out[t, b, j]
        dn = dhj * (1 - zg) * (1 - ng * ng)
        dzz = dhj * (h_prev[t, b, j] - ng) * zg * (1 - zg)
        dr = dn * hn[t, b, j] * rg * (1 - rg)
        direct[b, j] = dhj * zg
        dz_in[t, b, j] = dr
        dz_in[t, b, H + j] = dzz
        dz_in[t, b, 2 * H + j] = dn
        dzc[b, j] = dr
        dzc[b, H + j] = dzz
        dzc[b, 2 * H + j] = dn * rg
        dz_hid[t, b, j] = dr
        dz_hid[t, b, H + j] = dzz
        dz_hid[t, b, 2 * H + j] = dn * rg
