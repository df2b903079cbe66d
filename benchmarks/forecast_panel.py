"""Dev-panel forecast benchmark: the default ``numbarnn.Forecaster`` against classical baselines.

A panel of 24 real monthly, quarterly and yearly series that ship offline inside
numbarnn, statsmodels, pmdarima and sktime (see ``PANEL`` below for each
series' loader, period and provenance). Each series holds out its last ``h``
values, as the M-competitions do: 18 (monthly), 8 (quarterly), 6 (yearly).
Per series and method the script reports holdout MASE (scale: the in-sample
mean absolute error of the seasonal-naive forecast at lag ``m``; lag 1 for
yearly series) and sMAPE (percent), for

- ``snaive``: seasonal naive (naive for ``m = 1``);
- ``ets``:   statsmodels ``ETSModel``, chosen by AICc over error {A, M},
  trend {N, A, Ad} and season {N, A, M}, with the restrictions of R's
  ``forecast::ets`` (the M4 "ets" benchmark): no additive error with a
  multiplicative season, and nothing multiplicative unless the series is
  strictly positive;
- ``arima``: pmdarima ``auto_arima(seasonal=m > 1, m=m)`` (a small statsmodels
  AICc grid when pmdarima is missing);
- ``theta``: statsmodels ``ThetaModel(period=m)`` (it tests for seasonality
  and deseasonalises when the test says so);
- ``comb``:  the mean of the ets, arima and theta forecasts (only where all three exist);
- ``numbarnn``: ``Forecaster(**forecaster_kwargs, horizon=h, random_state=seed)``,
  fitted on the training part as an xarray DataArray over a pandas
  DatetimeIndex (``--input numpy`` feeds the bare values instead; both work
  and give the same forecast), once per seed. Its MASE is the mean over seeds;
  ``spread`` is (max - min) / mean of the seeds' MASEs. ``nb_ens`` (JSON
  only) is the MASE of the seeds' mean forecast.

The baselines' packages are optional: a missing one skips that method (or
the series it would load) with a note. A method that fails on one series is
recorded with its error and the run goes on. The first numbarnn fit compiles
Numba kernels; a warm-up fit on a synthetic series takes that cost first,
and its seconds are reported apart from the timed fits.

Run, from the repository root, with one thread (the default this script sets
when the variables are unset)::

    NUMBA_NUM_THREADS=1 python benchmarks/forecast_panel.py \\
        --out benchmarks/results/forecast-panel-defaults.json

    python benchmarks/forecast_panel.py --quick --seeds 0
    python benchmarks/forecast_panel.py --series airpassengers nile \\
        --forecaster-kwargs '{"difference": 12, "epochs": 200}'
    python benchmarks/forecast_panel.py --list

Other splits of the same series, to check that a choice made on the default
split holds: ``--origin-back K`` holds out the ``K``-th horizon before the
default holdout (points no choice tuned on the default split looked at), and
``--max-train 126 44 20`` keeps only each series' most recent monthly /
quarterly / yearly training points, series as short as the M3 competition's::

    python benchmarks/forecast_panel.py --origin-back 1 --out benchmarks/results/forecast-panel-back1.json
    python benchmarks/forecast_panel.py --max-train 126 44 20 --out benchmarks/results/forecast-panel-short.json

Needs ``pip install statsmodels pmdarima sktime`` for the baselines and for
the series those packages ship.
"""

import argparse
import importlib
import importlib.resources
import importlib.util
import itertools
import json
import math
import os
import platform
import subprocess
import sys
import time
import traceback
import warnings

import numpy as np
import pandas as pd

HORIZON = {12: 18, 4: 8, 1: 6}              # M-competition holdouts by seasonal period
FREQ = {12: "MS", 4: "QS", 1: "YS"}         # the time coordinate given to numbarnn
MIN_TRAIN = {12: 42, 4: 16, 1: 13}          # the M4 minimum training lengths (also >= 3 seasons)
QUICK = ["airpassengers", "wineind", "elec_equip", "austres", "us_infl", "nile", "lynx"]
BASELINES = ["snaive", "ets", "arima", "theta", "comb"]
PUBLIC = "public domain (as the package states)"


# -- loaders: each returns a float pandas Series over a DatetimeIndex ------------------------


def _pkg(name):
    """Import an optional package; a missing one raises ImportError with a clear note."""
    try:
        return importlib.import_module(name)
    except ImportError as e:
        raise ImportError(f"package {name.split('.')[0]!r} is not installed") from e


def _series(values, start, m, name):
    values = np.asarray(values, dtype=float)
    index = pd.date_range(start, periods=len(values), freq=FREQ[m], name="time")
    return pd.Series(values, index=index, name=name)


def _from_dataarray(da):
    return pd.Series(da.values.astype(float), index=pd.DatetimeIndex(da["time"].values, name="time"))


def _numbarnn(fn, *args, feature=None, annual=False, tail=None):
    def load():
        from numbarnn import datasets
        da = getattr(datasets, fn)(*args)
        if feature is not None:
            da = da.sel(feature=feature)
        y = _from_dataarray(da)
        if annual:  # the mean of each complete calendar year
            counts = y.groupby(y.index.year).count()
            full = counts.index[counts == counts.max()]
            y = y.groupby(y.index.year).mean().loc[full]
            y = _series(y.values, f"{y.index[0]}-01-01", 1, fn)
        return y if tail is None else y.iloc[-tail:]
    return load


