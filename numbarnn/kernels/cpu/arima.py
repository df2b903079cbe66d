"""Conditional residuals of an ARMA model and their derivatives, for least conditional squares
(:mod:`numbarnn.estimators._arima`).

With ``x`` zero-mean, the residuals from step ``s`` on, shocks before it zero:

.. math::

    e_t = x_t - \\sum_i \\phi_i x_{t-i} - \\sum_j \\theta_j e_{t-j}

and, differentiating the recursion,

.. math::

    \\frac{\\partial e_t}{\\partial \\phi_i} = -x_{t-i} - \\sum_j \\theta_j \\frac{\\partial e_{t-j}}{\\partial \\phi_i},
    \\qquad
    \\frac{\\partial e_t}{\\partial \\theta_k} = -e_{t-k} - \\sum_j \\theta_j \\frac{\\partial e_{t-j}}{\\partial \\theta_k}.
"""

from numba import njit

from ...config import JIT_OPTIONS


@njit(**JIT_OPTIONS)
def arma_residuals(x, ar, ma, start, e, de):
    """Write the residuals of ``x`` from step ``start`` (``>= len(ar)``) into ``e`` (n - start,) and, when
    ``de`` has rows, their derivatives into ``de`` (p + q, n - start): rows ``0 .. p-1`` by ``ar``, then
    ``p .. p+q-1`` by ``ma``."""
    p, q = ar.shape[0], ma.shape[0]
    grad = de.shape[0] > 0
    for r in range(e.shape[0]):
        t = start + r
        v = x[t]
        for i in range(p):
            v -= ar[i] * x[t - 1 - i]
        for j in range(q):
            if r - 1 - j >= 0:
                v -= ma[j] * e[r - 1 - j]
        e[r] = v
        if not grad:
            continue
        for i in range(p):
            d = -x[t - 1 - i]
            for j in range(q):
                if r - 1 - j >= 0:
                    d -= ma[j] * de[i, r - 1 - j]
            de[i, r] = d
        for k in range(q):
            d = -e[r - 1 - k] if r - 1 - k >= 0 else 0.0
            for j in range(q):
                if r - 1 - j >= 0:
                    d -= ma[j] * de[p + k, r - 1 - j]
            de[p + k, r] = d
