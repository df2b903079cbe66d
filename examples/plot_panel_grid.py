"""
A panel of series on an xarray grid
===================================

Every dimension of ``y`` other than time is a set of series: a (time, lat,
lon) field trains one forecaster over all its cells, each put on its own
footing (a log where positive, its own seasonal indices, its own scale), and
the forecast comes back on the same grid, in the same dimension order, with
the same coordinates. The field here is made up so that the cells differ in
level, amplitude, phase and trend. About 5 seconds on 2 cores.
"""

import numpy as np
import pandas as pd
import xarray as xr

import numbarnn
from numbarnn import metrics
import matplotlib.pyplot as plt

rng = np.random.default_rng(0)
time = pd.date_range("2000-01-01", periods=120, freq="MS")
lat, lon = np.array([10.0, 20.0, 30.0]), np.array([100.0, 110.0, 120.0, 130.0])
t = np.arange(time.size)[:, None, None]
level = 20 + 0.5 * lat[None, :, None] + 0.05 * lon[None, None, :]
amplitude = 1 + lat[None, :, None] / 10
phase = lon[None, None, :] / 40
field = level + amplitude * np.sin(2 * np.pi * t / 12 + phase) + 0.01 * lat[None, :, None] * t / 12
field = field + 0.3 * rng.standard_normal(field.shape)
y = xr.DataArray(field, dims=("time", "lat", "lon"), coords={"time": time, "lat": lat, "lon": lon},
                 name="temperature", attrs={"units": "degC"})

train, test = y[:-12], y[-12:]
model = numbarnn.Forecaster(horizon=12, n_models=3, epochs=40, random_state=0).fit(train)
forecast = model.predict()
print(forecast.dims, dict(forecast.sizes), forecast.attrs["units"])

# %%
# The MASE of every cell (below 1: better than the same month last year)
score = xr.apply_ufunc(lambda a, f, h: metrics.mase(a, f, h, m=12), test, forecast, train,
                       input_core_dims=[["time"], ["time"], ["time"]], exclude_dims={"time"}, vectorize=True)
print(score.round(2).to_pandas())

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 3.6))
score.plot(ax=ax0, cmap="viridis", vmin=0)
ax0.set_title("MASE per cell, last 12 months held out")
cell = dict(lat=30.0, lon=130.0)
y.sel(cell)[-48:].plot(ax=ax1, color="0.3", label="observed")
forecast.sel(cell).plot(ax=ax1, color="tab:blue", label="forecast")
ax1.set_title("one cell: lat 30, lon 130")
ax1.legend()
fig.tight_layout()
