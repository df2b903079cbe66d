"""Cell arithmetic as CUDA device functions, shared by the per-step and the persistent kernels.

Every function takes ``one`` (1 in the data's dtype) so float32 stays float32
on the device (a Python float literal would promote the arithmetic to float64).
Gate orders are PyTorch's: LSTM i, f, g, o; GRU r, z, n.
"""

import math

from .runtime import cuda

cuda = cuda()


@cuda.jit(device=True)
def sigmoid(x, one):
    return one / (one + math.exp(-x))


@cuda.jit(device=True)
def step_time(s, length, reverse):
    return length - 1 - s if reverse else s


@cuda.jit(device=True)
def lstm_forward(zi, zf, zg, zo, cp, one):
    """Gates, new cell, tanh of the cell and new hidden value from the four pre-activations."""
    ig = sigmoid(zi, one)
    fg = sigmoid(zf, one)
    gg = math.tanh(zg)
    og = sigmoid(zo, one)
    c = fg * cp + ig * gg
    tc = math.tanh(c)
    return ig, fg, gg, og, c, tc, og * tc


@cuda.jit(device=True)
def lstm_record(gates, c_prev, tanh_c, h_prev, t, b, j, ig, fg, gg, og, cp, tc, hp):
    """Write one unit's LSTM tape entries at (t, b, j); H = c_prev.shape[2]."""
    H = c_prev.shape[2]
    gates[t, b, j] = ig
    gates[t, b, H + j] = fg
    gates[t, b, 2 * H + j] = gg
    gates[t, b, 3 * H + j] = og
    c_prev[t, b, j] = cp
    tanh_c[t, b, j] = tc
    h_prev[t, b, j] = hp


@cuda.jit(device=True)
def lstm_backward(dh, dc, ig, fg, gg, og, tc, cp, one):
    """Pre-activation gradients (di, df, dg, do) and the cell gradient carried to the previous step."""
    dcj = dc + dh * og * (one - tc * tc)
    di = dcj * gg * ig * (one - ig)
    df = dcj * cp * fg * (one - fg)
    dg = dcj * ig * (one - gg * gg)
    do = dh * tc * og * (one - og)
    return di, df, dg, do, dcj * fg


@cuda.jit(device=True)
def gru_forward(xr, xz, xn, ar, az, an, hp, one):
    """Gates and new hidden value; ``a*`` are the recurrent pre-activations including b_hh."""
    rg = sigmoid(xr + ar, one)
    zg = sigmoid(xz + az, one)
    ng = math.tanh(xn + rg * an)
    return rg, zg, ng, ng + zg * (hp - ng)


@cuda.jit(device=True)
def gru_record(gates, hn, h_prev, t, b, j, rg, zg, ng, an, hp):
    """Write one unit's GRU tape entries at (t, b, j); H = hn.shape[2]."""
    H = hn.shape[2]
    gates[t, b, j] = rg
    gates[t, b, H + j] = zg
    gates[t, b, 2 * H + j] = ng
    hn[t, b, j] = an
    h_prev[t, b, j] = hp


@cuda.jit(device=True)
def gru_backward(dh, rg, zg, ng, hn, hp, one):
    """(dr, dz, dn) of the pre-activations and the direct gradient dh * z to the previous state."""
    dn = dh * (one - zg) * (one - ng * ng)
    dzz = dh * (hp - ng) * zg * (one - zg)
    dr = dn * hn * rg * (one - rg)
    return dr, dzz, dn, dh * zg


@cuda.jit(device=True)
def rnn_forward(a, relu, one):
    zero = one - one
    return (a if a > zero else zero) if relu else math.tanh(a)


@cuda.jit(device=True)
def rnn_backward(d, y, relu, one):
    zero = one - one
    return (d if y > zero else zero) if relu else d * (one - y * y)
