"""Textbook batched NumPy RNN/LSTM/GRU (unidirectional stacks, full lengths): the NumPy peer.

One NumPy expression per equation, the input projection hoisted out of the
time loop, weight gradients accumulated per step. ``tests/test_benchmark_peers.py``
checks it against numbarnn so the benchmarked path is also a tested one.
"""

import numpy as np


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def forward(cell, params, x, num_layers, nonlinearity="tanh"):
    """Return (out, caches). ``params`` uses PyTorch names; zero initial state."""
    caches = []
    inp = x
    for layer in range(num_layers):
        W_ih, W_hh = params[f"weight_ih_l{layer}"], params[f"weight_hh_l{layer}"]
        b_ih, b_hh = params[f"bias_ih_l{layer}"], params[f"bias_hh_l{layer}"]
        T, B, _ = inp.shape
        H = W_hh.shape[1]
        xp = inp @ W_ih.T + b_ih
        h = np.zeros((B, H), dtype=x.dtype)
        c = np.zeros((B, H), dtype=x.dtype)
        out = np.empty((T, B, H), dtype=x.dtype)
        steps = []
        for t in range(T):
            hh = h @ W_hh.T + b_hh
            if cell == "rnn":
                pre = xp[t] + hh
                h_new = np.tanh(pre) if nonlinearity == "tanh" else np.maximum(pre, 0)
                steps.append((h, h_new))
            elif cell == "lstm":
                a = xp[t] + hh
                i, f, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), _sigmoid(a[:, 3 * H:])
                g = np.tanh(a[:, 2 * H:3 * H])
                c_new = f * c + i * g
                tc = np.tanh(c_new)
                h_new = o * tc
                steps.append((h, c, i, f, g, o, tc))
                c = c_new
            else:
                r = _sigmoid(xp[t, :, :H] + hh[:, :H])
                z = _sigmoid(xp[t, :, H:2 * H] + hh[:, H:2 * H])
                n = np.tanh(xp[t, :, 2 * H:] + r * hh[:, 2 * H:])
                h_new = (1 - z) * n + z * h
                steps.append((h, r, z, n, hh[:, 2 * H:]))
            h = h_new
            out[t] = h
        caches.append((inp, steps))
        inp = out
    return inp, caches


def backward(cell, params, caches, grad_out, nonlinearity="tanh"):
    """Return (grads by name, grad of the input)."""
    grads = {}
    d_out = grad_out
    for layer in reversed(range(len(caches))):
        inp, steps = caches[layer]
        W_ih, W_hh = params[f"weight_ih_l{layer}"], params[f"weight_hh_l{layer}"]
        T, B, _ = inp.shape
        H = W_hh.shape[1]
        dW_ih, dW_hh = np.zeros_like(W_ih), np.zeros_like(W_hh)
        db_ih, db_hh = np.zeros(W_ih.shape[0], inp.dtype), np.zeros(W_ih.shape[0], inp.dtype)
        d_in = np.empty_like(inp)
        dh = np.zeros((B, H), dtype=inp.dtype)
        dc = np.zeros((B, H), dtype=inp.dtype)
        for t in reversed(range(T)):
            dh = dh + d_out[t]
            if cell == "rnn":
                h_prev, h_new = steps[t]
                dz = dh * (1 - h_new ** 2) if nonlinearity == "tanh" else dh * (h_new > 0)
                dz_h = dz
                dh = dz @ W_hh
            elif cell == "lstm":
                h_prev, c_prev, i, f, g, o, tc = steps[t]
                dc = dc + dh * o * (1 - tc ** 2)
                dz = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                                     dc * i * (1 - g ** 2), dh * tc * o * (1 - o)], axis=1)
                dz_h = dz
                dc = dc * f
                dh = dz @ W_hh
            else:
                h_prev, r, z, n, hn = steps[t]
                dn = dh * (1 - z) * (1 - n ** 2)
                dzz = dh * (h_prev - n) * z * (1 - z)
                dr = dn * hn * r * (1 - r)
                dz = np.concatenate([dr, dzz, dn], axis=1)
                dz_h = np.concatenate([dr, dzz, dn * r], axis=1)
                dh = dh * z + dz_h @ W_hh
            dW_ih += dz.T @ inp[t]
            dW_hh += dz_h.T @ h_prev
            db_ih += dz.sum(0)
            db_hh += dz_h.sum(0)
            d_in[t] = dz @ W_ih
        grads.update({f"weight_ih_l{layer}": dW_ih, f"weight_hh_l{layer}": dW_hh,
                      f"bias_ih_l{layer}": db_ih, f"bias_hh_l{layer}": db_hh})
        d_out = d_in
    return grads, d_out