def _statsmodels(module, column, m, start=None):
    def load():
        data = _pkg(f"statsmodels.datasets.{module}").load_pandas().data
        y = data[column]
        if start is None:  # already a DatetimeIndex
            return y.astype(float)
        return _series(y.to_numpy(), start, m, column)
    return load


def _us_fertility():
    df = _pkg("statsmodels.datasets.fertility").load_pandas().data
    row = df.set_index("Country Name").loc["United States"]
    years = [c for c in df.columns if c.isdigit()]
    y = pd.to_numeric(row[years]).dropna()
    return _series(y.to_numpy(), f"{y.index[0]}-01-01", 1, "fertility")


def _pmdarima(fn, start, m):
    def load():
        y = getattr(_pkg("pmdarima.datasets"), fn)(as_series=True).dropna()
        return _series(y.to_numpy(), start, m, fn[5:])
    return load


def _msft_monthly_close():
    df = _pkg("pmdarima.datasets").load_msft()
    close = df.set_index(pd.to_datetime(df["Date"]))["Close"].astype(float)
    last_day = close.index[-1]
    monthly = close.resample("MS").last()
    if last_day.days_in_month - last_day.day > 3:  # drop the incomplete last month (to Nov 10, 2017)
        monthly = monthly.iloc[:-1]
    return _series(monthly.to_numpy(), monthly.index[0], 12, "msft")


def _sktime(fn, m, column=None):
    def load():
        out = getattr(_pkg("sktime.datasets"), fn)()
        y = out[0] if isinstance(out, tuple) else out
        if column is not None:
            y = y[column]
        if isinstance(y.index, pd.PeriodIndex):
            return _series(y.to_numpy(), y.index[0].to_timestamp(), m, fn[5:])
        return y
    return load


def _uschange(column=None):
    """A loader of uschange's target (consumption) or of one of its other columns."""
    def load():
        y, X = _pkg("sktime.datasets").load_uschange()  # 1970 Q1 .. 2016 Q3 (the CSV's Quarter column)
        series = y if column is None else X[column]
        return _series(series.to_numpy(), "1970-01-01", 4, column or "consumption")
    return load


def _seatbelts():
    files = importlib.resources.files(_pkg("sktime.datasets")).joinpath("data", "seatbelts", "seatbelts.csv")
    with files.open("r") as f:
        df = pd.read_csv(f, index_col=0, parse_dates=True)
    return _series(df["KSI"].to_numpy(), df.index[0], 12, "KSI")



def entry(name, m, source, loader, load, licence, kind, note=""):
    return {"name": name, "m": m, "source": source, "loader": loader, "load": load, "licence": licence,
            "kind": kind, "note": note}


