r"""Optimizers that update a dict of parameter arrays in place.

``opt.step(params, grads)`` updates every ``params[name]`` from
``grads[name]``; state (momenta, moments) is kept per name, in float64
regardless of the parameter dtype. ``opt.lr`` may be changed between steps
(the schedules in :mod:`.schedules` do so). Each parameter's update is one
pass of a Numba kernel (:mod:`numbarnn.kernels.cpu.optim`) over its entries,
with no temporaries; a parameter that is not C-contiguous (a view) is updated
through NumPy with the same formula.
"""

import numpy as np

from ..kernels.cpu import optim


def _moment(a, shape):
    """Optimizer state ``a`` (a scalar or an array) as a writable C-contiguous float64 array of ``shape``."""
    if (isinstance(a, np.ndarray) and a.shape == shape and a.dtype == np.float64 and a.flags.c_contiguous
            and a.flags.writeable):
        return a
    return np.array(np.broadcast_to(a, shape), dtype=np.float64)


class Optimizer:
    def __init__(self, lr):
        if not lr > 0:
            raise ValueError(f"learning rate must be positive, got {lr!r}")
        self.lr = float(lr)
        self.state = {}

    def step(self, params, grads):
        for name, p in params.items():
            if p.flags.c_contiguous and p.flags.writeable:
                self._update_flat(name, p, np.ascontiguousarray(grads[name]).reshape(-1))
            else:
                update = self._update(name, grads[name].astype(np.float64), p)
                p -= update.astype(p.dtype)


class SGD(Optimizer):
    r"""Stochastic gradient descent with momentum (PyTorch's form):
    :math:`v \leftarrow \mu v + g + \lambda p`, :math:`p \leftarrow p - \eta v`."""

    def __init__(self, lr=0.01, momentum=0.0, weight_decay=0.0):
        super().__init__(lr)
        self.momentum = float(momentum)
        self.weight_decay = float(weight_decay)

    def _update(self, name, g, p):
        if self.weight_decay:
            g = g + self.weight_decay * p
        if self.momentum:
            v = self.state.get(name)
            v = g if v is None else self.momentum * v + g
            self.state[name] = v
            g = v
        return self.lr * g

    def _update_flat(self, name, p, g):
        v = self.state.get(name)
        first = v is None
        if self.momentum:
            v = self.state[name] = _moment(0.0 if first else v, p.shape)
        optim.sgd_update(p.reshape(-1), g, v.reshape(-1) if self.momentum else np.zeros(0), self.lr,
                         self.momentum, self.weight_decay, first)


class Adam(Optimizer):
    r"""Adam (Kingma & Ba) with bias correction; ``weight_decay`` adds :math:`\lambda p` to the gradient.

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g,\quad v \leftarrow \beta_2 v + (1-\beta_2) g^2,\quad
        p \leftarrow p - \eta \frac{m / (1-\beta_1^t)}{\sqrt{v / (1-\beta_2^t)} + \epsilon}
    """

    decoupled = False

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(lr)
        self.beta1, self.beta2 = (float(b) for b in betas)
        self.eps = float(eps)
        self.weight_decay = float(weight_decay)

    def _update(self, name, g, p):
        if self.weight_decay and not self.decoupled:
            g = g + self.weight_decay * p
        m, v, t = self.state.get(name, (0.0, 0.0, 0))
        t += 1
        m = self.beta1 * m + (1 - self.beta1) * g
        v = self.beta2 * v + (1 - self.beta2) * g * g
        self.state[name] = (m, v, t)
        update = self.lr * (m / (1 - self.beta1 ** t)) / (np.sqrt(v / (1 - self.beta2 ** t)) + self.eps)
        if self.weight_decay and self.decoupled:
            update = update + self.lr * self.weight_decay * p
        return update

    def _update_flat(self, name, p, g):
        m, v, t = self.state.get(name, (0.0, 0.0, 0))
        m, v = _moment(m, p.shape), _moment(v, p.shape)
        t += 1
        self.state[name] = (m, v, t)
        optim.adam_update(p.reshape(-1), g, m.reshape(-1), v.reshape(-1), self.lr, self.beta1, self.beta2,
                          self.eps, 1 - self.beta1 ** t, 1 - self.beta2 ** t, self.weight_decay, self.decoupled)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter).

    :math:`p \leftarrow p - \eta\lambda p` beside the Adam step.
    """

    decoupled = True

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(lr, betas, eps, weight_decay)


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "adamw": AdamW}
