"""A small automatic ARIMA for one series: the linear forecast the direct forecaster averages with its
networks' (``Forecaster(combine="arima")``).

The order is chosen as in Hyndman and Khandakar (2008, "Automatic time series forecasting: the forecast
package for R"): the number of differences by KPSS tests (Kwiatkowski, Phillips, Schmidt and Shin 1992),
here at most one (a second difference extrapolates the last change of trend), then ``p, q <= 3`` by
their stepwise search on the corrected Akaike criterion. Coefficients minimise the conditional sum of
squares (Box and Jenkins; L-BFGS-B with the gradient by recursion, :mod:`numbarnn.kernels.cpu.arima`),
kept stationary and invertible by Monahan's (1984) map from partial autocorrelations in ``(-1, 1)``. The mean (after a difference: the drift) is the sample mean: estimated
jointly with an autoregression near a unit root it can run far off, and the forecast with it.

With a seasonal period ``m`` (``fit(z, period=m)``) the search also takes a seasonal autoregressive
and a seasonal moving-average term at lag ``m`` (``P, Q <= 1``, multiplying the non-seasonal
polynomials: Box and Jenkins' multiplicative ARIMA(p, d, q)(P, 0, Q)_m, started as ``auto.arima``
starts it), where three seasons of residuals are left after the longest lag. There is no seasonal
difference: the forecaster removes a series' stable seasonal pattern (its seasonal indices) before,
and these terms follow how the pattern drifts from it.

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

from ..kernels.cpu.arima import arma_css, arma_polynomials, arma_residuals, durbin_levinson

MAX_ORDER = 3  # the largest p and q searched
KPSS_CRITICAL = 0.463  # the KPSS test's 5% critical value for level stationarity
BOUND = 3.0  # partial autocorrelations are tanh of parameters in [-3, 3]: |r| <= 0.995


@dataclass(frozen=True)
class ArimaModel:
    """A fitted ARIMA(p, d, q)(P, 0, Q)_m: ``order`` (p, d, q), ``mean`` (of the d-th differences: a drift
    when d = 1), the lag polynomials' coefficients multiplied out, ``ar`` (p + m P,) and ``ma`` (q + m Q,)
    (``x_t = mean + sum ar_i (x_{t-i} - mean) + e_t + sum ma_j e_{t-j}``), the residual variance
    ``sigma2`` and ``seasonal_order`` (P, 0, Q, m), ``(0, 0, 0, 0)`` without seasonal terms."""

    order: tuple
    mean: float
    ar: np.ndarray
    ma: np.ndarray
    sigma2: float
    seasonal_order: tuple = (0, 0, 0, 0)


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
    differentiated step by step, :func:`~numbarnn.kernels.cpu.arima.durbin_levinson`)."""
    r = np.asarray(partials, dtype=np.float64)
    c, J = np.zeros(r.shape[0]), np.zeros((r.shape[0], r.shape[0]))
    durbin_levinson(r, c, J)
    return c, J


def residuals(x, ar, ma, start):
    """Conditional residuals of the zero-mean ARMA ``x`` from step ``start`` (>= p): the steps before
    are given, the shocks before ``start`` are zero."""
    ar, ma = np.asarray(ar, dtype=np.float64), np.asarray(ma, dtype=np.float64)
    e = np.empty(x.shape[0] - start)
    arma_residuals(x, ar, np.arange(1, ar.shape[0] + 1), ma, np.arange(1, ma.shape[0] + 1), start, e,
                   np.empty((0, 0)))
    return e


def lags(p, P, m):
    """The lags (int array, increasing) at which ``(1 + sum_{i<=p} c_i B^i)(1 + sum_{k<=P} C_k B^{m k})``
    can have a coefficient other than zero: the only ones the residuals and their derivatives read.

    >>> lags(2, 1, 4).tolist()   # B, B^2, then B^4 times (1, B, B^2)
    [1, 2, 4, 5, 6]
    """
    seasonal = [m * k + i for k in range(1, P + 1) for i in range(p + 1)]
    return np.array(sorted(set(range(1, p + 1)) | set(seasonal)), dtype=np.int64)