PANEL = [
    # -- monthly, m = 12, h = 18 ----------------------------------------------------------------
    entry("co2", 12, "numbarnn", "numbarnn.datasets.co2()", _numbarnn("co2"), PUBLIC,
          "trend + seasonal, positive", "Mauna Loa CO2 (SIO/CDIAC); statsmodels' weekly co2 averaged to "
          "months by numbarnn, empty months interpolated"),
    entry("elnino", 12, "numbarnn", "numbarnn.datasets.elnino()", _numbarnn("elnino"), PUBLIC,
          "seasonal + ENSO cycles, positive", "Nino 1+2 SST, NOAA ERSST.V3B via statsmodels elnino"),
    entry("sunspots_monthly", 12, "numbarnn", 'numbarnn.datasets.sunspots("monthly"), last 720',
          _numbarnn("sunspots", "monthly", tail=720), PUBLIC, "cyclic (~11 y), noisy, non-negative",
          "NOAA NGDC via statsmodels; cut to the last 60 years (1949-07..2009-06): on all 3126 points "
          "auto_arima alone takes ~7 min"),
    entry("airpassengers", 12, "sktime", "sktime.datasets.load_airline()", _sktime("load_airline", 12),
          "not stated (sktime BSD-3; Box & Jenkins series G, also R datasets::AirPassengers)",
          "trend + multiplicative seasonal", "1949-01..1960-12"),
    entry("wineind", 12, "pmdarima", "pmdarima.datasets.load_wineind()", _pmdarima("load_wineind", "1980-01", 12),
          "not stated (pmdarima MIT; from R forecast::wineind)", "seasonal, noisy", "Australian wine sales "
          "1980-01..1994-08"),
    entry("uk_driver_ksi", 12, "sktime", "sktime/datasets/data/seatbelts/seatbelts.csv (KSI column)",
          _seatbelts, "not stated (sktime BSD-3; R datasets::UKDriverDeaths, Harvey & Durbin 1986)",
          "seasonal, level shift (seat-belt law 1983-02)", "car drivers killed or seriously injured, "
          "GB 1969-01..1984-12; read from the CSV sktime ships (no public loader)"),
    entry("elec_equip", 12, "statsmodels", "statsmodels.datasets.elec_equip", _statsmodels(
        "elec_equip", "STS.M.I7.W.TOVT.NS0016.4.000", 12), PUBLIC, "seasonal + business cycle (2008 drop)",
          "EU manufacture of electrical equipment, new orders index, Eurostat, 1995-01 on"),
    entry("msft_close", 12, "pmdarima", "pmdarima.datasets.load_msft(), month-end close", _msft_monthly_close,
          "not stated (pmdarima MIT; Kaggle 'price-volume data for all US stocks & ETFs')",
          "random walk with trend, positive", "daily closes 1986-03-13..2017-11-10 -> last close of each "
          "month (the usual monthly price series), incomplete 2017-11 dropped"),
    # -- quarterly, m = 4, h = 8 ------------------------------------------------------------------
    entry("ausbeer", 4, "pmdarima", "pmdarima.datasets.load_ausbeer()", _pmdarima("load_ausbeer", "1956-01", 4),
          "not stated (pmdarima MIT; from R fpp::ausbeer, ABS)", "seasonal, trend then decline",
          "Australian beer production 1956Q1..2008Q3 (trailing NaN dropped)"),
    entry("austres", 4, "pmdarima", "pmdarima.datasets.load_austres()", _pmdarima("load_austres", "1971-04", 4),
          "not stated (pmdarima MIT; from R datasets::austres)", "smooth trend, positive",
          "Australian residents (thousands) 1971Q2..1993Q2, as R's ts has it"),
    entry("woolyrnq", 4, "pmdarima", "pmdarima.datasets.load_woolyrnq()",
          _pmdarima("load_woolyrnq", "1965-01", 4), "not stated (pmdarima MIT; from R forecast::woolyrnq, ABS)",
          "seasonal, noisy, level changes", "Australian woollen yarn production 1965Q1..1994Q3"),
    entry("uschange_consumption", 4, "sktime", "sktime.datasets.load_uschange()[0]", _uschange(),
          "not stated (sktime BSD-3; R fpp2::uschange)", "noisy growth rate, sign-changing",
          "% change of US personal consumption, 1970Q1..2016Q3"),
    entry("us_realgdp", 4, "numbarnn", 'numbarnn.datasets.us_macro().sel(feature="realgdp")',
          _numbarnn("us_macro", feature="realgdp"), PUBLIC, "trend, positive", "FRED via statsmodels macrodata"),
    entry("us_unemp", 4, "numbarnn", 'numbarnn.datasets.us_macro().sel(feature="unemp")',
          _numbarnn("us_macro", feature="unemp"), PUBLIC, "cyclic, positive", "BLS via statsmodels macrodata; "
          "the holdout is the 2008-09 rise"),
    entry("us_infl", 4, "numbarnn", 'numbarnn.datasets.us_macro().sel(feature="infl")',
          _numbarnn("us_macro", feature="infl"), PUBLIC, "noisy, sign-changing", "FRED via statsmodels macrodata"),
    entry("danish_lrm", 4, "statsmodels", "statsmodels.datasets.danish_data (lrm)",
          _statsmodels("danish_data", "lrm", 4), PUBLIC, "trend + seasonal, short (55)",
          "log real money M2, Denmark 1974Q1..1987Q3 (Johansen & Juselius 1990)"),
    entry("german_infl", 4, "statsmodels", "statsmodels.datasets.interest_inflation (Dp)",
          _statsmodels("interest_inflation", "Dp", 4, start="1972-04-01"),
          "not stated (the module's COPYRIGHT reads '...'; JMulTi data set e6)", "seasonal, noisy, sign-changing",
          "quarterly inflation (log-difference of the GDP deflator), West Germany 1972Q2..1998Q4"),
    # -- yearly, m = 1, h = 6 -----------------------------------------------------------------------
    entry("sunspots_yearly", 1, "numbarnn", "numbarnn.datasets.sunspots()", _numbarnn("sunspots"), PUBLIC,
          "cyclic (~11 y), non-negative", "NOAA NGDC via statsmodels, 1700..2008"),
    entry("nile", 1, "statsmodels", "statsmodels.datasets.nile (volume)", _statsmodels("nile", "volume", 1,
                                                                                      start="1871-01-01"),
          PUBLIC, "level shift (1898), noisy", "Nile flow at Aswan 1871..1970 (Cobb 1978)"),
    entry("lynx", 1, "sktime", "sktime.datasets.load_lynx()", _sktime("load_lynx", 1),
          "not stated (sktime BSD-3; R datasets::lynx, Brockwell & Davis 1991)", "cyclic (~10 y), positive",
          "Canadian lynx trappings 1821..1934"),
    entry("co2_annual", 1, "numbarnn", "numbarnn.datasets.co2(), calendar-year means", _numbarnn("co2", annual=True),
          PUBLIC, "smooth accelerating trend", "the monthly co2 series averaged over complete years 1959..2001"),
    entry("us_realint_annual", 1, "numbarnn", 'numbarnn.datasets.us_macro().sel(feature="realint"), year means',
          _numbarnn("us_macro", feature="realint", annual=True), PUBLIC, "noisy, sign-changing",
          "US real interest rate, means of the four quarters of 1959..2008 (2009 incomplete, dropped)"),
    entry("us_fertility", 1, "statsmodels", 'statsmodels.datasets.fertility, "United States" row', _us_fertility,
          "World Bank terms of use (as the module states)", "trend reversal, positive",
          "total fertility rate (births per woman), 1960..2011"),
    entry("copper_consumption", 1, "statsmodels", "statsmodels.datasets.copper (WORLDCONSUMPTION)",
          _statsmodels("copper", "WORLDCONSUMPTION", 1, start="1951-01-01"),
          "used with permission of the author, who retains all rights (as the module states)",
          "short (25), trend", "world copper consumption 1951..1975 (Gill, GLMs); shorter than numbarnn's "
          "default lookback"),
]
# Looked at and left out: sktime's PBS_dataset (immune sera scripts: intermittent, and all zero over its last
# three years, so the holdout is all zeros and seasonal naive scores exactly 0), sktime's shampoo sales
# (36 months < 42 + 18), statsmodels' longley (16 years < 13 + 6),
# pmdarima's gasoline (weekly; fetched from the web, not bundled), pmdarima's heartrate and taylor (sub-hourly,
# no natural monthly aggregate), pmdarima's sunspots (the same record as numbarnn's), sktime's macroeconomic
# (statsmodels' macrodata again).


