"""A small automatic ARIMA for one series: the linear forecast the direct forecaster averages with its
networks' (``Forecaster(combine="arima")``).

The order is chosen as in Hyndman and Khandakar (2008, "Automatic time series forecasting: the forecast
package for R"): the number of differences by KPSS tests (Kwiatkowski, Phillips, Schmidt and Shin 1992),
here at most one (a second difference extrapolates the last change of trend), then ``p, q <= 3`` by
their stepwise search on the corrected Akaike criterion. Coefficients minimise the conditional sum of
squares (Box and Jenkins; L-BFGS-B with the gradient by recursion, :mod:`numbarnn.kernels.cpu.arima`),
kept stationary and invertible by Monahan's (1984) map from partial autocorrelations in ``(-1, 1)``. The mean (after a difference: the drift) is the sample mean: estimated
jointly with an autoregression near a unit root it can run far off, and the forecast with it.
Seasonality is not modelled here: the forecaster removes seasonal indices before.

Example: an AR(1) around 5 is found and forecast back towards its mean.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> z = np.empty(400); z[0] = 5.0
>>> for t in range(1, 400):
...     z[t] = 5.0 + 0.7 * (z[t - 1] - 5.0) + rng.normal()
>>> model = fit(z)
>>> model.order, round(float(model.ar[0]), 1), round(float(model.mean), 1)
((1, 0, 0), 0.7, 5.0)
>>> f = forecast(model, z, 50)
>>> bool(abs(f[-1] - model.mean) < 1e-3 < abs(f[0] - model.mean))
True
"""

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from ..kernels.cpu.arima import arma_residuals

MAX_ORDER = 3  # the largest p and q searched
KPSS_CRITICAL = 0.463  # the KPSS test's 5% critical value for level stationarity
BOUND = 3.0  # partial autocorrelations are tanh of parameters in [-3, 3]: |r| <= 0.995


@dataclass(frozen=True)
class ArimaModel:
    """A fitted ARIMA(p, d, q): ``order``, ``mean`` (of the d-th differences: a drift when d = 1), ``ar``
    (p,) and ``ma`` (q,) coefficients (``x_t = mean + sum ar_i (x_{t-i} - mean) + e_t + sum ma_j e_{t-j}``)
    and the residual variance ``sigma2``."""

    order: tuple
    mean: float
    ar: np.ndarray
    ma: np.ndarray
    sigma2: float


def kpss_statistic(w):
    """The KPSS statistic of ``w`` (1-d) for level stationarity: the scaled sum of squared partial sums of
    ``w - mean(w)`` over a Bartlett-window long-run variance of ``trunc(4 (n / 100) ** 0.25)`` lags (R's
    ``tseries::kpss.test(lshort=TRUE)``, statsmodels' ``kpss(nlags="legacy")`` sets 12 in place of 4)."""
    n = w.shape[0]
    e = w - w.mean()
    lags = min(int(4 * (n / 100) ** 0.25), n - 1)
    variance = np.dot(e, e) / n
    for k in range(1, lags + 1):
        variance += 2 * (1 - k / (lags + 1)) * np.dot(e[k:], e[:-k]) / n
    if variance <= 0:
        return 0.0
    s = np.cumsum(e)
    return float(np.dot(s, s) / (n * n * variance))


def n_differences(z, max_d=1):
    """How many first differences make ``z`` level-stationary by the KPSS test at 5% (at most ``max_d``)."""
    d = 0
    while d < max_d and z.shape[0] > 4 and np.ptp(z) > 0 and kpss_statistic(z) > KPSS_CRITICAL:
        z = np.diff(z)
        d += 1
    return d


def coefficients(partials):
    """Monahan's map: partial autocorrelations in ``(-1, 1)`` to the coefficients of a stationary AR
    polynomial ``1 - c_1 B - ... - c_k B^k`` (the Durbin-Levinson recursion)."""
    return coefficients_jacobian(partials)[0]


def coefficients_jacobian(partials):
    """:func:`coefficients` and its Jacobian ``J[i, m] = d c_i / d partials_m`` (the recursion
    differentiated step by step)."""
    c, J = np.zeros(0), np.zeros((0, 0))
    for n, r in enumerate(partials):
        grown = np.zeros((n + 1, n + 1))
        grown[:n, :n] = J - r * J[::-1, :]
        grown[:n, n] = -c[::-1]
        grown[n, n] = 1.0
        c, J = np.r_[c - r * c[::-1], r], grown
    return c, J


def residuals(x, ar, ma, start):
    """Conditional residuals of the zero-mean ARMA ``x`` from step ``start`` (>= p): the steps before
    are given, the shocks before ``start`` are zero."""
    e = np.empty(x.shape[0] - start)
    arma_residuals(x, np.asarray(ar, dtype=np.float64), np.asarray(ma, dtype=np.float64), start, e,
                   np.empty((0, 0)))
    return e


def _unpack(theta, p):
    """(ar, ma) from the optimiser's parameters: stable ``1 - sum ar_i B^i`` and ``1 + sum ma_j B^j``."""
    return coefficients(np.tanh(theta[:p])), -coefficients(np.tanh(theta[p:]))


