"""The forecaster's NumPy core: seasonality test and indices, per-series preparation, direct windows."""

import numpy as np
import pytest

from numbarnn.estimators import _forecast_core as core


def _monthly(n, level=10.0, slope=0.1, amp=1.0, noise=0.0, seed=0):
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    return level + slope * t + amp * np.sin(2 * np.pi * t / 12) + noise * rng.standard_normal(n)


def test_seasonal_test():
    assert core.seasonal_test(_monthly(120, slope=0.0, noise=0.3), 12)
    assert not core.seasonal_test(np.random.default_rng(1).standard_normal(120), 12)
    assert not core.seasonal_test(_monthly(120), 1)           # no period
    assert not core.seasonal_test(_monthly(30), 12)           # fewer than three seasons
    assert not core.seasonal_test(np.ones(60), 12)            # no variance


def test_seasonal_indices_recover_the_pattern():
    pattern = np.array([3.0, 1, 0, -1, -2, -1, 0, 1, 2, 1, -1, -3])
    pattern -= pattern.mean()
    t = np.arange(96)
    idx = core.seasonal_indices(5 + 0.2 * t + pattern[t % 12], 12)
    np.testing.assert_allclose(idx, pattern, atol=1e-12)
    odd = np.array([1.0, -2.0, 1.0])
    np.testing.assert_allclose(core.seasonal_indices(np.tile(odd, 10) + np.arange(30.0), 3), odd, atol=1e-12)


def test_seasonal_strength_tells_a_pattern_from_a_trend_and_noise():
    """The share of the detrended variance the seasonal indices explain, against the decomposition
    written out: near 1 for a stable pattern, near 0 for a trend (which the lag-m autocorrelation of
    :func:`seasonal_test` calls seasonal) and for noise, 0 below three seasons."""
    y = _monthly(120, noise=0.3, seed=2)
    trend = np.convolve(y, np.r_[0.5, np.ones(11), 0.5] / 12, mode="valid")
    rest = y[6:-6] - trend
    idx = np.array([rest[(np.arange(rest.size) + 6) % 12 == i].mean() for i in range(12)])
    remainder = rest - (idx - idx.mean())[(np.arange(rest.size) + 6) % 12]
    assert core.seasonal_strength(y, 12) == pytest.approx(1 - remainder.var() / rest.var(), rel=1e-12)
    assert core.seasonal_strength(y, 12) > 0.8
    walk = np.cumsum(np.random.default_rng(3).standard_normal(120)) + 0.5 * np.arange(120)
    assert core.seasonal_test(walk, 12) and core.seasonal_strength(walk, 12) < core.SEASONAL_ARMA_STRENGTH
    assert core.seasonal_strength(np.random.default_rng(4).standard_normal(120), 12) < 0.2
    assert core.seasonal_strength(y[:35], 12) == 0.0 and core.seasonal_strength(y, 1) == 0.0
    assert core.seasonal_strength(np.ones(60), 12) == 0.0


def test_the_linear_forecast_searches_seasonal_terms_only_where_a_pattern_shows():
    """Each series' ARIMA: with its seasonal period where the series before its indices were removed
    is seasonal (:func:`seasonal_strength`), without where it is not (a trending walk, which the
    autocorrelation test would call seasonal)."""
    from numbarnn.estimators import _arima
    T = 96
    values = np.stack([_monthly(T, noise=0.2, seed=5),
                       20 + np.cumsum(np.random.default_rng(6).standard_normal(T)) + 0.3 * np.arange(T)], 1)[..., None]
    first, last = np.zeros(2, dtype=int), np.full(2, T - 1)
    adjusted, prep = core.direct_prepare(values, first, last, 12, None, True)
    out = core.linear_forecast(adjusted, first, last, 5, prep["seasonal"])
    for s, period in ((0, 12), (1, 1)):
        z = adjusted[:, s, 0]
        np.testing.assert_array_equal(out[:, s, 0], _arima.forecast(_arima.fit(z, period=period), z, 5))
        other = _arima.fit(z, period=13 - period)  # the test can tell: the other choice forecasts otherwise
        assert np.abs(out[:, s, 0] - _arima.forecast(other, z, 5)).max() > 1e-3
    assert _arima.fit(adjusted[:, 0, 0], period=12).seasonal_order[3] == 12  # a seasonal term was found


