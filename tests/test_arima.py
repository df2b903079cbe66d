"""The automatic ARIMA the direct forecaster combines with its networks: against readable loops, known
processes, and statsmodels when it is installed."""

import warnings

import numpy as np
import pytest

from numbarnn.estimators import _arima
from numbarnn.estimators._arima import coefficients, fit, forecast, kpss_statistic, n_differences, residuals


def arma(n, ar=(), ma=(), mean=0.0, seed=0, burn=200):
    """A simulated ARMA series, written as the textbook recursion."""
    rng = np.random.default_rng(seed)
    e = rng.normal(size=n + burn)
    x = np.zeros(n + burn)
    for t in range(n + burn):
        x[t] = e[t]
        for i, a in enumerate(ar):
            x[t] += a * x[t - 1 - i] if t - 1 - i >= 0 else 0.0
        for j, b in enumerate(ma):
            x[t] += b * e[t - 1 - j] if t - 1 - j >= 0 else 0.0
    return mean + x[burn:]


def test_coefficients_are_the_durbin_levinson_map_and_stationary():
    r1, r2 = 0.6, -0.3
    np.testing.assert_allclose(coefficients([r1]), [r1])
    np.testing.assert_allclose(coefficients([r1, r2]), [r1 * (1 - r2), r2])
    rng = np.random.default_rng(1)
    for _ in range(50):
        c = coefficients(rng.uniform(-0.999, 0.999, size=rng.integers(1, 6)))
        roots = np.roots(np.r_[-c[::-1], 1.0])  # of 1 - c_1 z - ... - c_k z^k
        assert np.all(np.abs(roots) > 1.0)


def test_residuals_match_the_recursion_written_out():
    x = arma(60, ar=(0.5, -0.2), ma=(0.4, 0.1), seed=3)
    ar, ma, start = np.array([0.5, -0.2]), np.array([0.4, 0.1]), 3
    e = np.zeros(x.shape[0])
    for t in range(start, x.shape[0]):
        e[t] = x[t] - ar[0] * x[t - 1] - ar[1] * x[t - 2] - ma[0] * e[t - 1] - ma[1] * e[t - 2]
    np.testing.assert_allclose(residuals(x, ar, ma, start), e[start:], rtol=1e-12, atol=1e-12)


def test_kpss_tells_a_random_walk_from_noise():
    noise = np.random.default_rng(0).normal(size=300)
    assert kpss_statistic(noise) < _arima.KPSS_CRITICAL < kpss_statistic(np.cumsum(noise))
    assert n_differences(noise) == 0 and n_differences(np.cumsum(noise)) == 1
    assert n_differences(np.cumsum(np.cumsum(noise)), max_d=1) == 1
    assert n_differences(np.ones(50)) == 0


def test_kpss_matches_statsmodels():
    stattools = pytest.importorskip("statsmodels.tsa.stattools")
    for seed in range(3):
        w = np.cumsum(np.random.default_rng(seed).normal(size=150)) * 0.1 + np.random.default_rng(seed).normal(size=150)
        lags = int(4 * (150 / 100) ** 0.25)
        with warnings.catch_warnings():  # statsmodels warns where its p-value table ends
            warnings.simplefilter("ignore")
            theirs = stattools.kpss(w, regression="c", nlags=lags)[0]
        assert kpss_statistic(w) == pytest.approx(theirs, rel=1e-10)


def psi_weights(ar, ma, n=12):
    """The MA(infinity) weights of an ARMA: the response to one shock, the same for every way of writing
    the process (a near-cancelling pair of AR and MA roots included)."""
    psi = np.zeros(n)
    psi[0] = 1.0
    for j in range(1, n):
        psi[j] = (ma[j - 1] if j - 1 < len(ma) else 0.0) + sum(ar[i] * psi[j - 1 - i] for i in range(min(len(ar), j)))
    return psi


