"""Forecaster: labels in and out, covariates, quantiles, scikit-learn manners, bad input."""

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import numbarnn
from numbarnn import Forecaster, NotFittedError, clone
from numbarnn.estimators import _arima
from numbarnn.estimators import _forecast_core as core
from numbarnn.estimators._persistence import write_atomic

FAST = dict(hidden_size=8, lookback=12, horizon=4, epochs=3, batch_size=64, random_state=0)


def seasonal(n=120, start="2000-01-01", freq="MS"):
    t = pd.date_range(start, periods=n, freq=freq, name="time")
    k = np.arange(n)
    return xr.DataArray(10 + 0.05 * k + np.sin(2 * np.pi * k / 12), dims="time", coords={"time": t},
                        name="level", attrs={"units": "m", "source": "test"})


def test_grid_trains_one_model_and_keeps_labels():
    base = seasonal()
    grid = base.expand_dims(lat=[10.0, 20.0], lon=[1.0, 2.0, 3.0]).transpose("time", "lat", "lon").copy()
    grid = grid + xr.DataArray(np.arange(6.0).reshape(2, 3), dims=("lat", "lon"))
    grid.attrs, grid.name = dict(base.attrs), "level"
    grid = grid.assign_coords(station=("lat", ["a", "b"]))
    f = Forecaster(**FAST).fit(grid)
    out = f.predict()
    assert out.dims == ("time", "lat", "lon")
    assert list(out.lat.values) == [10.0, 20.0] and list(out.lon.values) == [1.0, 2.0, 3.0]
    assert out.time.values[0] == np.datetime64("2010-01-01")
    assert pd.DatetimeIndex(out.time.values).month.tolist() == [1, 2, 3, 4]
    assert list(out.station.values) == ["a", "b"] and out.station.dims == ("lat",)
    assert out.attrs == {"units": "m", "source": "test"} and out.name == "level"
    assert f.n_features_in_ == 1 and f.strategy_ == "direct"  # one ensemble for all six cells
    assert [m.params["head.weight"].shape for m in f.model_.members] == [(4, 8)] * 5


def test_pandas_and_numpy_in_and_out():
    y = seasonal().to_series()
    out = Forecaster(**FAST).fit(y).predict(horizon=3)
    assert isinstance(out, pd.Series) and len(out) == 3
    assert out.index[0] == pd.Timestamp("2010-01-01")
    df = pd.DataFrame({"a": y.values, "b": y.values[::-1].copy()}, index=y.index)
    out = Forecaster(**FAST).fit(df).predict()
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["a", "b"] and out.shape == (4, 2)
    out = Forecaster(**FAST).fit(y.values).predict()
    assert isinstance(out, np.ndarray) and out.shape == (4,)


def test_cftime_calendar():
    pytest.importorskip("cftime")
    t = xr.date_range("2000-01-01", periods=60, freq="MS", calendar="noleap", use_cftime=True)
    y = xr.DataArray(np.sin(np.arange(60) / 3), dims="time", coords={"time": t})
    out = Forecaster(**FAST).fit(y).predict()
    assert out.time.values[0].year == 2005 and out.time.values[0].calendar == "noleap"


def test_multivariate_feature_dim():
    m = numbarnn.datasets.us_macro().sel(feature=["realgdp", "cpi", "unemp"])
    f = Forecaster(feature_dim="feature", difference=1, **FAST).fit(m)
    out = f.predict()
    assert out.dims == ("time", "feature") and list(out.feature.values) == ["realgdp", "cpi", "unemp"]
    assert str(out.time.values[0])[:10] == "2009-10-01"
    with pytest.raises(ValueError, match="y has 2 features; the model was fitted on 3"):
        f.predict(y=m.isel(feature=[0, 1]))


def test_known_and_past_covariates():
    y = seasonal()
    month = xr.DataArray(np.cos(2 * np.pi * np.arange(124) / 12), dims="time",
                         coords={"time": pd.date_range("2000-01-01", periods=124, freq="MS", name="time")})
    f = Forecaster(covariates="known", **FAST).fit(y, X=month[:120])
    assert f.predict(X=month).shape == (4,)
    with pytest.raises(ValueError, match="give X covering the forecast times"):
        f.predict()
    with pytest.raises(ValueError, match="X must cover every forecast time"):
        f.predict(X=month[:122])
    p = Forecaster(covariates="past", **FAST).fit(y, X=month[:120])
    assert p.predict().shape == (4,) and p.model_.params["head.weight"].shape[0] == 2