def _panel():
    """Two monthly series of very different size, one positive, one crossing zero, padded differently."""
    T = 100
    values = np.full((T, 2, 1), np.nan)
    values[:, 0, 0] = 1000 * _monthly(T, noise=0.1)
    values[5:95, 1, 0] = _monthly(90, level=0.0, slope=-0.05, amp=2.0, noise=0.1, seed=1)
    return values


def test_prepare_treats_every_series_on_its_own():
    values = _panel()
    first, last = core.valid_span(values)
    adjusted, prep = core.direct_prepare(values, first, last, 12, "auto", "auto")
    assert prep["lambda"][0, 0] in core.BOX_COX_LAMBDAS and np.isnan(prep["lambda"][1, 0])
    assert np.all(prep["seasonal"][:, 0].std(axis=1) > 0)  # both seasonal
    np.testing.assert_allclose(prep["seasonal"].sum(axis=2), 0, atol=1e-12)
    # the scale is each series' own mean absolute step, not a pooled one
    for s in range(2):
        z = adjusted[first[s]:last[s] + 1, s, 0]
        np.testing.assert_allclose(prep["scale"][s, 0], np.mean(np.abs(np.diff(z))))
    assert np.isnan(adjusted[:5, 1]).all() and np.isnan(adjusted[95:, 1]).all()
    off, plain = core.direct_prepare(values, first, last, 12, None, False)
    assert np.isnan(plain["lambda"]).all() and not plain["seasonal"].any()
    np.testing.assert_array_equal(off, values)
    with pytest.raises(ValueError, match="transform='log' needs positive data; series 1"):
        core.direct_prepare(values, first, last, 12, "log", "auto")
    with pytest.raises(ValueError, match="transform='box-cox' needs positive data; series 1"):
        core.direct_prepare(values, first, last, 12, "box-cox", "auto")
    logged, old = core.direct_prepare(values, first, last, 12, "auto", "auto", auto_box_cox=False)
    assert old["lambda"][0, 0] == 0 and np.isnan(old["lambda"][1, 0])  # the log, as models fitted before
    np.testing.assert_array_equal(logged[first[1]:last[1] + 1, 1], adjusted[first[1]:last[1] + 1, 1])


def test_windows_are_relative_to_their_last_value():
    values = _panel()
    first, last = core.valid_span(values)
    adjusted, prep = core.direct_prepare(values, first, last, 12, "auto", "auto")
    (x, y, lengths, weight), ends = core.direct_windows(adjusted, prep["scale"], first, last, 24, 6, 12, "float64")
    n0 = (last[0] - 6) - (first[0] + 11) + 1
    n1 = (last[1] - 6) - (first[1] + 11) + 1
    assert x.shape == (24, n0 + n1, 1) and y.shape == (n0 + n1, 6) and weight is None
    assert lengths.min() == 12 and lengths.max() == 24
    i = n0 + 3  # the fourth window of the second series ends at first + 14 and holds 15 steps
    assert ends[i] == first[1] + 14 and lengths[i] == 15
    t = ends[i]
    np.testing.assert_allclose(x[:15, i, 0], (adjusted[t - 14:t + 1, 1, 0] - adjusted[t, 1, 0]) / prep["scale"][1, 0])
    assert np.all(x[15:, i] == 0) and x[14, i, 0] == 0
    np.testing.assert_allclose(y[i], (adjusted[t + 1:t + 7, 1, 0] - adjusted[t, 1, 0]) / prep["scale"][1, 0])
    assert core.direct_windows(adjusted, prep["scale"], first, last, 24, 200, 12, "float64") == (None, None)