@pytest.mark.parametrize("ar, ma", [((0.7,), ()), ((), (0.6,)), ((0.5,), (0.4,)), ((0.5, -0.3), ())])
def test_fit_recovers_known_processes(ar, ma):
    """The corrected AIC may add a pair of near-cancelling roots (it is not a consistent order criterion),
    so the process is compared by its response to a shock, the mean and the shocks' variance."""
    model = fit(arma(3000, ar, ma, mean=2.0, seed=7))
    assert model.order[1] == 0 and model.order[0] + model.order[2] >= len(ar) + len(ma)
    np.testing.assert_allclose(psi_weights(model.ar, model.ma), psi_weights(ar, ma), atol=0.06)
    assert model.mean == pytest.approx(2.0, abs=0.15) and model.sigma2 == pytest.approx(1.0, rel=0.1)


def test_fit_agrees_with_statsmodels_maximum_likelihood():
    arima_model = pytest.importorskip("statsmodels.tsa.arima.model")
    x = arma(2000, (0.6,), (0.3,), mean=1.0, seed=11)
    ours = fit(x)
    theirs = arima_model.ARIMA(x, order=(1, 0, 1), trend="c").fit()
    assert ours.order == (1, 0, 1)
    np.testing.assert_allclose([ours.ar[0], ours.ma[0]], [theirs.arparams[0], theirs.maparams[0]], atol=0.03)
    assert ours.sigma2 == pytest.approx(theirs.params[-1], rel=0.05)


def test_forecast_is_the_recursion_with_future_shocks_zero():
    x = arma(80, (0.6, -0.2), (0.5,), mean=3.0, seed=5)
    model = _arima.ArimaModel((2, 0, 1), 3.0, np.array([0.6, -0.2]), np.array([0.5]), 1.0)
    w = x - 3.0
    e = np.zeros(x.shape[0])
    for t in range(2, x.shape[0]):
        e[t] = w[t] - 0.6 * w[t - 1] + 0.2 * w[t - 2] - 0.5 * e[t - 1]
    path = list(w)
    last_shock = e[-1]
    for k in range(5):
        path.append(0.6 * path[-1] - 0.2 * path[-2] + (0.5 * last_shock if k == 0 else 0.0))
    np.testing.assert_allclose(forecast(model, x, 5), 3.0 + np.array(path[-5:]), rtol=1e-12)


def test_a_difference_is_integrated_back_with_its_drift():
    rng = np.random.default_rng(2)
    z = 10.0 + np.cumsum(0.5 + rng.normal(size=200))
    model = fit(z)
    assert model.order[1] == 1 and model.mean == pytest.approx(np.mean(np.diff(z)))
    if model.order == (0, 1, 0):
        np.testing.assert_allclose(forecast(model, z, 4), z[-1] + model.mean * np.arange(1, 5))
    f = forecast(model, z, 200)
    assert f[-1] - f[-2] == pytest.approx(model.mean, rel=1e-6)  # the ARMA part dies out: the drift stays


def test_short_and_constant_series():
    tiny = fit([1.0, 3.0, 2.0])  # too short for any coefficient: a mean
    assert tiny.order == (0, 0, 0) and tiny.mean == pytest.approx(2.0)
    np.testing.assert_allclose(forecast(tiny, [1.0, 3.0, 2.0], 2), [2.0, 2.0])
    np.testing.assert_allclose(forecast(fit(np.full(20, 4.0)), np.full(20, 4.0), 3), 4.0)
    line = np.arange(30.0)
    np.testing.assert_allclose(forecast(fit(line), line, 3), [30.0, 31.0, 32.0])
    for bad in ([1.0, 2.0], [[1.0, 2.0, 3.0]], [1.0, np.nan, 3.0, 4.0]):
        with pytest.raises(ValueError, match="at least 3 finite values"):
            fit(bad)


@pytest.mark.parametrize("orders, m", [((1, 0, 0, 0), 1), ((0, 2, 0, 0), 1), ((2, 1, 0, 0), 1), ((3, 3, 0, 0), 1),
                                       ((1, 1, 1, 1), 4), ((2, 0, 0, 1), 12), ((0, 0, 1, 0), 4), ((3, 2, 1, 1), 4)])