def _grunfeld(firm):
    def load():
        df = _pkg("statsmodels.datasets.grunfeld").load_pandas().data
        rows = df[df["firm"] == firm].sort_values("year")
        return _series(rows["invest"].to_numpy(), f"{int(rows['year'].iloc[0])}-01-01", 1, "invest")
    return load


MACRO = {"realcons": "real personal consumption", "realinv": "real private investment", "realgovt":
         "real government spending", "realdpi": "real disposable income", "cpi": "consumer price index",
         "m1": "M1 money stock", "tbilrate": "3-month T-bill rate", "pop": "population"}
GRUNFELD = ["General Motors", "US Steel", "General Electric", "Chrysler", "Atlantic Refining", "IBM",
            "Union Oil", "Westinghouse", "Goodyear", "Diamond Match", "American Steel"]

# A second panel that no default was chosen on (``--panel check``): assembled after the choices it checks,
# and only run, never tuned on. Quarterly and yearly series, the frequencies where the defaults are weakest.
CHECK = [
    *[entry(f"macro_{col}", 4, "statsmodels", f"statsmodels.datasets.macrodata ({col})",
            _statsmodels("macrodata", col, 4, start="1959-01-01"), PUBLIC, "US quarterly macro",
            f"US {what}, 1959Q1..2009Q3 (FRED)") for col, what in MACRO.items()],
    *[entry(f"uschange_{col.lower()}", 4, "sktime", f"sktime.datasets.load_uschange()[1] ({col})",
            _uschange(col), "not stated (sktime BSD-3; R fpp2::uschange)", "noisy growth rate",
            f"% change of US {col.lower()}, 1970Q1..2016Q3") for col in ("Income", "Production", "Savings",
                                                                         "Unemployment")],
    *[entry(f"danish_{col}", 4, "statsmodels", f"statsmodels.datasets.danish_data ({col})",
            _statsmodels("danish_data", col, 4), PUBLIC, "short (55)",
            f"Denmark 1974Q1..1987Q3, {what} (Johansen & Juselius 1990)")
      for col, what in (("lry", "log real income"), ("lpy", "log prices"), ("ibo", "bond rate"),
                        ("ide", "deposit rate"))],
    entry("german_interest", 4, "statsmodels", "statsmodels.datasets.interest_inflation (R)",
          _statsmodels("interest_inflation", "R", 4, start="1972-04-01"),
          "not stated (the module's COPYRIGHT reads '...'; JMulTi data set e6)", "interest rate",
          "West German nominal long-term interest rate 1972Q2..1998Q4"),
    *[entry(f"grunfeld_{firm.lower().replace(' ', '_')}", 1, "statsmodels",
            f"statsmodels.datasets.grunfeld ({firm}, invest)", _grunfeld(firm), PUBLIC, "short (20), yearly",
            f"gross investment of {firm}, 1935..1954 (Grunfeld 1958)") for firm in GRUNFELD],
]


# -- accuracy ---------------------------------------------------------------------------------------


def mase_scale(train, m):
    train = np.asarray(train, float)
    return float(np.mean(np.abs(train[m:] - train[:-m])))


def mase(actual, forecast, scale):
    return float(np.mean(np.abs(np.asarray(actual) - np.asarray(forecast))) / scale)


def smape(actual, forecast):
    """Symmetric MAPE in percent, 200/h * sum |y - f| / (|y| + |f|); a 0/0 term counts 0."""
    a, f = np.asarray(actual, float), np.asarray(forecast, float)
    den = np.abs(a) + np.abs(f)
    terms = np.divide(2 * np.abs(a - f), den, out=np.zeros_like(den), where=den > 0)
    return float(100 * terms.mean())


# -- methods: each takes (train Series, m, h) and returns an (h,) array ------------------------------


def seasonal_naive(train, m, h):
    last = np.asarray(train, float)[-m:]
    return np.array([last[i % m] for i in range(h)])


