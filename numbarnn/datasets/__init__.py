"""Bundled real series (no network needed) and synthetic tasks with known answers.

Real series, each a labelled :class:`xarray.DataArray` with units and source in ``attrs``
(all public domain, extracted once from statsmodels 0.15.0 by ``_extract.py``):

- :func:`co2`: Mauna Loa atmospheric CO2, monthly means, 1958-03 .. 2001-12 (ppm).
- :func:`sunspots`: yearly (1700-2008) or monthly (1749-01 to 2009-06; preliminary after 2008-12) mean sunspot numbers.
- :func:`elnino`: El Niño Niño 1+2 sea-surface temperature, monthly 1950-2010 (°C).
- :func:`us_macro`: US macroeconomic data, quarterly 1959Q1-2009Q3, 12 variables.

Real text (see :mod:`numbarnn.datasets.text`): :func:`ud_english_ewt` (part-of-speech tags and genres,
CC BY-SA 4.0) and :func:`kjv` (the King James Bible, public domain).

Synthetic tasks: :func:`adding_problem`, :func:`copy_memory`, :func:`sine_mixture`, :func:`mackey_glass`.
"""

import importlib.resources

import numpy as np
import pandas as pd
import xarray as xr

from .tasks import addition, dates, reverse, sort_symbols  # noqa: F401  (sequence-to-sequence tasks)
from .text import kjv, ud_english_ewt  # noqa: F401  (the bundled text corpora)

_PUBLIC = "public domain"


def _read(name, **kwargs):
    with importlib.resources.files(__package__).joinpath("data", name).open("r") as f:
        return pd.read_csv(f, **kwargs)


def co2():
    """Mauna Loa CO2, monthly means of the weekly flask record (ppm), March 1958 to December 2001.

    Months without any weekly value (a handful in the record) are filled by
    linear interpolation in time; ``attrs["interpolated_months"]`` lists them (comma-separated).

    Examples
    --------
    >>> from numbarnn import datasets
    >>> y = datasets.co2()
    >>> y.sizes["time"], y.attrs["units"], str(y.time.values[0])[:10]
    (526, 'ppm', '1958-03-01')
    """
    weekly = _read("co2_weekly.csv", parse_dates=["date"]).set_index("date")["co2"]
    monthly = weekly.resample("MS").mean()
    missing = monthly.index[monthly.isna()]
    monthly = monthly.interpolate(method="time")
    monthly.index.name = "time"
    return xr.DataArray(monthly, name="co2", attrs={
        "long_name": "atmospheric CO2 concentration at Mauna Loa Observatory", "units": "ppm",
        "frequency": "monthly (mean of weekly flask samples)",
        "source": "Scripps Institution of Oceanography (SIO) / CDIAC, as shipped by statsmodels",
        "license": _PUBLIC, "interpolated_months": ", ".join(str(m.date()) for m in missing)})


def sunspots(frequency="yearly"):
    """Mean sunspot numbers, ``frequency="yearly"`` (1700-2008) or ``"monthly"`` (1749-01 to 2009-06).

    The monthly values after December 2008 were preliminary when published.

    Examples
    --------
    >>> from numbarnn import datasets
    >>> datasets.sunspots().sizes["time"], datasets.sunspots("monthly").sizes["time"]
    (309, 3126)
    """
    if frequency == "yearly":
        df = _read("sunspots_yearly.csv")
        time = pd.to_datetime(df["year"].astype(str), format="%Y")
        freq = "yearly"
    elif frequency == "monthly":
        df = _read("sunspots_monthly.csv", parse_dates=["date"])
        time = df["date"]
        freq = "monthly"
    else:
        raise ValueError(f"unknown frequency {frequency!r}; expected 'yearly' or 'monthly'")
    return xr.DataArray(df["sunspots"].to_numpy(dtype=float), dims=["time"],
                        coords={"time": pd.DatetimeIndex(time, name="time")}, name="sunspots",
                        attrs={"long_name": f"{freq} mean sunspot number", "units": "1",
                               "source": "NOAA National Geophysical Data Center, as shipped by statsmodels",
                               "license": _PUBLIC})


def elnino():
    """Niño 1+2 (0-10°S, 90-80°W) monthly mean sea-surface temperature, 1950-2010 (°C).

    Examples
    --------
    >>> from numbarnn import datasets
    >>> sst = datasets.elnino()
    >>> sst.sizes["time"], sst.attrs["units"]
    (732, 'degC')
    """
    df = _read("elnino_nino12.csv", parse_dates=["date"])
    return xr.DataArray(df["sst"].to_numpy(dtype=float), dims=["time"],
                        coords={"time": pd.DatetimeIndex(df["date"], name="time")}, name="sst",
                        attrs={"long_name": "Niño 1+2 sea-surface temperature", "units": "degC",
                               "source": "NOAA National Weather Service, ERSST.V3B, as shipped by statsmodels",
                               "license": _PUBLIC})


_MACRO_UNITS = {
    "realgdp": "billions of chained 2005 US dollars", "realcons": "billions of chained 2005 US dollars",
    "realinv": "billions of chained 2005 US dollars", "realgovt": "billions of chained 2005 US dollars",
    "realdpi": "billions of chained 2005 US dollars", "cpi": "index (1982-84 = 100)",
    "m1": "billions of US dollars", "tbilrate": "percent", "unemp": "percent",
    "pop": "millions", "infl": "percent", "realint": "percent"}


