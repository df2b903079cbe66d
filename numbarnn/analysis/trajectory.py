r"""A network's state trajectory and the tangent map of one step along it.

The state of a stacked network at step t is the concatenation of every
layer's state: ``h`` for RNN and GRU layers, ``(h, c)`` for LSTM layers, so
``N = layers * H`` (RNN, GRU) or ``2 * layers * H`` (LSTM). :class:`Trajectory`
records one forward pass and applies the step Jacobian
:math:`J_t = \partial s_t / \partial s_{t-1}` to a frame ``Q`` (N, k) without
forming it: per layer, the perturbation of the previous state and of the
layer's input (the fresh output of the layer below) is pushed through the
linearised cell equations (PyTorch's forms; checked against finite
differences in the tests). Inputs ``x`` are held fixed.
"""

import dataclasses

import numpy as np


def _sig_grad(y):
    return y * (1 - y)


class Trajectory:
    """One recorded forward pass of a unidirectional network over a single sequence, in float64.

    Parameters
    ----------
    net : :class:`numbarnn.RNN`, :class:`numbarnn.LSTM` or :class:`numbarnn.GRU` (unidirectional;
        a float32 network is analysed through a float64 copy on its device; the tapes of a GPU
        network are read as they are, brought to the host).
    x : (T, input_size) input, or ``None`` with ``steps`` for zero input (autonomous dynamics).
    state : initial state as for ``net.forward`` (unbatched), or ``None`` for zeros.
    """

    def __init__(self, net, x=None, state=None, steps=None):
        if net.bidirectional:
            raise ValueError("state Jacobians and Lyapunov exponents need a causal recurrence; "
                             "analyse a unidirectional network (bidirectional=False)")
        self.net64 = _as_float64(net)
        self.cell = net.cell.name
        self.relu = self.cell == "rnn" and net.nonlinearity == "relu"
        if x is None:
            if steps is None:
                raise ValueError("give x, or steps for zero-input (autonomous) dynamics")
            x = np.zeros((steps, net.input_size))
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2:
            raise ValueError(f"x must be one sequence (T, {net.input_size}); got shape {x.shape}")
        if state is not None:
            state = tuple(np.asarray(s, np.float64) for s in state) if isinstance(state, tuple) \
                else np.asarray(state, np.float64)
        self.out, self.final, tape = self.net64.forward(x, state)
        self.tapes = [_on_host(layer[0], self.net64) for layer in tape.layers]
        self.T = x.shape[0]
        self.H = net.hidden_size
        self.L = net.num_layers
        self.per_layer = 2 if self.cell == "lstm" else 1
        self.N = self.L * self.per_layer * self.H

    def layout(self):
        """(layer, part, unit) of each of the N state components."""
        parts = ("h", "c") if self.cell == "lstm" else ("h",)
        rows = [(layer, part, unit) for layer in range(self.L) for part in parts for unit in range(self.H)]
        return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]

    def state_at(self, t):
        """The full state vector s_t (after step t), length N."""
        pieces = []
        for layer, tape in enumerate(self.tapes):
            if t + 1 < self.T:
                h = tape.h_prev[t + 1, 0]
                pieces.append(h)
                if self.cell == "lstm":
                    pieces.append(tape.c_prev[t + 1, 0])
            else:
                h, c = (self.final if self.cell == "lstm" else (self.final, None))
                pieces.append(h[layer, 0] if h.ndim == 3 else h[layer])
                if self.cell == "lstm":
                    pieces.append(c[layer, 0] if c.ndim == 3 else c[layer])
        return np.concatenate(pieces)

    def apply(self, t, Q):
        """``J_t @ Q`` for the step into time t (0-based: s_t from s_{t-1}); Q is (N, k)."""
        H, P = self.H, self.per_layer
        out = np.empty_like(Q)
        du = None  # perturbation of the current layer's input (none for the first layer)
        for layer, tape in enumerate(self.tapes):
            base = layer * P * H
            dh_prev = Q[base:base + H]
            dc_prev = Q[base + H:base + 2 * H] if P == 2 else None
            p_hid = tape.params.w_hh @ dh_prev
            p_in = None if du is None else tape.params.w_ih @ du
            dh, dc = self._tangent(tape, t, p_in, p_hid, dh_prev, dc_prev)
            out[base:base + H] = dh
            if P == 2:
                out[base + H:base + 2 * H] = dc
            du = dh
        return out

    def jacobian(self, t):
        """The dense N x N step Jacobian J_t."""
        return self.apply(t, np.eye(self.N))

    def _tangent(self, tape, t, p_in, p_hid, dh_prev, dc_prev):
        H = self.H
        a = p_hid if p_in is None else p_hid + p_in
        if self.cell == "rnn":
            h = tape.out[t, 0][:, None]
            d = (h > 0).astype(float) if self.relu else 1 - h * h
            return d * a, None
        g = tape.gates[t, 0][:, None]
        if self.cell == "lstm":
            i, f, gg, o = g[:H], g[H:2 * H], g[2 * H:3 * H], g[3 * H:]
            c_prev = tape.c_prev[t, 0][:, None]
            tc = tape.tanh_c[t, 0][:, None]
            dc = (_sig_grad(f) * a[H:2 * H] * c_prev + f * dc_prev + _sig_grad(i) * a[:H] * gg
                  + i * (1 - gg * gg) * a[2 * H:3 * H])
            dh = _sig_grad(o) * a[3 * H:] * tc + o * (1 - tc * tc) * dc
            return dh, dc
        r, z, n = g[:H], g[H:2 * H], g[2 * H:]
        hn = tape.hn[t, 0][:, None]
        h_prev = tape.h_prev[t, 0][:, None]
        dr = _sig_grad(r) * a[:H]
        dz = _sig_grad(z) * a[H:2 * H]
        dn_pre = p_hid[2 * H:] * r + dr * hn + (0 if p_in is None else p_in[2 * H:])
        dn = (1 - n * n) * dn_pre
        return (1 - z) * dn + (h_prev - n) * dz + z * dh_prev, None


def _on_host(tape, net):
    """A layer tape with its arrays as NumPy arrays (the same tape on the CPU; copied from a GPU)."""
    host = net.backend.to_host
    fields = ("x", "out", "h_prev", *net.cell.tape_fields)
    return dataclasses.replace(tape, private={}, **{name: host(getattr(tape, name)) for name in fields})


def _as_float64(net):
    """``net`` itself when it is float64, else a float64 copy of it on the same device."""
    if net.dtype == np.float64:
        return net
    kwargs = dict(num_layers=net.num_layers, bias=net.bias, dtype="float64", device=net.device)
    if net.cell.name == "rnn":
        kwargs["nonlinearity"] = net.nonlinearity
    copy = type(net)(net.input_size, net.hidden_size, **kwargs)
    copy.load_state_dict(net.state_dict())
    return copy