@pytest.mark.parametrize("likelihood", ["gaussian", "student_t"])
def test_quantiles_from_sampled_paths(likelihood):
    f = Forecaster(strategy="recursive", probabilistic=True, likelihood=likelihood, n_samples=50,
                   **FAST).fit(seasonal())
    assert f.model_.params["head.weight"].shape[0] == {"gaussian": 2, "student_t": 3}[likelihood]
    q = f.predict(quantiles=[0.1, 0.5, 0.9])
    assert q.dims == ("time", "quantile")
    assert np.all(q.sel(quantile=0.1) <= q.sel(quantile=0.9))
    point = f.predict()
    assert point.dims == ("time",)
    with pytest.raises(ValueError, match="quantiles need a probabilistic model"):
        Forecaster(**FAST).fit(seasonal()).predict(quantiles=[0.5])


@pytest.mark.parametrize("likelihood", [None, "quantile", "gaussian", "student_t"])
def test_direct_quantiles_from_the_readout(likelihood):
    """The direct strategy's distribution heads: ordered quantiles whose median is the point forecast."""
    y = seasonal() + 5.0
    f = Forecaster(probabilistic=True, likelihood=likelihood, n_models=2, **FAST).fit(y)
    heads = {None: 3, "quantile": 9, "gaussian": 2, "student_t": 3}[likelihood]  # quantile: the nine default levels
    assert f.likelihood_ == (likelihood or "student_t")
    assert f.model_.members[0].params["head.weight"].shape[0] == FAST["horizon"] * heads
    q = f.predict(quantiles=[0.9, 0.5, 0.1])                       # any order: labelled as asked
    assert q.dims == ("time", "quantile") and q["quantile"].values.tolist() == [0.9, 0.5, 0.1]
    assert np.all(q.sel(quantile=0.1) <= q.sel(quantile=0.5)) and np.all(q.sel(quantile=0.5) <= q.sel(quantile=0.9))
    assert np.any(q.sel(quantile=0.1) < q.sel(quantile=0.9))
    np.testing.assert_allclose(q.sel(quantile=0.5), f.predict(), rtol=1e-12)
    with pytest.raises(ValueError, match="cover the 4 steps it was fitted for"):
        f.predict(horizon=8, quantiles=[0.1])
    assert f.predict(horizon=8).shape == (8,)                      # the point forecast goes on in blocks


def test_quantile_heads_train_the_levels_asked_for():
    f = Forecaster(probabilistic=True, quantiles=[0.2, 0.8], n_models=1, **FAST).fit(seasonal())
    assert f.likelihood_ == "quantile"                             # levels given: quantile heads
    assert f._loss().levels.tolist() == [0.2, 0.5, 0.8]            # the median is always a head
    assert f.predict(quantiles=[0.2, 0.8]).shape == (4, 2)
    with pytest.raises(ValueError, match=r"quantiles \[0.1\] were not trained"):
        f.predict(quantiles=[0.1])
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        Forecaster(probabilistic=True, quantiles=[0.0, 0.5], **FAST).fit(seasonal())
    with pytest.raises(ValueError, match="unknown likelihood 'poisson'"):
        Forecaster(probabilistic=True, likelihood="poisson", **FAST).fit(seasonal())


def test_predict_from_new_context_and_trailing_padding():
    y = seasonal()
    f = Forecaster(**FAST).fit(y)
    other = y[:100]
    out = f.predict(y=other)
    assert out.time.values[0] == y.time.values[100]
    padded = y.copy()
    padded[-3:] = np.nan  # trailing padding: the forecast still starts after the last time stamp
    out = Forecaster(**FAST).fit(padded).predict()
    assert out.time.values[0] == np.datetime64("2010-01-01") and np.all(np.isfinite(out))


