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


def test_chunked_forecast_refuses_covariates():
    y = _grid().isel(lat=0)
    f = numbarnn.Forecaster(horizon=3, epochs=1, hidden_size=4, n_models=1, random_state=0).fit(y)
    with pytest.raises(ValueError, match="dask-backed y takes no X yet"):
        f.predict(y=y.chunk({"lon": 2}), X=np.zeros((75, 1)))
