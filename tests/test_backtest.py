"""Rolling-origin backtests: each forecast uses only the data before its origin."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import numbarnn
from numbarnn import Forecaster, metrics

FAST = dict(hidden_size=4, horizon=3, epochs=2, n_models=1, random_state=0)


def series(n=60):
    t = pd.date_range("2000-01-01", periods=n, freq="MS", name="time")
    return xr.DataArray(10 + np.sin(np.arange(n) / 2) + 0.05 * np.arange(n), dims="time", coords={"time": t})


def test_each_origin_is_a_fresh_fit_on_the_past():
    y = series()
    bt = numbarnn.backtest(Forecaster(**FAST), y, start=48, stride=4)
    assert bt.sizes == {"origin": 3, "step": 3} and list(bt.step.values) == [1, 2, 3]
    assert list(bt.origin.values) == list(y.time.values[[48, 52, 56]])
    for k, o in enumerate((48, 52, 56)):
        f = Forecaster(**FAST).fit(y[:o])
        np.testing.assert_array_equal(bt.forecast[k].values, f.predict().values)
        np.testing.assert_array_equal(bt.actual[k].values, y[o:o + 3].values)
        assert float(bt.mase[k]) == pytest.approx(metrics.mase(y[o:o + 3].values, f.predict().values,
                                                               y[:o].values, 12))
    np.testing.assert_allclose(bt.mae_by_step, abs(bt.forecast - bt.actual).mean("origin"))


def test_refit_schedule_and_sliding_window():
    y = series()
    once = numbarnn.backtest(Forecaster(**FAST), y, start=48, stride=3, retrain=False)
    first = Forecaster(**FAST).fit(y[:48])
    np.testing.assert_array_equal(once.forecast[2].values, first.predict(y=y[:54]).values)
    sliding = numbarnn.backtest(Forecaster(**FAST), y, start=40, stride=10, window="sliding")
    np.testing.assert_array_equal(sliding.forecast[1].values, Forecaster(**FAST).fit(y[10:50]).predict().values)


def test_many_series_keep_their_dimension():
    y = xr.concat([series(), 2 * series()], dim=xr.DataArray(["a", "b"], dims="site", name="site"))
    bt = numbarnn.backtest(Forecaster(**FAST), y.transpose("time", "site"), start=54, stride=3)
    assert bt.forecast.dims == ("origin", "step", "site") and bt.mase.dims == ("origin", "site")
    assert list(bt.site.values) == ["a", "b"]


def test_bad_arguments():
    y = series()
    with pytest.raises(ValueError, match="start=59 leaves fewer than horizon=3 steps"):
        numbarnn.backtest(Forecaster(**FAST), y, start=59)
    with pytest.raises(ValueError, match="unknown window 'rolling'"):
        numbarnn.backtest(Forecaster(**FAST), y, window="rolling")
    with pytest.raises(ValueError, match="retrain must be >= 1"):
        numbarnn.backtest(Forecaster(**FAST), y, retrain=0)


def test_conformal_interval_from_backtest_errors():
    y = series()
    bt = numbarnn.backtest(Forecaster(**FAST), y[:54], start=36, stride=1, retrain=False)
    n = bt.sizes["origin"]
    forecast = Forecaster(**FAST).fit(y[:54]).predict()
    lower, upper = numbarnn.conformal_interval(bt, forecast, 0.8)
    k = int(np.ceil((n + 1) * 0.8))
    width = np.sort(bt.abs_error.values, axis=0)[k - 1]
    np.testing.assert_allclose(upper.values - forecast.values, width)
    np.testing.assert_allclose(forecast.values - lower.values, width)
    assert isinstance(lower, xr.DataArray) and (lower.time == forecast.time).all()
    wider = numbarnn.conformal_interval(bt, forecast, 0.95)[1]
    assert np.all(wider.values >= upper.values)
    with pytest.raises(ValueError, match=r"level must lie in \(0, 1\)"):
        numbarnn.conformal_interval(bt, forecast, 95)
    with pytest.raises(ValueError, match="the forecast has 6 steps; the backtest only 3"):
        numbarnn.conformal_interval(bt, np.zeros(6), 0.8)