def ets(train, m, h):
    """forecast::ets-style automatic ETS by AICc (no multiplicative trend, restricted combinations)."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y = np.asarray(train, float)
    positive = bool(np.all(y > 0))
    errors = ["add", "mul"] if positive else ["add"]
    seasons = [None] + ((["add", "mul"] if positive else ["add"]) if m > 1 else [])
    best, tried = None, []
    for error, (trend, damped), season in itertools.product(
            errors, [(None, False), ("add", False), ("add", True)], seasons):
        if error == "add" and season == "mul":
            continue
        label = f"{error[0].upper()},{'N' if trend is None else 'Ad' if damped else 'A'},{'N' if season is None else season[0].upper()}"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = ETSModel(y, error=error, trend=trend, damped_trend=damped, seasonal=season,
                               seasonal_periods=m if season else None).fit(disp=False)
                forecast = np.asarray(fit.forecast(h), float)
        except Exception as e:  # one candidate failing is not the method failing
            tried.append((label, f"failed: {type(e).__name__}"))
            continue
        tried.append((label, float(fit.aicc)))
        if np.isfinite(fit.aicc) and np.all(np.isfinite(forecast)) and (best is None or fit.aicc < best[0]):
            best = (float(fit.aicc), label, forecast)
    if best is None:
        raise RuntimeError(f"no ETS candidate fitted: {tried}")
    return best[2], f"ETS({best[1]})"


def arima(train, m, h):
    y = np.asarray(train, float)
    try:
        pm = importlib.import_module("pmdarima")
    except ImportError:
        return _arima_statsmodels(y, m, h)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = pm.auto_arima(y, seasonal=m > 1, m=m, suppress_warnings=True, error_action="ignore")
        forecast = np.asarray(model.predict(n_periods=h), float)
    return forecast, f"ARIMA{model.order}{model.seasonal_order if m > 1 else ''}"


def _arima_statsmodels(y, m, h):
    """Fallback without pmdarima: d by KPSS, seasonal D = 1 when m > 1 and the seasonal lag-m
    autocorrelation is strong, then p, q in 0..2 (P, Q in 0..1) by AICc."""
    from statsmodels.tsa.arima.model import ARIMA
    from statsmodels.tsa.stattools import acf, kpss

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        D = int(m > 1 and len(y) > 3 * m and acf(y, nlags=m)[m] > 0.64)
        z = y[m:] - y[:-m] if D else y
        d = 0
        while d < 2 and kpss(np.diff(z, d) if d else z, nlags="auto")[1] < 0.05:
            d += 1
        best = None
        for p, q in itertools.product(range(3), range(3)):
            for P, Q in (itertools.product(range(2), range(2)) if m > 1 else [(0, 0)]):
                try:
                    fit = ARIMA(y, order=(p, d, q), seasonal_order=(P, D, Q, m) if m > 1 else (0, 0, 0, 0),
                                trend="c" if d + D == 0 else "n").fit()
                except Exception:
                    continue
                if np.isfinite(fit.aicc) and (best is None or fit.aicc < best[0]):
                    best = (fit.aicc, (p, d, q), (P, D, Q, m), fit)
    if best is None:
        raise RuntimeError("no ARIMA candidate fitted")
    return np.asarray(best[3].forecast(h), float), f"statsmodels ARIMA{best[1]}{best[2] if m > 1 else ''}"


def theta(train, m, h):
    from statsmodels.tsa.forecasting.theta import ThetaModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ThetaModel(np.asarray(train, float), period=m, deseasonalize=m > 1).fit()
        forecast = np.asarray(fit.forecast(h), float)
    return forecast, f"Theta(period={m})"


def _call(fn, train, m, h):
    """Run a method: (forecast or None, label, error or None, seconds)."""
    start = time.perf_counter()
    try:
        out = fn(train, m, h)
        forecast, label = out if isinstance(out, tuple) else (out, fn.__name__)
        forecast = np.asarray(forecast, float)
        if forecast.shape != (h,) or not np.all(np.isfinite(forecast)):
            raise RuntimeError(f"non-finite or mis-shaped forecast {forecast.tolist()}")
        return forecast, label, None, time.perf_counter() - start
    except Exception as e:
        return None, None, f"{type(e).__name__}: {e}", time.perf_counter() - start


def skipped_because(reason):
    def skipped(train, m, h):
        raise RuntimeError(f"skipped: {reason}")
    return skipped


def missing_package(name):
    return skipped_because(f"{name} is not installed")


# -- numbarnn -----------------------------------------------------------------------------------


def numbarnn_input(train, kind):
    if kind == "numpy":
        return train.to_numpy(dtype=float)
    import xarray as xr
    return xr.DataArray(train.to_numpy(dtype=float), dims="time",
                        coords={"time": pd.DatetimeIndex(train.index, name="time")}, name="y")


def numbarnn_forecast(train, h, seed, kwargs, kind):
    from numbarnn import Forecaster

    params = dict(kwargs, horizon=h, random_state=seed)
    forecaster = Forecaster(**params).fit(numbarnn_input(train, kind))
    epochs = int(forecaster.history_.sizes.get("epoch", 0))
    return np.asarray(forecaster.predict(), float).reshape(-1), f"{epochs} epochs"


def warm_up(kwargs, kind):
    """Compile numbarnn's kernels once on a synthetic monthly series; return (seconds, error)."""
    t = np.arange(240)
    y = pd.Series(10 + np.sin(2 * np.pi * t / 12) + 0.01 * t,
                  index=pd.date_range("2000-01-01", periods=len(t), freq="MS", name="time"))
    short = dict(kwargs, epochs=2)
    _, _, error, seconds = _call(lambda tr, m, h: numbarnn_forecast(tr, h, 0, short, kind), y, 12, 12)
    return seconds, error


# -- the run ----------------------------------------------------------------------------------------


