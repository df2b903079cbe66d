"""Labelled data (xarray, pandas, NumPy) to and from the plain arrays the models use.

Everything that knows about coordinates, dimension names and pandas indexes
lives here, so the numerical code beside it sees only arrays.

For the forecaster, a :class:`Panel` holds float64 values ``(T, S, F)``:
time, independent series (every dimension other than time and feature,
stacked) and features, plus what is needed to put a result back into the
caller's labels: coordinates, attributes, name, and the time index.

For the sequence estimators, :func:`sequence_values` reads ``X`` as
(sample, time[, feature]) values plus a description of its labels, and
:func:`label_sequences` puts predictions back on them.
"""

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

SERIES = "__series__"
FEATURE = "__feature__"


@dataclass
class Panel:
    values: np.ndarray            # (T, S, F) float64
    time: pd.Index                # length T
    time_dim: str
    feature_dim: object           # name of the feature dim, or None for a univariate series
    features: object              # feature coordinate values (or None)
    stacked: object               # xarray stacked index of the series dims (or None)
    series_dims: tuple
    name: object = None
    attrs: dict = field(default_factory=dict)
    coords: dict = field(default_factory=dict)  # non-index coords to carry along
    kind: str = "xarray"          # "xarray", "pandas" or "numpy": what the caller gave
    dims: tuple = ()              # the caller's dims, in the caller's order
    index_name: object = None     # a pandas caller's index name
    coord_dtypes: dict = field(default_factory=dict)  # series dim -> its coordinate's dtype


def as_dataarray(obj, time_dim="time", name="y"):
    """Return ``(DataArray, kind)`` for an xarray, pandas or NumPy input."""
    if isinstance(obj, xr.DataArray):
        return obj, "xarray"
    if isinstance(obj, xr.Dataset):
        raise TypeError("got an xarray Dataset; pass one variable (ds['name']) or ds.to_dataarray('feature')")
    if isinstance(obj, pd.Series):  # the index takes the time dimension's name (from_panel gives its own back)
        da = xr.DataArray(obj.to_numpy(), dims=[time_dim], coords={time_dim: obj.index.rename(time_dim)},
                          name=obj.name)
        return da, "pandas"
    if isinstance(obj, pd.DataFrame):
        da = xr.DataArray(obj.to_numpy(), dims=[time_dim, "feature"],
                          coords={time_dim: obj.index.rename(time_dim), "feature": list(obj.columns)}, name=name)
        return da, "pandas"
    arr = np.asarray(obj)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"expected numeric data, got an array of dtype {arr.dtype}")
    if arr.ndim == 1:
        return xr.DataArray(arr, dims=[time_dim], coords={time_dim: np.arange(arr.shape[0])}, name=name), "numpy"
    if arr.ndim == 2:
        return xr.DataArray(arr, dims=[time_dim, "feature"], coords={time_dim: np.arange(arr.shape[0])},
                            name=name), "numpy"
    raise ValueError(f"a NumPy input must be 1-d (time) or 2-d (time, feature); got shape {arr.shape}; "
                     "use an xarray.DataArray to label more dimensions")


def check_time(index, time_dim):
    """Raise unless the time coordinate increases strictly."""
    if len(index) > 1:
        if index.has_duplicates:
            dup = index[index.duplicated()][0]
            raise ValueError(f"the {time_dim!r} coordinate has duplicated values (first: {dup}); "
                             "aggregate them first, e.g. y.groupby(time).mean()")
        if not index.is_monotonic_increasing:
            raise ValueError(f"the {time_dim!r} coordinate is not increasing; sort it first with "
                             f"y.sortby({time_dim!r})")


def sorted_labels(values, name="y"):
    """The distinct class labels in ``values``, sorted; a clear error for a missing label (None, NaN) or
    labels of mixed kinds (strings beside numbers), which have no order."""
    values = list(values)
    missing = [i for i, v in enumerate(values) if v is None or (isinstance(v, float) and v != v)]
    if missing:
        raise ValueError(f"{name} holds {len(missing)} missing label(s) (None or NaN; the first at position "
                         f"{missing[0]}); give every sample a label, or drop the unlabelled ones")
    kinds = {"string" if isinstance(v, (str, np.str_)) else "number" if isinstance(v, (int, float, np.number))
             else type(v).__name__ for v in values}
    if len(kinds) > 1:
        raise TypeError(f"{name} mixes labels of different kinds ({', '.join(sorted(kinds))}); give labels of one "
                        "kind, e.g. all strings")
    return np.array(sorted(set(values)), dtype=object if kinds == {"string"} else None)