def test_perfect_model_output_gives_back_the_future():
    """Feeding the true continuation through extend and levels reproduces it: the transforms invert."""
    full = _panel()
    values = full.copy()
    values[80:] = np.nan  # both series end at 79; the truth runs on
    first, last = core.valid_span(values)
    adjusted, prep = core.direct_prepare(values, first, last, 12, "auto", "auto")
    h = 12
    truth = full[80:80 + h]  # (h, S, 1)
    positions = np.arange(80, 80 + h) % 12
    lam = prep["lambda"][None]
    assert lam[0, 0, 0] > 0  # the positive series: a Box-Cox transform other than the log
    transformed = np.where(np.isnan(lam), truth, (np.abs(truth) ** np.nan_to_num(lam) - 1) / np.where(lam > 0, lam, 1))
    z = transformed - prep["seasonal"][:, 0, positions].T[:, :, None]
    pred = ((z - adjusted[last, [0, 1]][None]) / prep["scale"][None]).transpose(1, 0, 2)  # (S, h, 1)
    room = np.concatenate([adjusted, np.full((h, 2, 1), np.nan)])
    assert core.direct_extend(room, last, prep["scale"], pred).tolist() == [91, 91]
    np.testing.assert_allclose(core.direct_levels(room, last, h, prep), truth, rtol=1e-12)
    x, lengths = core.direct_context(adjusted, prep["scale"], last, 24, "float64")
    assert x.shape == (24, 2, 1) and lengths.tolist() == [24, 24] and np.all(x[-1] == 0)


def test_bootstrap_keeps_the_trend_and_draws_blocks_of_the_remainder():
    n = 120
    z = _monthly(n, noise=0.3)
    values = np.full((n + 8, 1, 2), np.nan)
    values[5:5 + n, 0, 0] = z
    values[5:5 + n, 0, 1] = 2 * z                      # a second channel: the same blocks, twice the size
    first, last = core.valid_span(values)
    copy = core.bootstrap(values, first, last, 12, np.random.default_rng(0))
    assert np.isnan(copy[:5]).all() and np.isnan(copy[5 + n:]).all()
    np.testing.assert_allclose(copy[:, 0, 1], 2 * copy[:, 0, 0])
    trend = np.array([z[max(0, t - 12):t + 13].mean() for t in range(n)])  # 12 steps on each side
    rem, got = z - trend, copy[5:5 + n, 0, 0] - trend
    assert not np.allclose(got, rem)                    # drawn, not copied
    for b0 in range(0, n, 24):                          # blocks of two seasons of the remainder
        piece = got[b0:b0 + 24]
        assert any(np.allclose(rem[i:i + len(piece)], piece) for i in range(n - 24 + 1))
    np.testing.assert_array_equal(copy, core.bootstrap(values, first, last, 12, np.random.default_rng(0)))


def test_bootstrap_blocks_without_a_season_and_on_short_series():
    z = np.arange(10.0) ** 1.5
    copy = core.bootstrap(z[:, None, None], np.array([0]), np.array([9]), 1, np.random.default_rng(1))[:, 0, 0]
    trend = np.array([z[max(0, t - 2):t + 3].mean() for t in range(10)])   # two steps on each side
    rem, got = z - trend, copy - trend
    for b0 in range(0, 10, 2):                           # blocks of 4 capped at a quarter of 10 steps: 2
        assert any(np.allclose(rem[i:i + 2], got[b0:b0 + 2]) for i in range(9))


def test_box_cox_lambda_matches_statsmodels_guerrero():
    """Guerrero's parameter on the grid against statsmodels' continuous search over the same range (its
    ``BoxCox._est_lambda(method="guerrero")``): within one step of the grid."""
    transform = pytest.importorskip("statsmodels.base.transform")
    from numbarnn import datasets
    rng = np.random.default_rng(3)
    t = np.arange(240)
    series = [(datasets.co2().values, 12),
              (np.exp(t / 80) * (1 + 0.1 * np.sin(2 * np.pi * t / 12)) * np.exp(0.03 * rng.standard_normal(240)), 12),
              (50 + t / 4 + 3 * rng.standard_normal(240), 4),
              ((20 + t / 10 + rng.standard_normal(240)) ** 1.5, 1)]
    for z, m in series:
        theirs = transform.BoxCox()._est_lambda(z, bounds=(0, 1), method="guerrero", window_length=max(m, 2))
        assert abs(core.box_cox_lambda(z, m) - theirs) <= 0.05 + 1e-9, (m, theirs)