def test_sklearn_manners():
    f = Forecaster(hidden_size=8)
    assert f.get_params()["hidden_size"] == 8
    assert f.set_params(lookback=6) is f and f.lookback == 6
    g = clone(f)
    assert g.get_params() == f.get_params() and g is not f
    with pytest.raises(ValueError, match="invalid parameter 'hidden'"):
        f.set_params(hidden=3)
    with pytest.raises(NotFittedError, match="not fitted yet; call fit"):
        f.predict()
    y = seasonal()
    f = Forecaster(**FAST)
    assert f.fit(y) is f
    first = f.model_
    f.fit(y[:60])
    assert f.model_ is not first and f.history_.sizes["epoch"] == 3
    assert set(f.history_.data_vars) >= {"train_loss", "val_loss", "grad_norm", "lr", "skipped_steps",
                                         "seconds", "step_grad_norm"}
    a = Forecaster(**FAST).fit(y).predict()
    b = Forecaster(**FAST).fit(y).predict()
    np.testing.assert_array_equal(a.values, b.values)


@pytest.mark.parametrize("make,error,match", [
    (lambda y: y.rename(time="date"), ValueError, r"no time dimension 'time' in dims \('date',\)"),
    (lambda y: y.isel(time=slice(None, None, -1)), ValueError, "not increasing; sort it first"),
    (lambda y: y.isel(time=[0, 1, 1, 2] + list(range(3, 120))), ValueError, "duplicated values"),
    (lambda y: y.where(y.time != y.time[50]), ValueError, "missing values inside its record"),
    (lambda y: y * np.nan, ValueError, "all NaN"),
    (lambda y: y[:9], ValueError, "horizon=4 after at least 6 steps of history needs 10 valid steps"),
    (lambda y: y.astype(str), TypeError, "expected numeric data"),
])
def test_bad_input(make, error, match):
    f = Forecaster(**FAST)
    with pytest.raises(error, match=match):
        f.fit(make(seasonal()))
    assert not hasattr(f, "model_") and not hasattr(f, "is_fitted_")


@pytest.mark.parametrize("kwargs,match", [
    (dict(cell="transformer"), "unknown cell 'transformer'"),
    (dict(loss="l4"), "unknown loss 'l4'"),
    (dict(covariates="future"), "unknown covariates 'future'"),
    (dict(device="gpu"), "unknown device 'gpu'; expected one of 'cpu', 'cuda'"),
    (dict(lookback=0), "lookback must be >= 1"),
    (dict(validation_fraction=1.5), r"validation_fraction must be in \[0, 1\)"),
])
def test_unknown_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Forecaster(**kwargs).fit(seasonal())


def test_leading_padding_and_frequency_errors():
    y = seasonal()
    y[:5] = np.nan
    assert Forecaster(**FAST).fit(y).predict().shape == (4,)
    irregular = seasonal().isel(time=[0, 2, 3, 7] + list(range(8, 40)))
    f = Forecaster(**FAST)
    with pytest.raises(ValueError, match="cannot infer the frequency.*resample"):
        f.fit(irregular)  # before any training
    assert not hasattr(f, "model_")


def test_strategy_follows_the_options():
    y = seasonal()
    assert Forecaster(**FAST).fit(y).strategy_ == "direct"
    assert Forecaster(difference=1, **FAST).fit(y).strategy_ == "recursive"
    assert Forecaster(probabilistic=True, **FAST).fit(y).strategy_ == "direct"
    month = xr.DataArray(np.sin(np.arange(120.0)), dims="time", coords={"time": y.time})
    assert Forecaster(**FAST).fit(y, X=month).strategy_ == "recursive"
    with pytest.raises(ValueError, match="strategy='direct' does not take covariates X or difference=1"):
        Forecaster(strategy="direct", difference=1, **FAST).fit(y, X=month)
    with pytest.raises(ValueError, match="likelihood='quantile' needs the direct strategy"):
        Forecaster(strategy="recursive", probabilistic=True, likelihood="quantile", **FAST).fit(y)
    with pytest.raises(ValueError, match="n_models=3 needs strategy='direct'"):
        Forecaster(strategy="recursive", n_models=3, **FAST).fit(y)
    for name, value, match in (("transform", "sqrt", "unknown transform 'sqrt'"),
                               ("deseasonalize", "yes", "unknown deseasonalize 'yes'"),
                               ("strategy", "mimo", "unknown strategy 'mimo'"), ("n_models", 0, "n_models must be >= 1")):
        with pytest.raises(ValueError, match=match):
            Forecaster(**dict(FAST, **{name: value})).fit(y)