def test_sse_gradient_matches_central_differences(orders, m):
    """The least-squares gradient (residual derivatives by recursion, then through the seasonal product,
    Monahan's map and tanh) against central finite differences in float64."""
    x = arma(120, (0.5, -0.2), (0.3,), seed=4)
    x = x - x.mean()
    k, start = sum(orders), 3 + m * (m > 1)
    theta = np.random.default_rng(sum(orders) * 10 + m).uniform(-1.5, 1.5, size=k)
    value, grad = _arima.sse_and_gradient(theta, x, orders, m, start)
    step = 1e-6
    numeric = np.array([(_arima.sse_and_gradient(theta + step * np.eye(k)[i], x, orders, m, start)[0]
                         - _arima.sse_and_gradient(theta - step * np.eye(k)[i], x, orders, m, start)[0]) / (2 * step)
                        for i in range(k)])
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6 * value)
    ar, ma, _ = _arima.polynomials(theta, orders, m)
    e = residuals(x, ar, ma, start)
    assert value == pytest.approx(float(e @ e), rel=1e-12)


def test_seasonal_polynomials_are_the_products_written_out():
    """``(1 - phi_1 B - phi_2 B^2)(1 - Phi B^4)`` and ``(1 + theta B)(1 + Theta B^4)`` multiplied by
    NumPy's polynomial product, against the coefficients the optimiser's parameters map to."""
    theta = np.array([0.4, -0.7, 0.9, 0.3, -1.1])  # p = 2, q = 1, P = 1, Q = 1
    ar, ma, _ = _arima.polynomials(theta, (2, 1, 1, 1), 4)
    phi = coefficients(np.tanh(theta[:2]))
    big_phi, th, big_th = np.tanh(theta[3]), -np.tanh(theta[2]), -np.tanh(theta[4])
    # np.polymul takes the highest power first
    ar_product = np.polymul([-phi[1], -phi[0], 1.0], [-big_phi, 0.0, 0.0, 0.0, 1.0])[::-1]
    ma_product = np.polymul([th, 1.0], [big_th, 0.0, 0.0, 0.0, 1.0])[::-1]
    np.testing.assert_allclose(ar, -ar_product[1:], rtol=1e-14)
    np.testing.assert_allclose(ma, ma_product[1:], rtol=1e-14)
    assert ar.shape == (6,) and ma.shape == (5,)
    # the lags the residuals read: every other coefficient of the product is zero
    assert _arima.lags(2, 1, 4).tolist() == [1, 2, 4, 5, 6] and _arima.lags(1, 1, 4).tolist() == [1, 4, 5]
    assert np.all(np.delete(ar, _arima.lags(2, 1, 4) - 1) == 0) and np.all(np.delete(ma, _arima.lags(1, 1, 4) - 1) == 0)
    assert _arima.lags(2, 1, 2).tolist() == [1, 2, 3, 4] and _arima.lags(3, 0, 12).tolist() == [1, 2, 3]
    for k in range(2):  # the product is stationary and invertible: its roots lie outside the unit circle
        poly = np.r_[1.0, -ar] if k == 0 else np.r_[1.0, ma]
        assert np.all(np.abs(np.roots(poly[::-1])) > 1.0)


def seasonal_arma(n, phi, big_phi, theta, big_theta, m, seed=0, burn=300):
    """(1 - phi B)(1 - Phi B^m) x = (1 + theta B)(1 + Theta B^m) e, as the recursion written out."""
    rng = np.random.default_rng(seed)
    e = rng.normal(size=n + burn)
    x = np.zeros(n + burn)
    for t in range(n + burn):
        lag = lambda v, k: v[t - k] if t - k >= 0 else 0.0  # noqa: E731
        x[t] = (phi * lag(x, 1) + big_phi * lag(x, m) - phi * big_phi * lag(x, m + 1)
                + e[t] + theta * lag(e, 1) + big_theta * lag(e, m) + theta * big_theta * lag(e, m + 1))
    return x[burn:]


