"""Least conditional squares of an ARMA model (:mod:`numbarnn.estimators._arima`): its lag polynomials
from the optimiser's parameters with their derivatives (:func:`arma_polynomials`: Monahan's map, the
seasonal product), the conditional residuals and their derivatives (:func:`arma_residuals`), and the
sum of squares with its gradient through them (:func:`arma_css`): two calls per point the optimiser
asks for.

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
    when ``de`` has rows, their derivatives into ``de`` (p + q, n - start): rows ``0 .. p-1`` by the AR
    coefficients at ``ar_lags`` (p,), then ``p .. p+q-1`` by the MA ones at ``ma_lags`` (q,). ``ar`` and
    ``ma`` are whole lag polynomials (``ar[l - 1]`` multiplies ``x`` ``l`` steps back, ``ma[l - 1]`` the
    residual ``l`` steps back); only the lags listed (>= 1, increasing) are read: a seasonal product's
    other coefficients are zero."""
    p, q = ar_lags.shape[0], ma_lags.shape[0]
    grad = de.shape[0] > 0
    for r in range(e.shape[0]):
        t = start + r
        v = x[t]
        for i in range(p):
            v -= ar[ar_lags[i] - 1] * x[t - ar_lags[i]]
        for j in range(q):
            if r - ma_lags[j] >= 0:
                v -= ma[ma_lags[j] - 1] * e[r - ma_lags[j]]
        e[r] = v
        if not grad:
            continue
        for i in range(p):
            d = -x[t - ar_lags[i]]
            for j in range(q):
                if r - ma_lags[j] >= 0:
                    d -= ma[ma_lags[j] - 1] * de[i, r - ma_lags[j]]
            de[i, r] = d
        for k in range(q):
            d = -e[r - ma_lags[k]] if r - ma_lags[k] >= 0 else 0.0
            for j in range(q):
                if r - ma_lags[j] >= 0:
                    d -= ma[ma_lags[j] - 1] * de[p + k, r - ma_lags[j]]
            de[p + k, r] = d