def run_series(spec, methods, seeds, kwargs, kind, log, reuse=None, origin_back=0, max_train=None):
    y = spec["load"]()
    m = spec["m"]
    regular = pd.date_range(y.index[0], periods=len(y), freq=FREQ[m], name="time")
    if not y.index.equals(regular):
        raise ValueError(f"{spec['name']}: the time index is not a regular {FREQ[m]} one")
    y = pd.Series(y.to_numpy(dtype=float), index=regular, name=spec["name"])
    if y.isna().any():
        raise ValueError(f"{spec['name']}: {int(y.isna().sum())} missing values")
    h = HORIZON[m]
    if origin_back:  # an earlier split: the last origin_back holdouts are dropped before anything is seen
        y = y.iloc[:len(y) - origin_back * h]
    if max_train and len(y) > max_train[m] + h:  # a short series, as most of the M3 and M4 series are
        y = y.iloc[len(y) - max_train[m] - h:]
    n = len(y)
    rec = {k: spec[k] for k in ("name", "source", "loader", "licence", "kind", "note")}
    rec.update(m=m, h=h, length=n, start=str(y.index[0].date()), end=str(y.index[-1].date()),
               positive=bool(np.all(y.to_numpy() > 0)), methods={})
    if n - h < max(3 * m, MIN_TRAIN[m]):
        rec["skipped"] = f"too short: {n} points, needs {max(3 * m, MIN_TRAIN[m]) + h}"
        return rec
    train, test = y.iloc[:-h], y.iloc[-h:].to_numpy()
    scale = mase_scale(train.to_numpy(), m)
    rec["mase_scale"] = scale

    def store(name, forecast, label, error, seconds):
        entry = {"seconds": seconds, "model": label, "error": error}
        if forecast is not None:
            entry.update(forecast=forecast.tolist(), mase=mase(test, forecast, scale), smape=smape(test, forecast))
        rec["methods"][name] = entry
        return entry

    store("snaive", *_call(seasonal_naive, train, m, h))
    for name in ("ets", "arima", "theta"):
        if reuse and name in reuse.get(spec["name"], {}):  # the same split and method: the same forecast
            rec["methods"][name] = reuse[spec["name"]][name]
            continue
        e = store(name, *_call(methods[name], train, m, h))
        if e["error"]:
            log(f"  {spec['name']}: {name} failed: {e['error']}")
    parts = [rec["methods"][k] for k in ("ets", "arima", "theta")]
    if all("forecast" in p for p in parts):
        store("comb", np.mean([p["forecast"] for p in parts], axis=0), "mean(ets, arima, theta)", None, 0.0)
    else:
        missing = [k for k, p in zip(("ets", "arima", "theta"), parts) if "forecast" not in p]
        store("comb", None, None, f"missing {', '.join(missing)}", 0.0)

    runs = []
    for seed in seeds:
        forecast, label, error, seconds = _call(
            lambda tr, m_, h_: numbarnn_forecast(tr, h_, seed, kwargs, kind), train, m, h)
        run = {"seed": seed, "seconds": seconds, "model": label, "error": error}
        if forecast is not None:
            run.update(forecast=forecast.tolist(), mase=mase(test, forecast, scale), smape=smape(test, forecast))
        else:
            log(f"  {spec['name']}: numbarnn seed {seed} failed: {error}")
        runs.append(run)
    ok = [r for r in runs if "mase" in r]
    nb = {"seeds": runs, "seconds": sum(r["seconds"] for r in runs), "error": None if ok else runs[0]["error"]}
    if ok:
        mases = np.array([r["mase"] for r in ok])
        ens = np.mean([r["forecast"] for r in ok], axis=0)
        nb.update(mase=float(mases.mean()), smape=float(np.mean([r["smape"] for r in ok])),
                  spread=float((mases.max() - mases.min()) / mases.mean()) if mases.mean() > 0 else 0.0,
                  ens_mase=mase(test, ens, scale), ens_smape=smape(test, ens), n_ok=len(ok))
    rec["methods"]["numbarnn"] = nb
    return rec


METHODS = BASELINES + ["numbarnn"]


def _fmt(x, width=7, digits=2):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return f"{'-':>{width}}"
    return f"{x:{width}.{digits}f}"


def table(records):
    head = f"{'series':22s} {'m':>2s} {'h':>2s} {'n':>5s} " + " ".join(f"{k:>7s}" for k in METHODS) + f" {'spread':>7s}"
    lines = ["MASE (numbarnn: mean over seeds; spread: (max - min) / mean over seeds)", head, "-" * len(head)]
    for r in records:
        if "skipped" in r:
            lines.append(f"{r['name']:22s} {r['m']:2d} {r['h']:2d} {r['length']:5d}  skipped: {r['skipped']}")
            continue
        cells = [_fmt(r["methods"].get(k, {}).get("mase")) for k in METHODS]
        lines.append(f"{r['name']:22s} {r['m']:2d} {r['h']:2d} {r['length']:5d} " + " ".join(cells)
                     + " " + _fmt(r["methods"]["numbarnn"].get("spread")))
    return "\n".join(lines)