class _Polynomials:
    """The lag polynomials of one ARMA order ``(p, q, P, Q)`` at period ``m`` and their derivatives, in
    arrays allocated once for the hundreds of points an optimiser asks for."""

    def __init__(self, orders, m):
        p, q, P, Q = orders
        self.orders, self.m = orders, m
        n_ar, n_ma = p + m * P, q + m * Q
        self.work = (np.zeros(p), np.zeros((p, p)), np.zeros(q), np.zeros((q, q)), np.zeros((n_ar, p + P)),
                     np.zeros((n_ma, q + Q)))
        self.ar, self.ma, self.D = np.zeros(n_ar), np.zeros(n_ma), np.zeros((n_ar + n_ma, sum(orders)))
        self.ar_lags, self.ma_lags = lags(p, P, m), lags(q, Q, m)

    def at(self, theta):
        """(ar, ma, D) at ``theta`` (arrays of this object, rewritten by the next call)."""
        arma_polynomials(np.tanh(theta), *self.orders, self.m, *self.work, self.ar, self.ma, self.D)
        return self.ar, self.ma, self.D


def polynomials(theta, orders, m):
    """(ar, ma, D) from the optimiser's parameters ``theta`` (p + q + P + Q values, each a partial
    autocorrelation's arctanh): the multiplied-out ``1 - sum ar_i B^i`` (stationary) and ``1 + sum ma_j
    B^j`` (invertible) of ``orders`` (p, q, P, Q) at period ``m``, and ``D`` (len(ar) + len(ma), len(theta)),
    the derivatives of their coefficients by ``theta``.

    >>> ar, ma, D = polynomials(np.arctanh([0.5, 0.8]), (1, 0, 1, 0), 4)   # (1 - 0.5 B)(1 - 0.8 B^4)
    >>> np.round(ar, 12).tolist(), ma.shape, D.shape
    ([0.5, 0.0, 0.0, 0.8, -0.4], (0,), (5, 2))
    >>> ar, ma, D = polynomials(np.zeros(5), (2, 1, 1, 1), 4)   # ARMA(2, 1)(1, 1)_4 at the origin
    >>> ar.shape, ma.shape, D.shape, float(abs(ar).max() + abs(ma).max())
    ((6,), (5,), (11, 5), 0.0)
    """
    return _Polynomials(orders, m).at(np.asarray(theta, dtype=np.float64))


class _Objective:
    """The conditional sum of squares of the ARMA ``orders`` (p, q, P, Q) at period ``m`` on the zero-mean
    ``x`` from step ``start``, as a function of the optimiser's parameters ``theta`` (mapped by
    :func:`polynomials`): ``objective(theta)`` gives the value and its gradient."""

    def __init__(self, x, orders, m, start):
        self.x, self.start = x, start
        self.poly = _Polynomials(orders, m)
        n = x.shape[0] - start
        self.e = np.empty(n)
        self.de = np.empty((self.poly.ar_lags.shape[0] + self.poly.ma_lags.shape[0], n))
        self.grad = np.empty(sum(orders))

    def __call__(self, theta):
        ar, ma, D = self.poly.at(theta)
        sse = arma_css(self.x, ar, self.poly.ar_lags, ma, self.poly.ma_lags, D, self.start, self.e, self.de,
                       self.grad)
        return sse, self.grad.copy()


def sse_and_gradient(theta, x, orders, m, start):
    """The conditional sum of squares of the ARMA ``orders`` (p, q, P, Q) at period ``m`` on the zero-mean
    ``x`` from step ``start`` at the optimiser's parameters ``theta`` (mapped by :func:`polynomials`), and
    its gradient with respect to ``theta``."""
    return _Objective(x, orders, m, start)(np.asarray(theta, dtype=np.float64))