def test_season_length_and_lookback_from_the_data():
    y = seasonal()
    f = Forecaster(horizon=4, epochs=1, n_models=1, random_state=0)
    assert (f.fit(y).season_length_, f.lookback_) == (12, 36)   # three seasons
    quarterly = seasonal(40, freq="QS")
    assert f.fit(quarterly).season_length_ == 4 and f.lookback_ == 12
    assert f.fit(y.values).season_length_ == 1                   # no time labels
    assert f.set_params(season_length=6).fit(y.values).season_length_ == 6
    assert f.set_params(horizon=30).fit(y[:40]).lookback_ == 10  # what the series leaves beside the targets
    recursive = Forecaster(strategy="recursive", horizon=4, epochs=1, random_state=0)
    assert recursive.fit(y).lookback_ == 24
    assert recursive.fit(y[:20]).lookback_ == 19                 # a short series: one target beside the window
    assert recursive.set_params(difference=1).fit(y[:20]).lookback_ == 18


def test_series_of_any_size_share_one_model():
    """Per-series normalisation: a series times 1000 gets the forecast times 1000 from the same model."""
    base = seasonal()
    pair = xr.concat([base, 1000 * base], dim="site").transpose("time", "site")
    f = Forecaster(**FAST, combine=None).fit(pair)
    np.testing.assert_allclose(f.predict().isel(site=1), 1000 * f.predict().isel(site=0), rtol=1e-7)
    # the ARIMA beside the networks is fitted to logs that differ in their last bits, where its criterion
    # may find two orders near-tied (here (3, 1, 2) and (2, 1, 3), each with a seasonal AR and MA term)
    out = f.set_params(combine="arima").predict()
    np.testing.assert_allclose(out.isel(site=1), 1000 * out.isel(site=0), rtol=1e-3)


def test_direct_forecasts_past_the_horizon_in_blocks():
    y = seasonal()
    f = Forecaster(**FAST).fit(y)
    short, long = f.predict(), f.predict(horizon=10)
    assert long.sizes["time"] == 10 and np.all(np.isfinite(long))
    np.testing.assert_array_equal(long[:4].values, short.values)
    assert pd.DatetimeIndex(long.time.values)[-1] == pd.Timestamp("2010-10-01")


def test_score_is_negative_mase():
    y = seasonal()
    f = Forecaster(**FAST).fit(y[:-6])
    expected = numbarnn.metrics.mase(y[-6:].values, f.predict(horizon=6).values, y[:-6].values, 12)
    assert f.score(y[-6:]) == pytest.approx(-expected, rel=1e-12)


def test_grid_search_over_time_series_splits():
    sklearn = pytest.importorskip("sklearn.model_selection")
    y = seasonal().values
    search = sklearn.GridSearchCV(Forecaster(hidden_size=4, horizon=4, epochs=2, n_models=1, random_state=0),
                                  {"lookback": [6, 12]}, cv=sklearn.TimeSeriesSplit(2, test_size=4)).fit(y)
    assert search.best_params_["lookback"] in (6, 12) and np.all(search.cv_results_["mean_test_score"] < 0)


def test_period_index_and_unnamed_series():
    """What statsmodels and sktime hand out: a PeriodIndex; an unnamed Series stays unnamed."""
    y = pd.Series(10 + np.sin(np.arange(60) / 2), index=pd.period_range("2000-01", periods=60, freq="M"))
    f = Forecaster(horizon=4, epochs=2, n_models=1, random_state=0).fit(y)
    out = f.predict()
    assert isinstance(out.index, pd.PeriodIndex) and str(out.index[0]) == "2005-01" and out.name is None
    assert f.season_length_ == 12
    q = pd.Series(np.arange(1.0, 41.0), index=pd.period_range("2000Q1", periods=40, freq="Q"), name="gdp")
    out = Forecaster(horizon=4, epochs=2, n_models=1, random_state=0).fit(q).predict()
    assert str(out.index[0]) == "2010Q1" and out.name == "gdp"