def summarise(records):
    done = [r for r in records if "skipped" not in r]
    s = {"n_series": len(done)}

    def vals(key, rs, field="mase"):
        return [r["methods"][key].get(field) for r in rs if r["methods"].get(key, {}).get(field) is not None]

    active = [k for k in METHODS if vals(k, done)]  # methods skipped everywhere do not shrink the common set
    common = [r for r in done if all(r["methods"].get(k, {}).get("mase") is not None for k in active)]
    s["n_common"] = len(common)
    s["active_methods"] = active
    for field in ("mase", "smape"):
        s[f"mean_{field}"] = {k: float(np.mean(vals(k, common, field))) if common and k in active else None
                              for k in METHODS}
        s[f"median_{field}"] = {k: float(np.median(vals(k, common, field))) if common and k in active else None
                                for k in METHODS}
    s["mean_mase"]["nb_ens"] = float(np.mean(vals("numbarnn", common, "ens_mase"))) if common else None
    s["median_mase"]["nb_ens"] = float(np.median(vals("numbarnn", common, "ens_mase"))) if common else None
    s["n_ok"] = {k: len(vals(k, done)) for k in METHODS}
    s["failures"] = {k: [r["name"] for r in done if r["methods"].get(k, {}).get("mase") is None] for k in METHODS}
    nb = [r for r in done if r["methods"]["numbarnn"].get("mase") is not None]

    def beats(other):
        rs = [r for r in nb if r["methods"].get(other, {}).get("mase") is not None]
        return sum(r["methods"]["numbarnn"]["mase"] < r["methods"][other]["mase"] for r in rs), len(rs)

    s["numbarnn_beats_snaive"], s["n_vs_snaive"] = beats("snaive")
    s["numbarnn_beats_comb"], s["n_vs_comb"] = beats("comb")
    s["mean_seed_spread"] = float(np.mean([r["methods"]["numbarnn"]["spread"] for r in nb])) if nb else None
    complete = [r for r in nb if all(x.get("mase") is not None for x in r["methods"]["numbarnn"]["seeds"])]
    per_seed = np.array([[x["mase"] for x in r["methods"]["numbarnn"]["seeds"]] for r in complete]).mean(axis=0) \
        if complete else np.array([np.nan])
    s["panel_seed_spread"] = float((per_seed.max() - per_seed.min()) / per_seed.mean()) if complete else None
    s["seconds"] = {k: float(sum(r["methods"].get(k, {}).get("seconds", 0.0) for r in done)) for k in METHODS}
    by_m = {}
    for m in (12, 4, 1):
        rs = [r for r in common if r["m"] == m]
        by_m[str(m)] = {k: float(np.mean(vals(k, rs))) if rs and k in active else None for k in METHODS}
    s["mean_mase_by_m"] = by_m
    return s


def summary_text(s, warmup_seconds):
    lines = [f"{'mean MASE':30s} " + " ".join(_fmt(s["mean_mase"][k]) for k in METHODS)
             + f"   (over the {s['n_common']} series where every method that ran at all ran)",
             f"{'median MASE':30s} " + " ".join(_fmt(s["median_mase"][k]) for k in METHODS),
             f"{'mean sMAPE %':30s} " + " ".join(_fmt(s["mean_smape"][k]) for k in METHODS)]
    for m, label in (("12", "monthly"), ("4", "quarterly"), ("1", "yearly")):
        lines.append(f"{'mean MASE, ' + label:30s} " + " ".join(_fmt(s["mean_mase_by_m"][m][k]) for k in METHODS))
    lines += [f"{'seconds (total)':30s} " + " ".join(_fmt(s["seconds"][k], digits=1) for k in METHODS)
              + f"   (+ {warmup_seconds:.1f} s numbarnn warm-up/compile)",
              f"numbarnn beats seasonal naive on {s['numbarnn_beats_snaive']} of {s['n_vs_snaive']} series, "
              f"comb on {s['numbarnn_beats_comb']} of {s['n_vs_comb']}",
              f"numbarnn seeds' mean forecast (nb_ens): mean MASE {_fmt(s['mean_mase']['nb_ens'], 0)}, "
              f"median {_fmt(s['median_mase']['nb_ens'], 0)}",
              f"mean seed spread (max - min) / mean: {_fmt(s['mean_seed_spread'], 0, 3)} per series; "
              f"{_fmt(s.get('panel_seed_spread'), 0, 3)} of the panel's mean MASE"]
    for k in s["active_methods"]:
        if s["failures"][k]:
            lines.append(f"{k} failed on: {', '.join(s['failures'][k])}")
    return "\n".join(lines)


