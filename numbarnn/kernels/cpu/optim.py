"""In-place optimizer updates and the gradient norm, one pass over flat arrays.

The NumPy forms of these updates make five to ten temporaries per parameter
and step; for the small networks time series use, that cost more than the
recurrent kernels' arithmetic (Adam on an LSTM with ``H = 64`` took 130 us a
step). Each function here reads and writes every element once. Moments are
float64 whatever the parameter's dtype, as in :mod:`numbarnn.training.optimizers`.
"""

import numpy as np
from numba import njit

from ...config import JIT_OPTIONS


@njit(**JIT_OPTIONS)
def adam_update(p, g, m, v, lr, beta1, beta2, eps, bias1, bias2, weight_decay, decoupled):
    """One Adam step on flat arrays: ``m``, ``v`` (float64) and ``p`` updated in place.

    ``bias1 = 1 - beta1**t`` and ``bias2 = 1 - beta2**t``; ``weight_decay`` is added to the
    gradient (``decoupled`` false) or applied to the weights directly (AdamW).
    """
    for i in range(p.shape[0]):
        w = np.float64(p[i])
        gi = np.float64(g[i])
        if weight_decay != 0.0 and not decoupled:
            gi = gi + weight_decay * w
        mi = beta1 * m[i] + (1.0 - beta1) * gi
        vi = beta2 * v[i] + (1.0 - beta2) * gi * gi
        m[i] = mi
        v[i] = vi
        update = lr * (mi / bias1) / (np.sqrt(vi / bias2) + eps)
        if weight_decay != 0.0 and decoupled:
            update = update + lr * weight_decay * w
        p[i] -= p.dtype.type(update)


@njit(**JIT_OPTIONS)
def sgd_update(p, g, v, lr, momentum, weight_decay, first):
    """One SGD step with momentum (PyTorch's form) on flat arrays; ``v`` (float64) in place.

    ``first`` marks the first step, when the velocity starts as the gradient.
    """
    for i in range(p.shape[0]):
        gi = np.float64(g[i])
        if weight_decay != 0.0:
            gi = gi + weight_decay * np.float64(p[i])
        if momentum != 0.0:
            gi = gi if first else momentum * v[i] + gi
            v[i] = gi
        p[i] -= p.dtype.type(lr * gi)


@njit(**JIT_OPTIONS)
def sum_squares(a):
    """``sum(a**2)`` of a flat array, accumulated in float64."""
    total = 0.0
    for i in range(a.shape[0]):
        x = np.float64(a[i])
        total += x * x
    return total