@njit(**JIT_OPTIONS)
def durbin_levinson(r, c, J):
    """Monahan's map: write into ``c`` (k,) the coefficients of the stationary ``1 - c_1 B - ... - c_k
    B^k`` whose partial autocorrelations are ``r`` (k,), and into ``J`` (k, k) their Jacobian ``d c_i / d
    r_n``. Step ``n`` takes ``c`` to ``(c_i - r_n c_{n-1-i})_{i<n}, r_n`` (the Durbin-Levinson recursion)
    and ``J`` with it."""
    for n in range(r.shape[0]):
        rn = r[n]
        for i in range(n):  # the new column: d c_i / d r_n = -c_{n-1-i} (the c of step n - 1)
            J[i, n] = -c[n - 1 - i]
        for col in range(n):
            J[n, col] = 0.0
        J[n, n] = 1.0
        for i in range((n + 1) // 2):  # rows i and n-1-i mix: update both from their old values
            j = n - 1 - i
            a, b = c[i], c[j]
            c[i] = a - rn * b
            if j != i:
                c[j] = b - rn * a
            for col in range(n):
                a, b = J[i, col], J[j, col]
                J[i, col] = a - rn * b
                if j != i:
                    J[j, col] = b - rn * a
        c[n] = rn


@njit(**JIT_OPTIONS)
def seasonal_product(c, C, m, sign, a, J):
    """Write ``(1 + sign sum_i c_i B^i)(1 + sign sum_k C_k B^{m k})`` as ``1 + sign sum_j a_j B^j`` into
    ``a`` (p + m P,) and its Jacobian by ``(c, C)`` into ``J`` (p + m P, p + P)."""
    p, P = c.shape[0], C.shape[0]
    for j in range(a.shape[0]):  # B^(j+1): sum u_i v_(j+1-i), u = (1, sign c), v = (1, 0.., sign C at m k)
        s = 0.0
        for i in range(p + 1):
            lag = j + 1 - i
            if lag < 0:
                break
            if lag % m == 0 and lag // m <= P:
                u = 1.0 if i == 0 else sign * c[i - 1]
                v = 1.0 if lag == 0 else sign * C[lag // m - 1]
                s += u * v
        a[j] = sign * s
        for col in range(p + P):  # the product is linear in each factor: B^(i+1) v, then B^(m (k+1)) u
            if col < p:
                lag = j - col
                d = 0.0 if lag < 0 or lag % m != 0 or lag // m > P else (1.0 if lag == 0 else sign * C[lag // m - 1])
            else:
                i = j + 1 - m * (col - p + 1)
                d = 0.0 if i < 0 or i > p else (1.0 if i == 0 else sign * c[i - 1])
            J[j, col] = d


@njit(**JIT_OPTIONS)
def arma_css(x, ar, ar_lags, ma, ma_lags, D, start, e, de, grad):
    """The conditional sum of squares of ``x`` under ``ar``, ``ma`` (lag polynomials multiplied out, read
    at ``ar_lags`` and ``ma_lags`` as :func:`arma_residuals` reads them) and, into ``grad`` (k,), its
    gradient through ``D`` (len(ar) + len(ma), k): the derivatives of the polynomials' coefficients by the
    optimiser's k parameters. ``e`` and ``de`` are :func:`arma_residuals`' outputs."""
    arma_residuals(x, ar, ar_lags, ma, ma_lags, start, e, de)
    sse = 0.0
    for r in range(e.shape[0]):
        sse += e[r] * e[r]
    for col in range(grad.shape[0]):
        grad[col] = 0.0
    n_ar, p = ar.shape[0], ar_lags.shape[0]
    for i in range(de.shape[0]):
        g = 0.0
        for r in range(e.shape[0]):
            g += de[i, r] * e[r]
        row = ar_lags[i] - 1 if i < p else n_ar + ma_lags[i - p] - 1
        for col in range(grad.shape[0]):
            grad[col] += D[row, col] * (2.0 * g)
    return sse


@njit(**JIT_OPTIONS)
def _chain(F, J, r, lo, seasonal_lo, sign, D, row0):
    """Rows ``row0 ..`` of ``D``: ``sign`` times the derivatives of a seasonal product (its Jacobian ``F``
    by the non-seasonal coefficients, then the seasonal ones) by the optimiser's parameters: through
    Monahan's Jacobian ``J`` for the non-seasonal ones (columns from ``lo``), directly for the seasonal
    ones (columns from ``seasonal_lo``), each through tanh (``1 - r**2``)."""
    n = J.shape[0]
    for row in range(F.shape[0]):
        for col in range(n):
            s = 0.0
            for i in range(n):
                s += F[row, i] * J[i, col]
            D[row0 + row, lo + col] = sign * s * (1.0 - r[lo + col] * r[lo + col])
        for k in range(F.shape[1] - n):
            c = seasonal_lo + k
            D[row0 + row, c] = sign * F[row, n + k] * (1.0 - r[c] * r[c])


@njit(**JIT_OPTIONS)
def arma_polynomials(r, p, q, P, Q, m, c_ar, J_ar, c_ma, J_ma, A, M, ar, ma, D):
    """The multiplied-out ``1 - sum ar_i B^i`` and ``1 + sum ma_j B^j`` of an ARMA(p, q)(P, Q)_m whose
    p + q + P + Q parameters are the partial autocorrelations ``r`` (tanh of the optimiser's ``theta``;
    the seasonal ones are the seasonal coefficients themselves), written into ``ar`` (p + m P,) and
    ``ma`` (q + m Q,), and into ``D`` (p + m P + q + m Q, p + q + P + Q) their derivatives by ``theta``.
    ``c_ar, J_ar, c_ma, J_ma, A, M`` are work arrays of shapes (p,), (p, p), (q,), (q, q),
    (p + m P, p + P), (q + m Q, q + Q)."""
    durbin_levinson(r[:p], c_ar, J_ar)
    durbin_levinson(r[p:p + q], c_ma, J_ma)
    seasonal_product(c_ar, r[p + q:p + q + P], m, -1.0, ar, A)
    # 1 + sum ma_j B^j is (1 - sum c_i B^i)(1 - R B^m) for Monahan's c of the MA partials and the
    # seasonal R: the product seasonal_product writes as 1 - sum a_j B^j, so ma = -a
    seasonal_product(c_ma, r[p + q + P:], m, -1.0, ma, M)
    for j in range(ma.shape[0]):
        ma[j] = -ma[j]
    for row in range(D.shape[0]):
        for col in range(r.shape[0]):
            D[row, col] = 0.0
    _chain(A, J_ar, r, 0, p + q, 1.0, D, 0)  # d ar / d theta
    _chain(M, J_ma, r, p, p + q + P, -1.0, D, ar.shape[0])  # d ma / d theta (ma = -a)