def _versions():
    out = {"python": platform.python_version()}
    for name in ("numbarnn", "numpy", "numba", "pandas", "xarray", "statsmodels", "pmdarima", "sktime"):
        try:
            out[name] = importlib.import_module(name).__version__
        except Exception:
            out[name] = None
    try:
        here = os.path.dirname(os.path.abspath(__file__))
        out["git_commit"] = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                                           text=True, check=True).stdout.strip()
    except Exception:
        out["git_commit"] = None
    return out


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="numbarnn random_state values")
    p.add_argument("--forecaster-kwargs", default="{}", help="JSON of Forecaster parameters (horizon and "
                   "random_state are set per series and seed)")
    p.add_argument("--input", choices=["xarray", "numpy"], default="xarray", help="how the training part is "
                   "given to numbarnn")
    p.add_argument("--panel", choices=["dev", "check"], default="dev", help="the development panel the "
                   "defaults were chosen on, or a check panel of other quarterly and yearly series nothing "
                   "was tuned on")
    p.add_argument("--series", nargs="+", help="run only these series (names as in --list)")
    p.add_argument("--quick", action="store_true", help=f"run only {', '.join(QUICK)}")
    p.add_argument("--no-baselines", action="store_true", help="skip ets, arima, theta and comb (fast "
                   "numbarnn-only runs)")
    p.add_argument("--baselines-from", help="reuse the ets, arima and theta forecasts of an earlier --out file "
                   "(they depend only on the data; auto_arima takes most of a full run)")
    p.add_argument("--origin-back", type=int, default=0, metavar="K",
                   help="drop the last K holdouts of every series first, so the holdout ends K horizons "
                        "earlier (a split a choice tuned on the default one never saw)")
    p.add_argument("--max-train", type=int, nargs=3, metavar=("MONTHLY", "QUARTERLY", "YEARLY"),
                   help="keep at most this many training points per series (their most recent), by "
                        "frequency: short series such as the M3 competition's, whose training parts run 48-126 "
                        "monthly, 16-64 quarterly and 14-41 yearly points")
    p.add_argument("--out", help="write every forecast, score and timing to this JSON file")
    p.add_argument("--list", action="store_true", help="print the panel and exit")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    panel = PANEL if args.panel == "dev" else CHECK
    if args.list:
        for spec in panel:
            print(f"{spec['name']:22s} m={spec['m']:2d}  {spec['source']:11s} {spec['loader']}")
        return 0
    kwargs = json.loads(args.forecaster_kwargs)
    if args.max_train and min(args.max_train) < 1:
        raise SystemExit(f"--max-train {' '.join(map(str, args.max_train))}: give three positive lengths")
    if args.origin_back < 0:
        raise SystemExit(f"--origin-back {args.origin_back}: give 0 (the default split) or a positive count")
    names = args.series or (QUICK if args.quick and args.panel == "dev" else [s["name"] for s in panel])
    unknown = set(names) - {s["name"] for s in panel}
    if unknown:
        raise SystemExit(f"unknown series: {', '.join(sorted(unknown))}; see --list (and --panel)")
    specs = [s for s in panel if s["name"] in names]

    have_sm = importlib.util.find_spec("statsmodels") is not None
    have_pm = importlib.util.find_spec("pmdarima") is not None
    methods = {"ets": ets, "arima": arima, "theta": theta}
    notes = []
    if args.no_baselines:
        methods = {k: skipped_because("--no-baselines") for k in methods}
        notes.append("--no-baselines: ets, arima, theta and comb skipped")
    else:
        if not have_sm:
            methods["ets"] = methods["theta"] = missing_package("statsmodels")
            notes.append("statsmodels is not installed: ets, theta and comb skipped, and the series it ships")
        if not have_pm:
            methods["arima"] = arima if have_sm else missing_package("pmdarima (and statsmodels)")
            notes.append("pmdarima is not installed: arima " + ("falls back to a statsmodels AICc grid"
                                                               if have_sm else "skipped"))
    for note in notes:
        log(f"note: {note}")

    reuse = None
    if args.baselines_from:
        with open(args.baselines_from) as f:
            saved = json.load(f)
        for key, unset in (("panel", "dev"), ("origin_back", 0), ("max_train", None)):  # the split, as saved
            theirs, ours = saved.get(key, unset), getattr(args, key)
            if theirs != ours:
                raise SystemExit(f"--baselines-from {args.baselines_from} was run with --{key.replace('_', '-')} "
                                 f"{theirs}, this run has {ours}: use a file of the same split")
        reuse = {r["name"]: {k: v for k, v in r.get("methods", {}).items() if k in ("ets", "arima", "theta")}
                 for r in saved["series"]}
        log(f"note: ets, arima and theta forecasts from {args.baselines_from}")

    t0 = time.perf_counter()
    warmup_seconds, warmup_error = warm_up(kwargs, args.input)
    if warmup_error:
        log(f"note: numbarnn warm-up failed: {warmup_error}")
    log(f"numbarnn warm-up (compile) {warmup_seconds:.1f} s")
    records = []
    max_train = dict(zip((12, 4, 1), args.max_train)) if args.max_train else None
    for spec in specs:
        start = time.perf_counter()
        try:
            rec = run_series(spec, methods, args.seeds, kwargs, args.input, log, reuse, args.origin_back, max_train)
        except ImportError as e:
            log(f"  {spec['name']}: skipped, {e}")
            rec = {k: spec[k] for k in ("name", "source", "loader", "licence", "kind", "note")}
            rec.update(m=spec["m"], h=HORIZON[spec["m"]], length=0, skipped=str(e), methods={})
        except Exception as e:  # a loader that breaks must not end the run
            log(f"  {spec['name']}: loading failed, {type(e).__name__}: {e}")
            rec = {k: spec[k] for k in ("name", "source", "loader", "licence", "kind", "note")}
            rec.update(m=spec["m"], h=HORIZON[spec["m"]], length=0, methods={},
                       skipped=f"loading failed: {type(e).__name__}: {e}", traceback=traceback.format_exc())
        records.append(rec)
        nb = rec["methods"].get("numbarnn", {})
        log(f"{spec['name']:22s} {time.perf_counter() - start:6.1f} s  numbarnn MASE {_fmt(nb.get('mase'), 0)}"
            f"  comb {_fmt(rec['methods'].get('comb', {}).get('mase'), 0)}")
    total = time.perf_counter() - t0
    summary = summarise(records)
    print(table(records))
    print()
    print(summary_text(summary, warmup_seconds))
    print(f"total wall time {total:.0f} s")
    if args.out:
        result = {"argv": sys.argv if argv is None else argv, "seeds": args.seeds, "forecaster_kwargs": kwargs,
                  "input": args.input, "panel": args.panel, "origin_back": args.origin_back,
                  "max_train": args.max_train,
                  "horizons": {str(k): v for k, v in HORIZON.items()},
                  "env": {k: os.environ.get(k) for k in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS",
                                                         "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
                  "versions": _versions(), "notes": notes, "warmup_seconds": warmup_seconds,
                  "warmup_error": warmup_error, "total_seconds": total, "summary": summary, "series": records,
                  "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(time.time() - total))}
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            json.dump(result, f, indent=1)
        log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    for var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")  # one thread unless told otherwise; set before numba/BLAS load
    sys.exit(main())