def to_panel(obj, time_dim="time", feature_dim=None, name="y"):
    """Turn labelled data into a :class:`Panel` (in memory: dask-backed data or coordinates are computed,
    so nothing lazy reaches the results)."""
    da, kind = as_dataarray(obj, time_dim, name)
    da = da.compute()
    if time_dim not in da.dims:
        raise ValueError(f"no time dimension {time_dim!r} in dims {da.dims}; name it with time_dim=...")
    if kind != "xarray" and feature_dim is None and "feature" in da.dims:
        feature_dim = "feature"
    if feature_dim is not None and feature_dim not in da.dims:
        raise ValueError(f"no feature dimension {feature_dim!r} in dims {da.dims}")
    if da.dtype.kind not in "fiub":
        raise TypeError(f"expected numeric data, got dtype {da.dtype}")
    if da.sizes[time_dim] == 0 or da.size == 0:
        raise ValueError(f"{name} is empty ({dict(da.sizes)}); give at least one value per series")
    infinite = np.isinf(np.asarray(da.values, dtype=np.float64))
    if infinite.any():
        at = np.unravel_index(np.flatnonzero(infinite)[0], infinite.shape)[da.dims.index(time_dim)]
        raise ValueError(f"{name} holds {int(infinite.sum())} infinite value(s) (the first at {time_dim} index "
                         f"{at}); replace them with NaN (a missing value) or correct the data")
    index = da.indexes.get(time_dim)
    if index is None:
        index = pd.RangeIndex(da.sizes[time_dim])
    if len(index) and isinstance(index[0], str):
        try:
            with warnings.catch_warnings():  # pandas warns before it fails on strings that are no dates
                warnings.simplefilter("ignore", UserWarning)
                index = pd.DatetimeIndex(pd.to_datetime(list(index)), name=index.name)
        except (ValueError, TypeError):
            raise ValueError(f"the {time_dim!r} coordinate holds strings that are not dates (first: "
                             f"{index[0]!r}); give dates, numbers or a pandas PeriodIndex") from None
        da = da.assign_coords({time_dim: index})
    check_time(index, time_dim)
    series_dims = tuple(d for d in da.dims if d not in (time_dim, feature_dim))
    given_dims = tuple(da.dims)
    coord_dtypes = {d: da[d].dtype for d in series_dims if d in da.coords}
    # coordinates that are not dimensions but live on series dims (e.g. station names along lat) come back
    carried = {k: c.variable for k, c in da.coords.items()
               if k not in da.dims and c.dims and set(c.dims) <= set(series_dims)}
    da = da.drop_vars(list(carried))
    if feature_dim is None:
        da = da.expand_dims(FEATURE, axis=-1)
        features = None
    else:
        features = da[feature_dim].values if feature_dim in da.coords else None
    fdim = FEATURE if feature_dim is None else feature_dim
    stacked = None
    if series_dims:
        da = da.stack({SERIES: series_dims})
        stacked = da.indexes[SERIES]
    else:
        da = da.expand_dims(SERIES)
    da = da.transpose(time_dim, SERIES, fdim)
    return Panel(values=np.asarray(da.values, dtype=np.float64), time=index, time_dim=time_dim,
                 feature_dim=feature_dim, features=features, stacked=stacked, series_dims=series_dims,
                 name=da.name, attrs=dict(da.attrs), coords=carried, kind=kind, dims=given_dims,
                 coord_dtypes=coord_dtypes,
                 index_name=obj.index.name if isinstance(obj, (pd.Series, pd.DataFrame)) else None)


