"""GRU step kernels (gate order r, z, n), one thread per (row, unit), grid-stride."""

from .runtime import cuda
from .cells import gru_backward, gru_forward, gru_record, step_time

cuda = cuda()


@cuda.jit
def gru_step(s, xproj, w_t, b_hh, h_in, lengths, reverse, record, one, h_out, out, gates, hn, h_prev):
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
            ar += w_t[k, j] * hk
            az += w_t[k, H + j] * hk
            an += w_t[k, 2 * H + j] * hk
        hp = h_in[b, j]
        rg, zg, ng, h = gru_forward(xproj[t, b, j], xproj[t, b, H + j], xproj[t, b, 2 * H + j], ar, az, an,
                                    hp, one)
        h_out[b, j] = h
        out[t, b, j] = h
        if record:
            gru_record(gates, hn, h_prev, t, b, j, rg, zg, ng, an, hp)


@cuda.jit
def gru_backward_step(s, grad_out, dh_in, lengths, reverse, gates, hn, h_prev, one, direct, dzc, dz_in,
                      dz_hid):
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
        dr, dzz, dn, dir_ = gru_backward(dh_in[b, j] + grad_out[t, b, j], rg, gates[t, b, H + j],
                                         gates[t, b, 2 * H + j], hn[t, b, j], h_prev[t, b, j], one)
        direct[b, j] = dir_
        dz_in[t, b, j] = dr
        dz_in[t, b, H + j] = dzz
        dz_in[t, b, 2 * H + j] = dn
        dzc[b, j] = dr
        dzc[b, H + j] = dzz
        dzc[b, 2 * H + j] = dn * rg
        dz_hid[t, b, j] = dr
        dz_hid[t, b, H + j] = dzz
        dz_hid[t, b, 2 * H + j] = dn * rg