def test_gaps_filled_on_request_and_string_dates():
    y = seasonal()
    gappy = y.where((y.time != y.time[50]) & (y.time != y.time[51]))
    with pytest.raises(ValueError, match=r"missing values inside its record.*fill='linear'"):
        Forecaster(**FAST).fit(gappy)
    filled = Forecaster(fill="linear", **FAST).fit(gappy)
    np.testing.assert_allclose(filled.panel_.values[50:52, 0, 0], np.interp([50, 51], [49, 52],
                                                                           y.values[[49, 52]]))
    with pytest.raises(ValueError, match="unknown fill 'cubic'"):
        Forecaster(fill="cubic", **FAST).fit(y)
    s = pd.Series(y.values, index=[str(t)[:10] for t in y.time.values])
    out = Forecaster(**FAST).fit(s).predict()
    assert out.index[0] == pd.Timestamp("2010-01-01")
    with pytest.raises(ValueError, match="holds strings that are not dates \\(first: 'a0'\\)"):
        Forecaster(**FAST).fit(pd.Series(y.values, index=[f"a{i}" for i in range(120)]))


def test_ensemble_members_read_different_spans_of_history(tmp_path):
    import numbarnn
    y = seasonal()
    f = Forecaster(horizon=4, epochs=2, random_state=0).fit(y)
    assert f.lookback_ == 36 and f.member_lookbacks_ == [36, 18, 54, 27, 45]
    short = Forecaster(horizon=4, epochs=1, n_models=3, random_state=0).fit(y[:60])
    assert short.member_lookbacks_ == [36, 18, 54]             # 60 steps leave room for 56
    tiny = Forecaster(horizon=4, epochs=1, n_models=3, random_state=0).fit(y[:40])
    assert tiny.lookback_ == 36 and tiny.member_lookbacks_ == [36, 18, 36]  # capped by the room
    given = Forecaster(horizon=4, lookback=12, epochs=1, n_models=3, random_state=0).fit(y)
    assert given.member_lookbacks_ == [12, 12, 12]             # a lookback that is given holds for all
    f.save(tmp_path / "f.nc")
    back = numbarnn.load(tmp_path / "f.nc")
    assert back.member_lookbacks_ == f.member_lookbacks_
    np.testing.assert_array_equal(back.predict().values, f.predict().values)


def test_each_network_trains_on_its_own_bootstrapped_copies(monkeypatch):
    y = seasonal()
    seen = []
    original = Forecaster._train

    def record(self, model, train_data, val_data, rng, client=None):
        seen.append(train_data[0].copy())
        return original(self, model, train_data, val_data, rng, client)

    monkeypatch.setattr(Forecaster, "_train", record)
    base = Forecaster(horizon=4, lookback=12, n_models=2, augment=0, epochs=1, random_state=0).fit(y)
    n = seen[0].shape[1]
    seen.clear()
    f = Forecaster(horizon=4, lookback=12, n_models=2, augment=2, epochs=1, random_state=0).fit(y)
    assert [x.shape[1] for x in seen] == [3 * n, 3 * n]
    np.testing.assert_array_equal(seen[0][:, :n], seen[1][:, :n])   # the series' own windows first
    assert not np.allclose(seen[0][:, n:], seen[1][:, n:])           # then copies of each network's own
    assert not np.allclose(seen[0][:, n:2 * n], seen[0][:, 2 * n:])
    assert base.epochs_ == f.epochs_ == 1


def test_epochs_default_to_one_budget_of_steps():
    y = seasonal(60)
    small = dict(horizon=4, hidden_size=4, n_models=1, random_state=0)
    assert Forecaster(**small).fit(y).epochs_ == 50                 # 100 epochs' steps over twice the windows
    assert Forecaster(augment=3, **small).fit(y).epochs_ == 25
    assert Forecaster(augment=0, **small).fit(y).epochs_ == 100
    assert Forecaster(strategy="recursive", lookback=6, **dict(small, n_models=None)).fit(y).epochs_ == 100
    for value, error, match in ((-1, ValueError, "augment must be >= 0"), (True, TypeError, "augment must be an "
                                                                           "integer")):
        with pytest.raises(error, match=match):
            Forecaster(augment=value, **small).fit(y)


