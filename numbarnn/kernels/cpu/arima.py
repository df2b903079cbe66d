"""Conditional residuals of an ARMA model and their derivatives, for least conditional squares
(:mod:`numbarnn.estimators._arima`).

With ``x`` zero-mean, coefficients ``phi_i`` at lags ``a_i`` and ``theta_j`` at lags ``b_j`` (a seasonal
model multiplied out has few of its lags), the residuals from step ``s`` on, shocks before it zero:

.. math::

    e_t = x_t - \\sum_i \\phi_i x_{t-a_i} - \\sum_j \\theta_j e_{t-b_j}

and, differentiating the recursion,

.. math::

    \\frac{\\partial e_t}{\\partial \\phi_i} = -x_{t-a_i} - \\sum_j \\theta_j \\frac{\\partial e_{t-b_j}}{\\partial \\phi_i},
    \\qquad
    \\frac{\\partial e_t}{\\partial \\theta_k} = -e_{t-b_k} - \\sum_j \\theta_j \\frac{\\partial e_{t-b_j}}{\\partial \\theta_k}.
"""

from numba import njit

from ...config import JIT_OPTIONS


@njit(**JIT_OPTIONS)
def arma_residuals(x, ar, ar_lags, ma, ma_lags, start, e, de):
    """Write the residuals of ``x`` from step ``start`` (``>= max(ar_lags)``) into ``e`` (n - start,) and,
    when ``de`` has rows, their derivatives into ``de`` (p + q, n - start): rows ``0 .. p-1`` by ``ar``,
    then ``p .. p+q-1`` by ``ma``. ``ar[i]`` multiplies ``x`` ``ar_lags[i]`` steps back, ``ma[j]`` the
    residual ``ma_lags[j]`` steps back (lags >= 1, in increasing order)."""
    p, q = ar.shape[0], ma.shape[0]
    grad = de.shape[0] > 0
    for r in range(e.shape[0]):
        t = start + r
        v = x[t]
        for i in range(p):
            v -= ar[i] * x[t - ar_lags[i]]
        for j in range(q):
            if r - ma_lags[j] >= 0:
                v -= ma[j] * e[r - ma_lags[j]]
        e[r] = v
        if not grad:
            continue
        for i in range(p):
            d = -x[t - ar_lags[i]]
            for j in range(q):
                if r - ma_lags[j] >= 0:
                    d -= ma[j] * de[i, r - ma_lags[j]]
            de[i, r] = d
        for k in range(q):
            d = -e[r - ma_lags[k]] if r - ma_lags[k] >= 0 else 0.0
            for j in range(q):
                if r - ma_lags[j] >= 0:
                    d -= ma[j] * de[p + k, r - ma_lags[j]]
            de[p + k, r] = d
