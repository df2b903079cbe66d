"""Lazy prediction over dask-backed DataArrays: equal to the in-memory result, nothing computed early."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import numbarnn

dask = pytest.importorskip("dask")
from dask.callbacks import Callback  # noqa: E402


class _Count(Callback):
    """Counts the dask tasks that run inside the ``with`` block."""

    def __init__(self):
        super().__init__()
        self.tasks = 0

    def _pretask(self, key, dsk, state):
        self.tasks += 1


def _grid():
    rng = np.random.default_rng(0)
    time = pd.date_range("2000-01-01", periods=72, freq="MS")
    values = 10 + np.sin(np.arange(72) / 2)[None, None, :] + rng.standard_normal((3, 4, 72))
    return xr.DataArray(values, dims=("lat", "lon", "time"),
                        coords={"lat": [10.0, 20.0, 30.0], "lon": ["a", "b", "c", "d"], "time": time,
                                "land": (("lat", "lon"), rng.random((3, 4)) > 0.5)},
                        name="sst", attrs={"units": "degC"})


@pytest.mark.parametrize("params", [dict(n_models=2), dict(probabilistic=True, n_models=1),
                                    dict(difference=1, lookback=12)])
def test_chunked_forecast_is_lazy_and_equals_the_eager_one(params):
    y = _grid()
    f = numbarnn.Forecaster(horizon=4, epochs=2, hidden_size=8, random_state=0, **params).fit(y)
    chunked = y.chunk({"lat": 2, "lon": 3})
    quantiles = [0.1, 0.5, 0.9] if params.get("probabilistic") else None
    with _Count() as count:
        lazy = f.predict(y=chunked, quantiles=quantiles)
    assert count.tasks == 0 and lazy.chunks is not None  # a graph, not a result
    assert lazy.chunksizes["lat"] == (2, 1) and lazy.chunksizes["lon"] == (3, 1)
    xr.testing.assert_identical(lazy.compute(), f.predict(y=y, quantiles=quantiles))  # bitwise, labels too


def test_chunked_forecast_of_series_without_coordinates():
    """Series labelled by position only: each chunk's forecast carries its own rows' positions, as the
    in-memory forecast labels them (map_blocks refused the blocks' 0-based labels before)."""
    y = _grid().drop_vars(["lat", "lon", "land"])
    f = numbarnn.Forecaster(horizon=3, epochs=1, hidden_size=4, n_models=1, random_state=0).fit(y)
    xr.testing.assert_identical(f.predict(y=y.chunk({"lat": 2, "lon": 3})).compute(), f.predict(y=y))


def test_an_in_memory_forecast_has_no_lazy_coordinate():
    """A dask-backed coordinate (not the data) of an in-memory y is computed: the forecast is all in memory."""
    y = _grid().isel(lat=0)
    y = y.assign_coords(land=y.land.chunk({"lon": 2}))
    f = numbarnn.Forecaster(horizon=3, epochs=1, hidden_size=4, n_models=1, random_state=0).fit(y)
    for out in (f.predict(), f.predict(y=y)):
        assert all(c.chunks is None for c in out.coords.values()) and out.chunks is None
        np.testing.assert_array_equal(out.land.values, y.land.values)


def test_chunked_forecast_refuses_covariates():
    y = _grid().isel(lat=0)
    f = numbarnn.Forecaster(horizon=3, epochs=1, hidden_size=4, n_models=1, random_state=0).fit(y)
    with pytest.raises(ValueError, match="dask-backed y takes no X yet"):
        f.predict(y=y.chunk({"lon": 2}), X=np.zeros((75, 1)))


def _sequences():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 12, 2))
    X[::3, 9:] = np.nan  # some shorter sequences
    return xr.DataArray(X, dims=("sample", "time", "feature"),
                        coords={"sample": [f"id{i}" for i in range(40)], "time": np.arange(12)})


@pytest.mark.parametrize("kind", ["classifier", "regressor", "tagger"])
def test_chunked_sequences_predict_lazily_and_equal_the_eager_result(kind):
    X = _sequences()
    values = np.nan_to_num(X.values)
    if kind == "classifier":
        est = numbarnn.SequenceClassifier(hidden_size=8, epochs=2, random_state=0)
        est.fit(X, np.where(values[:, :, 0].sum(1) > 0, "up", "down"))
    elif kind == "regressor":
        est = numbarnn.SequenceRegressor(hidden_size=8, epochs=2, random_state=0).fit(X, values.sum(axis=(1, 2)))
    else:  # one target per timestep
        est = numbarnn.SequenceRegressor(hidden_size=8, epochs=2, random_state=0).fit(X, values[:, :, 0].cumsum(1))
    chunked = X.chunk({"sample": 15})
    methods = ["predict", "predict_proba"] if kind == "classifier" else ["predict"]
    for method in methods:
        with _Count() as count:
            lazy = getattr(est, method)(chunked)
        assert count.tasks == 0 and lazy.chunksizes["sample"] == (15, 15, 10)
        xr.testing.assert_identical(lazy.compute(), getattr(est, method)(X))