def test_forecasts_average_the_networks_with_an_arima_of_the_adjusted_series():
    """combine="arima": with no log and no seasonal indices the adjusted series is the series, so the
    forecast is the plain mean of the networks' and the ARIMA's; the networks are the same either way."""
    y = seasonal()
    f = Forecaster(horizon=6, lookback=24, n_models=2, epochs=2, transform=None, deseasonalize=False,
                   random_state=0).fit(y)
    assert f.combine == "arima"
    combined = f.predict().values
    alone = f.set_params(combine=None).predict().values
    z = y.values  # a stable seasonal pattern left in (deseasonalize=False): seasonal terms are searched
    arima = _arima.forecast(_arima.fit(z, period=12), z, 6)
    np.testing.assert_allclose(combined, (alone + arima) / 2, rtol=1e-10)
    assert np.abs(combined - alone).max() > 1e-3  # the two differ: the test can tell
    long = f.set_params(combine="arima").predict(horizon=15)  # blocks past the horizon read the combined ones
    np.testing.assert_allclose(long.values[:6], combined, rtol=1e-12)


def test_combined_intervals_are_the_union_of_both_forecasts_intervals():
    """With no log and no seasonal indices: the median is the mean of the networks' and the ARIMA's; each
    interval spans the networks' interval and the same interval around the ARIMA forecast."""
    y = seasonal()
    f = Forecaster(horizon=4, lookback=24, n_models=1, epochs=2, transform=None, deseasonalize=False,
                   probabilistic=True, random_state=0).fit(y)
    levels = [0.025, 0.1, 0.5, 0.9, 0.975]
    combined = f.predict(quantiles=levels).values
    alone = f.set_params(combine=None).predict(quantiles=levels).values
    arima = _arima.forecast(_arima.fit(y.values, period=12), y.values, 4)
    np.testing.assert_allclose(combined[:, 2], (alone[:, 2] + arima) / 2, rtol=1e-10)
    np.testing.assert_allclose(f.set_params(combine="arima").predict().values, combined[:, 2], rtol=1e-10)
    lower = np.minimum(alone, alone + (arima - alone[:, 2])[:, None])   # the two intervals, as written out
    upper = np.maximum(alone, alone + (arima - alone[:, 2])[:, None])
    np.testing.assert_allclose(combined[:, :2], lower[:, :2], rtol=1e-10)
    np.testing.assert_allclose(combined[:, 3:], upper[:, 3:], rtol=1e-10)
    assert np.all(np.abs(arima - alone[:, 2]) > 1e-3)  # the two differ: the test can tell
    assert np.all(np.diff(combined, axis=1) > 0)


def test_combine_is_checked_and_saved(tmp_path):
    with pytest.raises(ValueError, match="combine"):
        Forecaster(combine="ets").fit(seasonal())
    f = Forecaster(**FAST, n_models=1).fit(seasonal())
    f.save(tmp_path / "f.nc")
    xr.testing.assert_equal(numbarnn.load(tmp_path / "f.nc").predict(), f.predict())
    # a file written before forecasts were combined forecasts as it did: the networks alone
    with xr.open_dataset(tmp_path / "f.nc", engine="scipy") as ds:
        ds = ds.load()
    state = json.loads(ds.attrs["state"])
    del state["combine"]
    params = json.loads(ds.attrs["params"])
    del params["combine"]
    ds.attrs.update(state=json.dumps(state), params=json.dumps(params))
    write_atomic(ds, tmp_path / "old.nc")
    old = numbarnn.load(tmp_path / "old.nc")
    assert old.combine is None
    xr.testing.assert_equal(old.predict(), f.set_params(combine=None).predict())