def _fit_order(x, orders, m, start):
    """Least conditional squares for the ARMA ``orders`` on the zero-mean ``x``: (sum of squared residuals,
    theta)."""
    theta = np.zeros(sum(orders))
    objective = _Objective(x, orders, m, start)
    at_zero = objective(theta)[0]
    if not theta.size:
        return at_zero, theta
    result = optimize.minimize(objective, theta, jac=True, method="L-BFGS-B", bounds=[(-BOUND, BOUND)] * theta.size)
    return min((float(result.fun), result.x), (at_zero, theta), key=lambda r: r[0])


def fit(z, max_d=1, period=1):
    """The ARIMA(p, d, q)(P, 0, Q)_period of ``z`` (1-d, finite, at least 3 values) found by Hyndman and
    Khandakar's stepwise search: from the best of (2, 2), (0, 0), (1, 0) and (0, 1) (with seasonal terms
    (2, 2, 1, 1), (0, 0, 0, 0), (1, 0, 1, 0) and (0, 1, 0, 1)), ``p`` and ``q`` move by one (each or both),
    and so do ``P`` and ``Q``, while the corrected AIC falls. A search over every order finds spurious
    fits (near cancelling AR and MA roots) that the criterion's penalty does not stop. Every candidate is
    scored on the same residuals (those after the longest lag allowed), so the criterion compares like
    with like; a short series allows smaller orders (``p, q <= (n - 2) // 6``), and seasonal terms where
    three seasons of residuals remain."""
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
    m = int(period)
    seasonal = m > 1 and w.shape[0] - top - m >= 3 * m
    start = top + (m if seasonal else 0)
    n = w.shape[0] - start
    scored = {}

    def score(orders):
        if orders not in scored:
            k = sum(orders) + 2  # the coefficients, the mean and the variance
            p, q, P, Q = orders
            if p > top or q > top or max(P, Q) > seasonal or (n < 2 * k and k > 2):
                scored[orders] = (np.inf, None, None)
            else:
                sse, theta = _fit_order(ws, orders, m, start)
                sigma2 = max(sse / n, 1e-12)
                penalty = 2 * k * (k + 1) / (n - k - 1) if n > k + 1 else 0.0
                scored[orders] = (n * np.log(sigma2) + 2 * k + penalty, theta, sigma2)
        return scored[orders][0]

    starts = [(2, 2, 0, 0), (0, 0, 0, 0), (1, 0, 0, 0), (0, 1, 0, 0)]
    moves = [(a, b, 0, 0) for a in (-1, 0, 1) for b in (-1, 0, 1) if a or b]
    if seasonal:
        starts = [(2, 2, 1, 1), (0, 0, 0, 0), (1, 0, 1, 0), (0, 1, 0, 1)]
        moves += [(0, 0, a, b) for a in (-1, 0, 1) for b in (-1, 0, 1) if a or b]
    best = min(starts, key=lambda o: (score(o), o))
    while True:
        steps = [o for o in (tuple(x + y for x, y in zip(best, move)) for move in moves) if min(o) >= 0]
        better = min(steps, key=lambda o: (score(o), o))
        if score(better) >= score(best):
            break
        best = better
    _, theta, sigma2 = scored[best]
    ar, ma, _ = polynomials(theta, best, m)
    p, q, P, Q = best
    return ArimaModel((p, d, q), float(centre), ar, ma, float(sigma2 * spread**2),
                      (P, 0, Q, m) if P or Q else (0, 0, 0, 0))


def forecast(model, z, steps):
    """The ``steps`` values after ``z`` (the series ``model`` was fitted to, or a continuation of it)
    forecast by ``model``: the ARMA recursion with future shocks zero, integrated ``d`` times."""
    z = np.asarray(z, dtype=np.float64)
    d = model.order[1]
    p, q = model.ar.shape[0], model.ma.shape[0]  # the longest lags, seasonal terms multiplied out
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
