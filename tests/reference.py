"""Plain NumPy reference for RNN, LSTM and GRU: forward and BPTT, written for reading.

One sequence at a time, one step at a time, each equation on its own line.
Variable lengths are handled the obvious way: sequence ``b`` is cut to its
first ``lengths[b]`` steps. The reverse direction reads that cut sequence
backwards. Nothing here is shared with the package.
"""

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# -- one step -------------------------------------------------------------------------

def step(cell, x, h, c, p, nonlinearity="tanh"):
    """One step of one sequence. Returns (h_new, c_new, cache)."""
    W_ih, W_hh, b_ih, b_hh = p
    H = h.shape[0]
    if cell == "rnn":
        pre = W_ih @ x + b_ih + W_hh @ h + b_hh
        h_new = np.tanh(pre) if nonlinearity == "tanh" else np.maximum(pre, 0.0)
        return h_new, None, (x, h, h_new)
    if cell == "lstm":
        a = W_ih @ x + b_ih + W_hh @ h + b_hh
        i = sigmoid(a[0:H])
        f = sigmoid(a[H:2 * H])
        g = np.tanh(a[2 * H:3 * H])
        o = sigmoid(a[3 * H:4 * H])
        c_new = f * c + i * g
        h_new = o * np.tanh(c_new)
        return h_new, c_new, (x, h, c, i, f, g, o, c_new)
    if cell == "gru":
        gi = W_ih @ x + b_ih
        gh = W_hh @ h + b_hh
        r = sigmoid(gi[0:H] + gh[0:H])
        z = sigmoid(gi[H:2 * H] + gh[H:2 * H])
        n = np.tanh(gi[2 * H:] + r * gh[2 * H:])
        h_new = (1 - z) * n + z * h
        return h_new, None, (x, h, r, z, n, gh[2 * H:])
    raise ValueError(cell)


def step_backward(cell, dh, dc, cache, p, nonlinearity="tanh"):
    """Backward of :func:`step`. Returns dx, dh_prev, dc_prev, [dW_ih, dW_hh, db_ih, db_hh]."""
    W_ih, W_hh, b_ih, b_hh = p
    if cell == "rnn":
        x, h, h_new = cache
        if nonlinearity == "tanh":
            dpre = dh * (1 - h_new ** 2)
        else:
            dpre = dh * (h_new > 0)
        return (W_ih.T @ dpre, W_hh.T @ dpre, None,
                [np.outer(dpre, x), np.outer(dpre, h), dpre, dpre])
    if cell == "lstm":
        x, h, c, i, f, g, o, c_new = cache
        tc = np.tanh(c_new)
        do = dh * tc
        dc = dc + dh * o * (1 - tc ** 2)
        di = dc * g
        df = dc * c
        dg = dc * i
        dc_prev = dc * f
        da = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g ** 2), do * o * (1 - o)])
        return (W_ih.T @ da, W_hh.T @ da, dc_prev,
                [np.outer(da, x), np.outer(da, h), da, da])
    if cell == "gru":
        x, h, r, z, n, hn = cache
        dn = dh * (1 - z)
        dz = dh * (h - n)
        dh_prev = dh * z
        dn_pre = dn * (1 - n ** 2)
        dr = dn_pre * hn
        dr_pre = dr * r * (1 - r)
        dz_pre = dz * z * (1 - z)
        dgi = np.concatenate([dr_pre, dz_pre, dn_pre])
        dgh = np.concatenate([dr_pre, dz_pre, dn_pre * r])
        return (W_ih.T @ dgi, dh_prev + W_hh.T @ dgh, None,
                [np.outer(dgi, x), np.outer(dgh, h), dgi, dgh])
    raise ValueError(cell)


# -- a whole network --------------------------------------------------------------------

def _names(layer, direction):
    s = f"_l{layer}" + ("_reverse" if direction else "")
    return [f"weight_ih{s}", f"weight_hh{s}", f"bias_ih{s}", f"bias_hh{s}"]


def _layer_params(params, layer, direction, G, H):
    names = _names(layer, direction)
    W_ih, W_hh = params[names[0]], params[names[1]]
    b_ih = params.get(names[2], np.zeros(G * H))
    b_hh = params.get(names[3], np.zeros(G * H))
    return W_ih, W_hh, b_ih, b_hh


GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def forward(cell, params, x, h0, c0=None, lengths=None, num_layers=1, bidirectional=False,
            masks=None, nonlinearity="tanh"):
    """Forward of a stack. x: (T, B, D); h0, c0: (layers*dirs, B, H).

    Returns out (T, B, dirs*H), h_n, c_n and a cache for :func:`backward`.
    """
    T, B, _ = x.shape
    dirs = 2 if bidirectional else 1
    H = h0.shape[2]
    lengths = [T] * B if lengths is None else list(lengths)
    G = GATES[cell]
    h_n = np.zeros_like(h0)
    c_n = np.zeros_like(h0)
    caches = {}
    layer_in = x
    for layer in range(num_layers):
        if masks is not None and masks[layer] is not None:
            layer_in = layer_in * masks[layer]
        out = np.zeros((T, B, dirs * H))
        for d in range(dirs):
            k = layer * dirs + d
            p = _layer_params(params, layer, d, G, H)
            for b in range(B):
                L = lengths[b]
                times = range(L) if d == 0 else range(L - 1, -1, -1)
                h = h0[k, b].copy()
                c = None if c0 is None else c0[k, b].copy()
                for t in times:
                    h, c, cache = step(cell, layer_in[t, b], h, c, p, nonlinearity)
                    caches[layer, d, b, t] = cache
                    out[t, b, d * H:(d + 1) * H] = h
                h_n[k, b] = h
                if c is not None:
                    c_n[k, b] = c
        layer_in = out
    return layer_in, h_n, (c_n if cell == "lstm" else None), caches


def backward(cell, params, x, caches, grad_out, grad_h_n, grad_c_n=None, lengths=None,
             num_layers=1, bidirectional=False, masks=None, nonlinearity="tanh"):
    """BPTT through the stack. Returns (grads by parameter name, dx, dh0, dc0)."""
    T, B, D = x.shape
    dirs = 2 if bidirectional else 1
    H = grad_h_n.shape[2]
    G = GATES[cell]
    lengths = [T] * B if lengths is None else list(lengths)
    grads = {}
    dh0 = np.zeros_like(grad_h_n)
    dc0 = np.zeros_like(grad_h_n)
    d_layer_out = grad_out.copy()
    for layer in reversed(range(num_layers)):
        d_in_size = D if layer == 0 else dirs * H
        d_layer_in = np.zeros((T, B, d_in_size))
        for d in range(dirs):
            k = layer * dirs + d
            p = _layer_params(params, layer, d, G, H)
            acc = [np.zeros_like(a) for a in p]
            for b in range(B):
                L = lengths[b]
                times = range(L) if d == 0 else range(L - 1, -1, -1)
                dh = grad_h_n[k, b].copy()
                dc = None if grad_c_n is None else grad_c_n[k, b].copy()
                for t in reversed(list(times)):
                    dh = dh + d_layer_out[t, b, d * H:(d + 1) * H]
                    dx, dh, dc, dp = step_backward(cell, dh, dc, caches[layer, d, b, t], p, nonlinearity)
                    d_layer_in[t, b] += dx
                    for a, g in zip(acc, dp):
                        a += g
                dh0[k, b] = dh
                if dc is not None:
                    dc0[k, b] = dc
            for name, a in zip(_names(layer, d), acc):
                if name in params:
                    grads[name] = a
        if masks is not None and masks[layer] is not None:
            d_layer_in = d_layer_in * masks[layer]
        d_layer_out = d_layer_in
    return grads, d_layer_out, dh0, (dc0 if cell == "lstm" else None)


def embedding_backward(weight_shape, ids, grad_out, padding_idx=None):
    """The table gradient of a lookup, one token at a time: row ``ids[n]`` gains ``grad_out[n]``."""
    grad = np.zeros(weight_shape)
    for n, row in enumerate(np.asarray(ids).reshape(-1)):
        if row != padding_idx:
            grad[row] += grad_out.reshape(-1, weight_shape[1])[n]
    return grad