def from_panel(values, panel, time, extra_dim=None):
    """Put ``values`` (T', S, F) (or (T', S, F, E) with ``extra_dim=(name, coords)``) back into labels."""
    dims = [panel.time_dim, SERIES, FEATURE if panel.feature_dim is None else panel.feature_dim]
    coords = {panel.time_dim: time}
    if panel.feature_dim is not None and panel.features is not None:
        coords[panel.feature_dim] = panel.features
    if extra_dim is not None:
        dims.append(extra_dim[0])
        coords[extra_dim[0]] = extra_dim[1]
    da = xr.DataArray(values, dims=dims, coords=coords, name=panel.name, attrs=dict(panel.attrs))
    if panel.feature_dim is None:
        da = da.isel({FEATURE: 0}, drop=True)
    if panel.stacked is not None:
        da = da.assign_coords(xr.Coordinates.from_pandas_multiindex(panel.stacked, SERIES)).unstack(SERIES)
    else:
        da = da.isel({SERIES: 0}, drop=True)
    order = [d for d in panel.dims if d in da.dims] or [panel.time_dim, *panel.series_dims]  # as the caller had them
    if extra_dim is not None:
        order.append(extra_dim[0])
    da = da.transpose(*order).assign_coords(panel.coords)
    for dim, dtype in panel.coord_dtypes.items():  # unstacking turns string labels into objects
        if dim in da.coords and da[dim].dtype != dtype:
            da = da.assign_coords({dim: da[dim].values.astype(dtype)})
    if panel.kind == "pandas":
        return _to_pandas(da, panel)
    if panel.kind == "numpy":
        return da.values
    return da


def _to_pandas(da, panel):
    if da.ndim == 1:
        out = da.to_series()
    elif da.ndim == 2 and panel.feature_dim is not None:
        out = da.to_pandas()
    else:
        return da
    out.index.name = panel.index_name  # as the caller had it (None for an unnamed index)
    return out


def future_time(index, horizon, time_dim="time"):
    """The ``horizon`` time stamps after ``index``, at the series' own frequency."""
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(index[-1] + 1, periods=horizon, freq=index.freq)
    if isinstance(index, pd.DatetimeIndex):
        with warnings.catch_warnings():  # pandas 3 announces a change of infer_freq's return type
            warnings.simplefilter("ignore")
            freq = index.freq or (pd.infer_freq(index) if len(index) >= 3 else None)
        if freq is None:
            raise ValueError(f"cannot infer the frequency of the {time_dim!r} coordinate; "
                             "give it a regular frequency (e.g. y.resample(time='MS').mean())")
        return pd.date_range(index[-1], periods=horizon + 1, freq=freq)[1:]
    if isinstance(index, xr.CFTimeIndex):
        freq = xr.infer_freq(index)
        if freq is None:
            raise ValueError(f"cannot infer the frequency of the cftime {time_dim!r} coordinate")
        return xr.date_range(index[-1], periods=horizon + 1, freq=freq,
                             calendar=index.calendar, use_cftime=True)[1:]
    values = np.asarray(index)
    if values.dtype.kind in "iuf":
        step = (values[-1] - values[0]) / (len(values) - 1) if len(values) > 1 else 1
        if values.dtype.kind in "iu" and step == int(step):
            step = int(step)
        return pd.Index(values[-1] + step * np.arange(1, horizon + 1))
    raise ValueError(f"cannot extend a {time_dim!r} coordinate of type {type(index).__name__}")


#: Seasonal period by the unit of a time coordinate's frequency (pandas offset names, old and new).
_PERIODS = {"MS": 12, "ME": 12, "M": 12, "BMS": 12, "BME": 12, "BM": 12, "QS": 4, "QE": 4, "Q": 4, "BQS": 4,
            "BQE": 4, "BQ": 4, "YS": 1, "YE": 1, "Y": 1, "AS": 1, "A": 1, "BYS": 1, "BYE": 1, "BA": 1,
            "W": 52, "D": 7, "B": 5, "h": 24, "H": 24}


