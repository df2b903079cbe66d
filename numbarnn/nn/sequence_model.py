"""A recurrent stack with a linear readout: the trainable model behind the estimators."""

import numpy as np

from .linear import Linear
from .recurrent import NETWORKS


def final_state_features(state, num_directions):
    """The last layer's final hidden states, both directions side by side: (B, dirs * H)."""
    h = state[0] if isinstance(state, tuple) else state
    return np.concatenate(list(h[-num_directions:]), axis=-1)


def final_state_grad(d_features, state, num_directions, grad_state=None):
    """The gradient of the final state (shaped like ``state``) from that of :func:`final_state_features`,
    plus ``grad_state`` when one is given."""
    lstm = isinstance(state, tuple)
    h = state[0] if lstm else state
    dh = np.zeros_like(h) if grad_state is None else np.array(grad_state[0] if lstm else grad_state)
    H = h.shape[-1]
    for d in range(num_directions):
        dh[h.shape[0] - num_directions + d] += d_features[..., d * H:(d + 1) * H]
    if lstm:
        return dh, (np.zeros_like(h) if grad_state is None else grad_state[1])
    return dh


class SequenceModel:
    """Recurrent network plus a linear head.

    Parameters
    ----------
    cell : ``"lstm"``, ``"gru"`` or ``"rnn"``.
    input_size, hidden_size, output_size : int
    readout : ``"timestep"`` (the head reads every output step: (T, B, out))
        or ``"sequence"`` (it reads the last layer's final state, both
        directions: (B, out)).
    num_layers, bidirectional, dropout, nonlinearity, dtype, device : as for the networks (the head
        always runs on the host).
    seed : int or None; seeds both the network and the head.

    Attributes
    ----------
    params : dict of live arrays, ``"rnn.<torch name>"`` and ``"head.weight"``/``"head.bias"``.

    Examples
    --------
    >>> import numpy as np
    >>> from numbarnn.nn import SequenceModel
    >>> model = SequenceModel("gru", 3, 8, 2, readout="sequence", seed=0)
    >>> y, state, tape = model.forward(np.zeros((10, 4, 3), dtype="float32"))
    >>> y.shape, model.backward(tape, np.ones_like(y))["head.weight"].shape
    ((4, 2), (2, 8))
    """

    def __init__(self, cell, input_size, hidden_size, output_size, readout="timestep", num_layers=1,
                 bidirectional=False, dropout=0.0, nonlinearity="tanh", dtype="float32", device="cpu", seed=None):
        rng = np.random.default_rng(seed)
        kwargs = dict(num_layers=num_layers, bidirectional=bidirectional, dropout=dropout, dtype=dtype,
                      device=device, seed=int(rng.integers(2**31)))
        if cell == "rnn":
            kwargs["nonlinearity"] = nonlinearity
        self.cell = cell
        self.readout = readout
        self.net = NETWORKS[cell](input_size, hidden_size, **kwargs)
        dirs = self.net.num_directions
        self.head = Linear(dirs * hidden_size, output_size, self.net.dtype, rng)

    @property
    def params(self):
        p = {f"rnn.{k}": v for k, v in self.net.params.items()}
        p.update({f"head.{k}": v for k, v in self.head.params.items()})
        return p

    def load_params(self, values):
        """Copy ``values`` (same names as :attr:`params`) into the live arrays."""
        for name, arr in self.params.items():
            arr[...] = values[name]

    def reseed(self, key):
        """Draw the random parts of training (dropout masks) from now on from generators seeded by ``key``."""
        self.net.reseed(key)

    def forward(self, x, state=None, lengths=None, record=True):
        """Return ``(y, state, tape)``; ``y`` is (T, B, out) or (B, out) by ``readout``."""
        out, state, tape = self.net.forward(x, state, lengths, record=record)
        features = out if self.readout == "timestep" else final_state_features(state, self.net.num_directions)
        y = self.head.forward(features)
        return y, state, (tape, features, state)

    def backward(self, tape, grad_y, grad_state=None):
        """Gradients of every entry of :attr:`params`, plus ``"state"`` (initial state)."""
        net_tape, features, final = tape
        head_grads, d_features = self.head.backward(features, grad_y)
        if self.readout == "timestep":
            g = self.net.backward(net_tape, d_features, grad_state, input_grad=False)
        else:
            d_final = final_state_grad(d_features, final, self.net.num_directions, grad_state)
            g = self.net.backward(net_tape, None, d_final, input_grad=False)
        grads = {f"rnn.{k}": g[k] for k in self.net.params}
        grads.update({f"head.{k}": v for k, v in head_grads.items()})
        grads["state"] = g["state"]
        return grads