def token_model(params, x, lengths, readout="timestep", num_layers=1, bidirectional=True, cell="lstm",
                grad_y=None):
    """:class:`numbarnn.nn.TokenModel` without dropout, one token at a time: every token's spelling runs
    through the character LSTM by itself (no sharing between equal spellings).

    Returns ``y`` and, when ``grad_y`` is given, the gradient of ``<y, grad_y>`` for every parameter.
    """
    T, B = x.shape[:2]
    W = params["word_embedding.weight"]
    char = {k[len("char_rnn."):]: v for k, v in params.items() if k.startswith("char_rnn.")}
    rnn = {k[len("rnn."):]: v for k, v in params.items() if k.startswith("rnn.")}
    valid = np.arange(T)[:, None] < np.asarray(lengths)[None, :]
    Hc = char["weight_hh_l0"].shape[1] if char else 0
    feats = np.zeros((T, B, W.shape[1] + 2 * Hc))
    char_runs = {}
    for t, b in zip(*np.nonzero(valid)):
        feats[t, b, :W.shape[1]] = W[x[t, b, 0]]
        if char:
            ids = [c for c in x[t, b, 1:] if c != 0]
            vec = params["char_embedding.weight"][ids][:, None, :]
            zeros = np.zeros((2, 1, Hc))
            _, h_n, _, caches = forward("lstm", char, vec, zeros, zeros.copy(), bidirectional=True)
            feats[t, b, W.shape[1]:] = np.concatenate([h_n[0, 0], h_n[1, 0]])
            char_runs[t, b] = (ids, vec, caches)
    dirs = 2 if bidirectional else 1
    H = rnn["weight_hh_l0"].shape[1]
    h0 = np.zeros((num_layers * dirs, B, H))
    c0 = h0.copy() if cell == "lstm" else None
    out, h_n, _, caches = forward(cell, rnn, feats, h0, c0, lengths, num_layers, bidirectional)
    if readout == "timestep":
        features = out
    elif readout == "final":
        features = np.concatenate(list(h_n[-dirs:]), axis=-1)
    else:
        features = out.sum(axis=0) / np.asarray(lengths)[:, None]
    y = features @ params["head.weight"].T + params["head.bias"]
    if grad_y is None:
        return y
    grads = {"head.weight": grad_y.reshape(-1, y.shape[-1]).T @ features.reshape(-1, features.shape[-1]),
             "head.bias": grad_y.reshape(-1, y.shape[-1]).sum(axis=0)}
    d_features = grad_y @ params["head.weight"]
    d_out, d_hn = np.zeros_like(out), np.zeros_like(h_n)
    if readout == "timestep":
        d_out = d_features
    elif readout == "final":
        for d in range(dirs):
            d_hn[len(h_n) - dirs + d] = d_features[:, d * H:(d + 1) * H]
    else:
        d_out = np.broadcast_to(d_features / np.asarray(lengths)[:, None], out.shape) * valid[:, :, None]
    g, d_feats, _, _ = backward(cell, rnn, feats, caches, d_out, d_hn, np.zeros_like(d_hn) if cell == "lstm"
                                else None, lengths, num_layers, bidirectional)
    grads.update({f"rnn.{k}": v for k, v in g.items()})
    grads["word_embedding.weight"] = np.zeros_like(W)
    if char:
        grads["char_embedding.weight"] = np.zeros_like(params["char_embedding.weight"])
        for k in char:
            grads[f"char_rnn.{k}"] = np.zeros_like(char[k])
    for t, b in zip(*np.nonzero(valid)):
        grads["word_embedding.weight"][x[t, b, 0]] += d_feats[t, b, :W.shape[1]]
        if char:
            ids, vec, caches_c = char_runs[t, b]
            d_hc = d_feats[t, b, W.shape[1]:].reshape(2, 1, Hc)
            gc, d_vec, _, _ = backward("lstm", char, vec, caches_c, np.zeros((len(ids), 1, 2 * Hc)), d_hc,
                                       np.zeros_like(d_hc), bidirectional=True)
            for k, v in gc.items():
                grads[f"char_rnn.{k}"] += v
            for i, c in enumerate(ids):
                grads["char_embedding.weight"][c] += d_vec[i, 0]
    grads["word_embedding.weight"][0] = 0.0  # the padding row gets no gradient
    return y, grads


def attention(kind, params, query, memory, length):
    """One sequence's attention, written for reading: ``query`` (Q,), ``memory`` (S, M), the first
    ``length`` steps valid. Returns ``(context (M,), weights (S,))``."""
    scores = []
    for s in range(length):
        m = memory[s]
        if kind == "additive":
            hidden = np.tanh(params["query.weight"] @ query + params["memory.weight"] @ m + params["bias"])
            scores.append(params["v"] @ hidden)
        elif kind == "general":
            scores.append(query @ params["weight"] @ m)
        else:
            scores.append(query @ m)
    scores = np.array(scores)
    e = np.exp(scores - scores.max())
    weights = np.zeros(len(memory))
    weights[:length] = e / e.sum()
    return weights @ memory, weights


def cross_entropy(logits, labels, row_weight=None, class_weight=None, ignore_index=-1):
    """Weighted softmax cross-entropy and its gradient, one row at a time: each row ``n`` counts
    ``row_weight[n] * class_weight[labels[n]]`` (0 when labelled ``ignore_index``)."""
    N, C = logits.shape
    weights = np.zeros(N)
    for n in range(N):
        if labels[n] != ignore_index:
            weights[n] = (1.0 if row_weight is None else row_weight[n]) * (
                1.0 if class_weight is None else class_weight[labels[n]])
    total = max(weights.sum(), 1e-12)
    value, grad = 0.0, np.zeros((N, C))
    for n in range(N):
        if weights[n] == 0:
            continue
        p = np.exp(logits[n] - logits[n].max())
        p /= p.sum()
        value -= weights[n] * np.log(p[labels[n]]) / total
        grad[n] = weights[n] * (p - np.eye(C)[labels[n]]) / total
    return value, grad


def squared_error(pred, target, row_weight=None):
    """Mean squared error over the counted entries (rows of positive weight), and its gradient."""
    w = np.ones(len(pred)) if row_weight is None else np.asarray(row_weight, dtype=float)
    count = max(w.sum() * pred.shape[1], 1.0)
    value, grad = 0.0, np.zeros(pred.shape)
    for n in range(len(pred)):
        if w[n] > 0:
            d = pred[n] - target[n]
            value += w[n] * (d @ d) / count
            grad[n] = 2 * w[n] * d / count
    return value, grad