def us_macro():
    """US macroeconomic data, quarterly 1959Q1-2009Q3: a (time, feature) DataArray of 12 variables.

    ``attrs["units"]`` maps each feature to its unit.

    Examples
    --------
    >>> from numbarnn import datasets
    >>> m = datasets.us_macro()
    >>> m.dims, m.sizes["time"], m.feature.values[:3].tolist()
    (('time', 'feature'), 203, ['realgdp', 'realcons', 'realinv'])
    """
    df = _read("macrodata.csv")
    time = pd.PeriodIndex.from_fields(year=df["year"].astype(int), quarter=df["quarter"].astype(int),
                                      freq="Q").to_timestamp()
    features = list(_MACRO_UNITS)
    return xr.DataArray(df[features].to_numpy(dtype=float), dims=["time", "feature"],
                        coords={"time": pd.DatetimeIndex(time, name="time"), "feature": features},
                        name="us_macro",
                        attrs={"long_name": "US macroeconomic indicators", "units": dict(_MACRO_UNITS),
                               "source": "FRED (Federal Reserve Bank of St. Louis) and BLS, compiled in "
                                         "statsmodels' macrodata", "license": _PUBLIC})


def adding_problem(n, T=100, seed=None):
    r"""The adding problem (Hochreiter & Schmidhuber 1997): add the two marked numbers of a long sequence.

    Each sequence has two channels: values ~ U(0, 1) and a marker that is 1
    at two positions (one in each half) and 0 elsewhere. The target is the sum
    of the two marked values. Predicting the mean, 1, gives the memoryless
    baseline MSE :math:`\mathrm{Var}(u_1 + u_2) = 1/6 \approx 0.167`.

    Returns
    -------
    x : (T, n, 2) float array, time-major.
    y : (n, 1) float array.
    """
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 1, (T, n))
    first = rng.integers(0, T // 2, n)
    second = rng.integers(T // 2, T, n)
    marker = np.zeros((T, n))
    marker[first, np.arange(n)] = 1
    marker[second, np.arange(n)] = 1
    y = values[first, np.arange(n)] + values[second, np.arange(n)]
    return np.stack([values, marker], axis=-1), y[:, None]


def copy_memory(n, delay=100, length=10, symbols=8, seed=None):
    r"""The copy-memory task: remember ``length`` symbols through ``delay`` blank steps, then repeat them.

    Inputs are one-hot over ``symbols + 2`` classes (the symbols, blank, and a
    "go" marker) for ``T = delay + 2 * length`` steps. Targets are class
    indices per step: blank everywhere but the last ``length`` steps, which
    hold the remembered symbols. A memoryless model that predicts blank and
    then uniform symbols scores the baseline cross-entropy
    :math:`\frac{\text{length} \cdot \ln(\text{symbols})}{T}`.

    Returns
    -------
    x : (T, n, symbols + 2) float one-hot inputs; y : (T, n) int targets;
    baseline : float, the memoryless cross-entropy.
    """
    rng = np.random.default_rng(seed)
    T = delay + 2 * length
    blank, go = symbols, symbols + 1
    seq = rng.integers(0, symbols, (length, n))
    inputs = np.full((T, n), blank)
    inputs[:length] = seq
    inputs[delay + length - 1] = go
    targets = np.full((T, n), blank)
    targets[-length:] = seq
    x = np.eye(symbols + 2)[inputs]
    return x, targets, length * np.log(symbols) / T


def sine_mixture(T=1000, periods=(12.0, 50.0), amplitudes=(1.0, 0.5), noise=0.1, seed=None):
    """A sum of sines with Gaussian noise, as a (time,) DataArray with integer time."""
    rng = np.random.default_rng(seed)
    t = np.arange(T)
    y = sum(a * np.sin(2 * np.pi * t / p) for p, a in zip(periods, amplitudes))
    y = y + noise * rng.standard_normal(T)
    return xr.DataArray(y, dims=["time"], coords={"time": t}, name="sine_mixture",
                        attrs={"periods": list(periods), "amplitudes": list(amplitudes), "noise": noise})


def mackey_glass(T=2000, tau=17, beta=0.2, gamma=0.1, n=10, dt=1.0, x0=1.2, seed=None):
    r"""The Mackey-Glass delay differential equation, chaotic for ``tau=17``:

    .. math:: \dot x = \beta \frac{x(t - \tau)}{1 + x(t - \tau)^n} - \gamma x(t)

    integrated with 10 Euler substeps per unit of time and sampled every
    ``dt``; a random initial history when ``seed`` is given (else constant ``x0``).
    """
    sub = 10
    h = dt / sub
    lag = int(round(tau / h))
    rng = np.random.default_rng(seed)
    hist = np.full(lag + 1, x0) if seed is None else x0 + 0.1 * rng.standard_normal(lag + 1)
    xs = list(hist)
    for _ in range(T * sub):
        x_tau = xs[-lag - 1]
        x = xs[-1]
        xs.append(x + h * (beta * x_tau / (1 + x_tau ** n) - gamma * x))
    y = np.array(xs[lag + 1::sub][:T])
    return xr.DataArray(y, dims=["time"], coords={"time": np.arange(T) * dt}, name="mackey_glass",
                        attrs={"tau": tau, "beta": beta, "gamma": gamma, "n": n})