def season_length(index):
    """The seasonal period of a regular time coordinate: 12 for monthly, 4 quarterly, 1 yearly,
    52 weekly, 7 daily, 5 business-daily, 24 hourly; 1 when the frequency is unknown or numeric.

    Examples
    --------
    >>> import pandas as pd
    >>> from numbarnn.estimators._labels import season_length
    >>> season_length(pd.date_range("2000-01", periods=30, freq="MS")), season_length(pd.RangeIndex(30))
    (12, 1)
    """
    if isinstance(index, pd.PeriodIndex):
        index = index.to_timestamp()
    if not isinstance(index, (pd.DatetimeIndex, xr.CFTimeIndex)) or len(index) < 3:
        return 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        freq = getattr(index, "freq", None) or xr.infer_freq(index)
    if freq is None:
        return 1
    offset = pd.tseries.frequencies.to_offset(freq)
    code = offset.rule_code if hasattr(offset, "rule_code") else offset.name
    unit = code.split("-")[0].lstrip("0123456789")
    period = _PERIODS.get(unit, 1)
    n = getattr(offset, "n", 1)
    return period // n if n >= 1 and period % n == 0 else 1


def covariate_feature_dim(X):
    """The feature dimension of covariates ``X``: ``"feature"`` on a DataArray that has one, else ``None``.

    pandas and NumPy inputs name their feature axis ``"feature"`` themselves (see :func:`to_panel`).
    """
    return "feature" if isinstance(X, xr.DataArray) and "feature" in X.dims else None


def sequence_values(X, sample_dim, time_dim, feature_dim):
    """The values of sequences ``X`` as an array, and a description of their labels.

    Parameters
    ----------
    X : xarray.DataArray with dimensions ``sample_dim``, ``time_dim`` and optionally ``feature_dim``
        (in any order), or anything :func:`numpy.asarray` takes (a pandas DataFrame is read through
        ``to_numpy``: rows are samples, columns timesteps).
    sample_dim, time_dim, feature_dim : str, the dimension names of a DataArray.

    Returns
    -------
    values : numpy.ndarray, (sample, time[, feature]) for a DataArray, else as given (any dtype, any
        number of dimensions: the caller checks them).
    labels : dict, ``kind`` (``"xarray"`` or ``"numpy"``), and the ``sample`` and ``time``
        coordinate values of a DataArray (``None`` when absent).
    """
    if isinstance(X, xr.DataArray):
        missing = [d for d in (sample_dim, time_dim) if d not in X.dims]
        if missing:
            raise ValueError(f"X needs dimensions {sample_dim!r} and {time_dim!r}; it has {X.dims}")
        dims = [sample_dim, time_dim] + ([feature_dim] if feature_dim in X.dims else [])
        if set(X.dims) - set(dims):
            raise ValueError(f"X has unexpected dimensions {sorted(set(X.dims) - set(dims))}")
        arr = X.transpose(*dims).values
        labels = {"kind": "xarray", "sample": X[sample_dim].values if sample_dim in X.coords else None,
                  "time": X[time_dim].values if time_dim in X.coords else None}
        return arr, labels
    if hasattr(X, "to_numpy"):
        X = X.to_numpy()
    return np.asarray(X), {"kind": "numpy", "sample": None, "time": None}


def target_values(y):
    """The values of a target ``y`` (a DataArray, or anything :func:`numpy.asarray` takes) as an array."""
    return np.asarray(y.values if isinstance(y, xr.DataArray) else y)


def label_sequences(values, labels, sample_dim, time_dim, per_timestep, extra=None):
    """Predictions ``values`` in the labels :func:`sequence_values` described.

    Parameters
    ----------
    values : numpy.ndarray, (sample[, k]) per sequence, or (sample, time[, k]) with ``per_timestep``.
    labels : dict from :func:`sequence_values`.
    sample_dim, time_dim : str, the names of the sample and time dimensions.
    per_timestep : bool, whether the second axis of ``values`` is time.
    extra : ``(name, coords)`` of a last axis (e.g. the classes of probabilities), or ``None``.

    Returns
    -------
    ``values`` itself unless ``X`` was a DataArray, else an :class:`xarray.DataArray` with its sample
    (and time) coordinates.
    """
    if labels["kind"] != "xarray":
        return values
    dims = [sample_dim] + ([time_dim] if per_timestep else [])
    coords = {}
    if labels["sample"] is not None:
        coords[sample_dim] = labels["sample"]
    if per_timestep and labels["time"] is not None:
        coords[time_dim] = labels["time"]
    if extra is not None:
        dims.append(extra[0])
        coords[extra[0]] = extra[1]
    return xr.DataArray(values, dims=dims[:values.ndim], coords=coords)