def test_a_file_from_before_the_likelihood_was_recorded_keeps_its_quantile_heads(tmp_path):
    """``likelihood=None`` meant quantile heads for the direct strategy before it meant Student-t: a file
    that does not record the likelihood loads as quantile heads and forecasts as it did."""
    f = Forecaster(**FAST, n_models=1, probabilistic=True, likelihood="quantile").fit(seasonal())
    f.save(tmp_path / "f.nc")
    with xr.open_dataset(tmp_path / "f.nc", engine="scipy") as ds:
        ds = ds.load()
    state, params = json.loads(ds.attrs["state"]), json.loads(ds.attrs["params"])
    assert state.pop("likelihood") == "quantile"
    params["likelihood"] = None
    ds.attrs.update(state=json.dumps(state), params=json.dumps(params))
    write_atomic(ds, tmp_path / "old.nc")
    old = numbarnn.load(tmp_path / "old.nc")
    assert old.likelihood is None and old.likelihood_ == "quantile"
    xr.testing.assert_equal(old.predict(quantiles=[0.1, 0.9]), f.predict(quantiles=[0.1, 0.9]))
    new = Forecaster(**FAST, n_models=1, probabilistic=True).fit(seasonal())
    new.save(tmp_path / "new.nc")
    assert numbarnn.load(tmp_path / "new.nc").likelihood_ == "student_t"


def test_box_cox_by_default_and_the_log_for_files_from_before_it(tmp_path):
    """``transform="auto"`` takes each positive series' Box-Cox parameter by Guerrero's method; a file
    written before that (no ``auto_box_cox`` in its state) loads with the log and forecasts as it did."""
    y = seasonal()
    f = Forecaster(**FAST, n_models=1).fit(y)
    v = y.values[:, None, None]
    _, prep = core.direct_prepare(v, np.array([0]), np.array([len(v) - 1]), 12, "auto", "auto")
    assert prep["lambda"][0, 0] == core.box_cox_lambda(y.values, 12) > 0  # the test can tell it from the log
    f.save(tmp_path / "f.nc")
    assert numbarnn.load(tmp_path / "f.nc").auto_box_cox_
    with xr.open_dataset(tmp_path / "f.nc", engine="scipy") as ds:
        ds = ds.load()
    state = json.loads(ds.attrs["state"])
    assert state.pop("auto_box_cox") is True
    ds.attrs.update(state=json.dumps(state))
    write_atomic(ds, tmp_path / "old.nc")
    old = numbarnn.load(tmp_path / "old.nc")
    assert not old.auto_box_cox_
    boxed = f.predict()
    f.auto_box_cox_ = False  # the same weights reading log windows: what the file's version forecast
    xr.testing.assert_equal(old.predict(), f.predict())
    assert np.abs(old.predict().values - boxed.values).max() > 1e-6
    f.auto_box_cox_ = True
    forced = Forecaster(**FAST, n_models=1, transform="box-cox").fit(y)
    xr.testing.assert_allclose(forced.predict(), f.predict())
    with pytest.raises(ValueError, match="transform='box-cox' needs positive data"):
        Forecaster(**FAST, n_models=1, transform="box-cox").fit(y - 20)


def test_each_series_gets_the_arima_of_its_own_span():
    """Series of different lengths in one panel: each ARIMA reads only its own valid span; a series too
    short for one (fewer than 3 values) keeps the networks' forecast; a constant series is its own; seasonal
    terms where three seasons show a seasonal pattern."""
    y = seasonal(60)
    a = y.values
    b = a.copy()
    b[:30] = np.nan
    d = a.copy()
    d[:58] = np.nan
    panel = xr.DataArray(np.stack([a, b, np.full(60, 3.0), d], 1), dims=("time", "s"),
                         coords={"time": y.time, "s": list("abcd")})
    f = Forecaster(horizon=4, lookback=8, n_models=1, epochs=2, transform=None, deseasonalize=False,
                   random_state=0).fit(panel)
    combined = f.predict().transpose("s", "time").values
    alone = f.set_params(combine=None).predict().transpose("s", "time").values
    for s, z, period in ((0, a, 12), (1, b[30:], 1), (2, np.full(60, 3.0), 1)):
        arima = _arima.forecast(_arima.fit(z, period=period), z, 4)
        np.testing.assert_allclose(combined[s], (alone[s] + arima) / 2, rtol=1e-10)
    np.testing.assert_array_equal(combined[3], alone[3])