def sse_and_gradient(theta, x, p, start):
    """The conditional sum of squares of ARMA(p, q) on the zero-mean ``x`` at the optimiser's parameters
    ``theta`` (p + q values, mapped by :func:`_unpack`) and its gradient with respect to ``theta``."""
    r_ar, r_ma = np.tanh(theta[:p]), np.tanh(theta[p:])
    ar, J_ar = coefficients_jacobian(r_ar)
    ma, J_ma = coefficients_jacobian(r_ma)
    ma = -ma
    e = np.empty(x.shape[0] - start)
    de = np.empty((theta.shape[0], e.shape[0]))
    arma_residuals(x, ar, ma, start, e, de)
    g = 2.0 * (de @ e)  # by the coefficients
    grad = np.r_[(J_ar.T @ g[:p]) * (1.0 - r_ar**2), (J_ma.T @ -g[p:]) * (1.0 - r_ma**2)]
    return float(np.dot(e, e)), grad


def _fit_order(x, p, q, start):
    """Least conditional squares for ARMA(p, q) on the zero-mean ``x``: (sum of squared residuals, theta)."""
    theta = np.zeros(p + q)
    at_zero = sse_and_gradient(theta, x, p, start)[0]
    if not theta.size:
        return at_zero, theta
    result = optimize.minimize(sse_and_gradient, theta, args=(x, p, start), jac=True, method="L-BFGS-B",
                               bounds=[(-BOUND, BOUND)] * (p + q))
    return min((float(result.fun), result.x), (at_zero, theta), key=lambda r: r[0])


def fit(z, max_d=1):
    """The ARIMA(p, d, q) of ``z`` (1-d, finite, at least 3 values) found by Hyndman and Khandakar's
    stepwise search: from the best of (2, 2), (0, 0), (1, 0) and (0, 1), ``p`` and ``q`` move by one
    (each or both) while the corrected AIC falls. A search over every order finds spurious fits (near
    cancelling AR and MA roots) that the criterion's penalty does not stop. Every candidate is scored
    on the same residuals (those after the largest ``p`` allowed), so the criterion compares like with
    like; a short series allows smaller orders (``p, q <= (n - 2) // 6``)."""
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 1 or z.shape[0] < 3 or not np.all(np.isfinite(z)):
        raise ValueError("fit needs a 1-d series of at least 3 finite values")
    d = n_differences(z, max_d)
    w = np.diff(z, n=d)
    centre, spread = w.mean(), w.std()
    if spread == 0:  # a constant (or a straight line once differenced): its own forecast
        return ArimaModel((0, d, 0), float(centre), np.zeros(0), np.zeros(0), 0.0)
    ws = (w - centre) / spread
    top = min(MAX_ORDER, (w.shape[0] - 2) // 6)
    n = w.shape[0] - top
    scored = {}

    def score(p, q):
        if (p, q) not in scored:
            k = p + q + 2  # the coefficients, the mean and the variance
            if p > top or q > top or (n < 2 * k and (p, q) != (0, 0)):
                scored[p, q] = (np.inf, None, None)
            else:
                sse, theta = _fit_order(ws, p, q, top)
                sigma2 = max(sse / n, 1e-12)
                penalty = 2 * k * (k + 1) / (n - k - 1) if n > k + 1 else 0.0
                scored[p, q] = (n * np.log(sigma2) + 2 * k + penalty, theta, sigma2)
        return scored[p, q][0]

    best = min([(2, 2), (0, 0), (1, 0), (0, 1)], key=lambda o: (score(*o), o))
    while True:
        p, q = best
        steps = [(p + a, q + b) for a in (-1, 0, 1) for b in (-1, 0, 1) if (a or b) and p + a >= 0 and q + b >= 0]
        better = min(steps, key=lambda o: (score(*o), o))
        if score(*better) >= score(*best):
            break
        best = better
    p, q = best
    _, theta, sigma2 = scored[best]
    return ArimaModel((p, d, q), float(centre), *_unpack(theta, p), float(sigma2 * spread**2))


def forecast(model, z, steps):
    """The ``steps`` values after ``z`` (the series ``model`` was fitted to, or a continuation of it)
    forecast by ``model``: the ARMA recursion with future shocks zero, integrated ``d`` times."""
    z = np.asarray(z, dtype=np.float64)
    p, d, q = model.order
    w = np.diff(z, n=d) - model.mean
    x = np.r_[w, np.zeros(steps)]
    e = np.r_[np.zeros(p), residuals(w, model.ar, model.ma, p), np.zeros(steps)]
    n = w.shape[0]
    for t in range(n, n + steps):
        x[t] = sum(model.ar[i] * x[t - 1 - i] for i in range(p)) + sum(model.ma[j] * e[t - 1 - j]
                                                                         for j in range(q))
    out = x[n:] + model.mean
    for k in range(d, 0, -1):  # undo each difference from the last value of the series it was taken of
        out = np.diff(z, n=k - 1)[-1] + np.cumsum(out)
    return out
