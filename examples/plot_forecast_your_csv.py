"""
Forecast a CSV file, backtest it, and draw intervals
====================================================

From a CSV file of dates and values to a forecast with 80% and 95%
intervals: read the file with pandas, fit the forecaster as it comes, check
it on the past with a rolling-origin backtest, and turn the backtest's errors
into intervals (split conformal prediction). About 10 seconds on 2 cores.
"""

# %%
# Your file
# ---------
# Here the bundled Mauna Loa CO2 record is written to a CSV file to stand in
# for yours: a date column first, a value column after it.
import os
import tempfile

import pandas as pd

import numbarnn
from numbarnn import datasets, plotting

folder = tempfile.mkdtemp()
path = os.path.join(folder, "co2.csv")
datasets.co2().to_series().rename("co2").to_csv(path)
print(open(path).read()[:120])

# %%
# Read it and fit
# ---------------
# ``parse_dates`` gives a DatetimeIndex, from which the forecaster reads the
# seasonal period (12 for monthly data). Only the horizon and the seed are set.
y = pd.read_csv(path, index_col=0, parse_dates=True)["co2"]
model = numbarnn.Forecaster(horizon=12, random_state=0).fit(y)
forecast = model.predict()
print(model.season_length_, model.strategy_, model.member_lookbacks_)
print(forecast.round(2).head())

# %%
# Backtest
# --------
# Forecasts from an origin every three months over the last four years, each
# made only from the data before it (``retrain=False``: one fit, at the first
# origin). The table is each origin's MASE (below 1 beats seasonal naive).
quick = numbarnn.Forecaster(horizon=12, epochs=20, n_models=1, random_state=0)
bt = numbarnn.backtest(quick, y.to_xarray(), start=len(y) - 60, stride=3, retrain=False)
print(bt.mase.to_series().round(2).to_string())
print("mean absolute error by lead time (ppm):", bt.mae_by_step.values.round(2))

# %%
# Intervals and the picture
# -------------------------
# At each lead time the intervals are the forecast plus and minus a quantile
# of the backtest's absolute errors there.
latest = quick.fit(y.to_xarray()).predict()
bands = {f"{level:.0%} interval": numbarnn.conformal_interval(bt, latest, level=level) for level in (0.8, 0.95)}
plotting.plot_backtest(y.to_xarray()[-72:], bt, forecast=latest, intervals=bands,
                       title="CO2: forecasts from every origin, and the next year with 80% / 95% intervals")