def test_fit_recovers_a_seasonal_process_and_agrees_with_statsmodels():
    """A quarterly ARMA(1, 0)(0, 0, 1)_4: with ``period=4`` the search finds the seasonal term (the
    response to a shock as the process's), without it the shock's echo a year later is missed."""
    x = 1.0 + seasonal_arma(2000, 0.5, 0.0, 0.0, 0.6, 4, seed=3)
    seasonal = fit(x, period=4)
    assert seasonal.order[1] == 0 and seasonal.seasonal_order[3] == 4
    truth_ar, truth_ma = np.array([0.5]), np.array([0.0, 0.0, 0.0, 0.6])
    np.testing.assert_allclose(psi_weights(seasonal.ar, seasonal.ma, 10), psi_weights(truth_ar, truth_ma, 10),
                               atol=0.06)
    plain = fit(x)
    assert plain.seasonal_order == (0, 0, 0, 0)
    assert abs(psi_weights(plain.ar, plain.ma, 10)[4] - psi_weights(truth_ar, truth_ma, 10)[4]) > 0.2
    sarimax = pytest.importorskip("statsmodels.tsa.statespace.sarimax")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = sarimax.SARIMAX(x, order=(1, 0, 0), seasonal_order=(0, 0, 1, 4), trend="c").fit(disp=False)
    ours = fit(x, period=4)
    if ours.order == (1, 0, 0) and ours.seasonal_order == (0, 0, 1, 4):
        np.testing.assert_allclose([ours.ar[0], ours.ma[3]], [theirs.params[1], theirs.params[2]], atol=0.03)
    np.testing.assert_allclose(psi_weights(ours.ar, ours.ma, 10),
                               psi_weights([theirs.params[1]], [0.0, 0.0, 0.0, theirs.params[2]], 10), atol=0.06)


def test_seasonal_terms_need_three_seasons_of_residuals():
    x = seasonal_arma(20, 0.5, 0.0, 0.0, 0.6, 4, seed=1)  # 20 - 3 - 4 = 13 residuals: three seasons are 12
    assert fit(x, period=4).seasonal_order[3] in (0, 4)
    assert fit(x[:18], period=4).seasonal_order == (0, 0, 0, 0)  # 11 residuals
    assert fit(x, period=1).seasonal_order == (0, 0, 0, 0)


def test_a_seasonal_forecast_is_the_recursion_with_future_shocks_zero():
    """ARIMA(1, 1, 0)(0, 0, 1)_4 with a drift, forecast by the textbook recursion on the differences."""
    z = np.cumsum(0.2 + seasonal_arma(60, 0.4, 0.0, 0.0, 0.5, 4, seed=2))
    ar, ma = np.array([0.4]), np.array([0.0, 0.0, 0.0, 0.5])
    model = _arima.ArimaModel((1, 1, 0), 0.2, ar, ma, 1.0, (0, 0, 1, 4))
    w = np.diff(z) - 0.2
    e = np.zeros(w.shape[0])
    for t in range(1, w.shape[0]):
        e[t] = w[t] - 0.4 * w[t - 1] - (0.5 * e[t - 4] if t - 4 >= 1 else 0.0)
    path, shocks = list(w), list(e)
    for _ in range(6):
        path.append(0.4 * path[-1] + 0.5 * shocks[-4])
        shocks.append(0.0)
    expected = z[-1] + np.cumsum(0.2 + np.array(path[-6:]))
    np.testing.assert_allclose(forecast(model, z, 6), expected, rtol=1e-12)


def test_coefficients_jacobian_matches_central_differences():
    r = np.array([0.6, -0.3, 0.4])
    _, J = _arima.coefficients_jacobian(r)
    step = 1e-7
    numeric = np.stack([(coefficients(r + step * np.eye(3)[m]) - coefficients(r - step * np.eye(3)[m])) / (2 * step)
                        for m in range(3)], axis=1)
    np.testing.assert_allclose(J, numeric, atol=1e-8)


@pytest.mark.parametrize("orders, m", [((2, 1, 0, 0), 1), ((1, 2, 1, 1), 4), ((3, 0, 1, 0), 2), ((0, 3, 0, 1), 12)])
def test_polynomials_derivatives_match_central_differences(orders, m):
    """Every coefficient of the multiplied-out polynomials against central differences in float64 (the
    kernel's chain through tanh, Monahan's map and the seasonal product)."""
    k = sum(orders)
    theta = np.random.default_rng(k + m).uniform(-1.5, 1.5, size=k)
    _, _, D = _arima.polynomials(theta, orders, m)
    step = 1e-6

    def stacked(t):
        ar, ma, _ = _arima.polynomials(t, orders, m)
        return np.r_[ar, ma]

    numeric = np.stack([(stacked(theta + step * np.eye(k)[i]) - stacked(theta - step * np.eye(k)[i])) / (2 * step)
                        for i in range(k)], axis=1)
    np.testing.assert_allclose(D, numeric, atol=1e-8)
