"""Save and load fitted estimators as one self-describing netCDF file.

The file is an :class:`xarray.Dataset` written with the SciPy netCDF engine
(no extra dependency): every parameter is a variable ``param__<name>``, the
scalers and the training data are variables, the training history keeps its
``epoch`` and ``step`` dimensions, and the hyperparameters, the estimator's
class and the numbarnn version are attributes (as JSON). The write goes to a
temporary file beside the target and is renamed into place, so a crash never
leaves a half-written model. Loading checks the format marker, the class, the
version and every parameter's name and shape, and says what is wrong; nothing
is unpickled.

This module knows the estimators only through the methods every one of them
has (``get_params``, ``_check_params``, ``_check_fitted``, ``_persist``,
``_restore``, ``model_``, ``history_``): :func:`load` is given the classes it
may build, by name, so that the estimator modules can import it and not the
other way round.
"""

import datetime
import json
import pathlib

import numpy as np
import xarray as xr

from .._files import atomic_write
from .._validation import check_device
from .._version import __version__

FORMAT = "numbarnn-model"
FORMAT_VERSION = 1
_SEP = "__"


def _encode_name(name):
    return name.replace(".", _SEP)


def _json_attrs(attrs):
    return json.dumps(attrs, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o))


def _netcdf_attr(value):
    """``value`` if netCDF3 can store it as an attribute (a string, a number or a 1-d numeric array), else JSON."""
    if isinstance(value, (str, int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return value
    arr = np.asarray(value) if isinstance(value, (list, tuple, np.ndarray)) else None
    if arr is not None and arr.ndim == 1 and arr.dtype.kind in "if" and arr.size:
        return arr
    return _json_attrs(value)


def write_atomic(ds, path):
    """Write ``ds`` to ``path`` as netCDF through a temporary file and an atomic rename.

    Attributes netCDF3 cannot store (lists of strings, dicts, booleans) are written as JSON strings.
    """
    path = pathlib.Path(path)
    ds = ds.copy()
    ds.attrs = {k: _netcdf_attr(v) for k, v in ds.attrs.items()}
    for var in ds.variables.values():
        var.attrs = {k: _netcdf_attr(v) for k, v in var.attrs.items()}
    atomic_write(path, lambda tmp: ds.to_netcdf(tmp, engine="scipy"))


def _data_variable(da, prefix):
    """A DataArray made safe for netCDF3: dims and attrs prefixed/JSON-encoded."""
    da = da.copy()
    rename = {d: f"{prefix}{_SEP}{d}" for d in da.dims}
    da = da.rename(rename)
    for c in list(da.coords):
        if c not in da.dims:
            da = da.drop_vars(c)
    original = dict(da.attrs)
    # the series' own attributes as real (CF) attributes for other tools, and as JSON for an exact read-back
    da.attrs = {k: v for k, v in original.items() if k not in _BOOKKEEPING and not isinstance(v, bool)}
    da.attrs.update(original_attrs=_json_attrs(original), original_dims=json.dumps(list(rename)),
                    original_name="" if da.name is None else str(da.name))
    return da


_BOOKKEEPING = ("original_attrs", "original_dims", "original_name")
#: units of the training history's variables (CF: "1" is dimensionless)
_HISTORY_UNITS = {"seconds": "s"}


def _describe(ds, estimator):
    """CF-style ``long_name`` and ``units`` on every variable that lacks them; the file's global attributes."""
    for key, var in ds.data_vars.items():
        kind, _, rest = key.partition(_SEP)
        name = rest.replace(_SEP, ".")
        if kind == "param":
            var.attrs.update(long_name=f"network parameter {name} (PyTorch's name)", units="1")
        elif kind == "state":
            var.attrs.update(long_name=f"fitted state {name} of the {estimator}")
        elif kind == "history":
            var.attrs.update(long_name=f"training history: {name.replace('_', ' ')}",
                             units=_HISTORY_UNITS.get(name, "1"))
        elif kind == "data":
            var.attrs.setdefault("long_name", f"training data {name} ({var.attrs['original_name'] or 'unnamed'})")
    ds.attrs.update(Conventions="CF-1.10", title=f"numbarnn {estimator} model",
                    history=f"{datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}: "
                            f"written by numbarnn {__version__}",
                    source=f"numbarnn {__version__}")


def _restore_data(da):
    dims = json.loads(da.attrs["original_dims"])
    out = da.rename(dict(zip(da.dims, dims)))
    out.attrs = json.loads(da.attrs["original_attrs"])
    out.name = da.attrs["original_name"] or None
    return out


def _check_variables(ds, path):
    """Every variable the file's manifest lists is there (files written before the manifest: no check)."""
    if "manifest" not in ds.attrs:
        return
    try:
        listed = json.loads(ds.attrs["manifest"])
    except (TypeError, ValueError):
        raise ValueError(f"{path}: the list of variables (attribute 'manifest') is damaged") from None
    missing = [k for k in listed if k not in ds.variables]
    if missing:
        raise ValueError(f"{path} is incomplete: it lacks {', '.join(map(repr, missing))} (written with the model "
                         "and needed to use it); save the model again")


def save(est, path):
    """Write a fitted estimator to ``path`` (netCDF, atomically)."""
    est._check_fitted()
    arrays, frames, attrs = est._persist()
    data = {}
    for name, arr in est.model_.params.items():
        key = f"param{_SEP}{_encode_name(name)}"
        data[key] = xr.DataArray(arr, dims=[f"{key}{_SEP}d{i}" for i in range(arr.ndim)])
    for name, value in arrays.items():
        if value is not None:
            value = np.asarray(value)
            key = f"state{_SEP}{name}"
            data[key] = xr.DataArray(value, dims=[f"{key}{_SEP}d{i}" for i in range(value.ndim)])
    for name, da in frames.items():
        if da is not None:
            data[f"data{_SEP}{name}"] = _data_variable(da, f"data{_SEP}{name}")
    for name, var in est.history_.data_vars.items():
        data[f"history{_SEP}{name}"] = var.rename({d: f"history{_SEP}{d}" for d in var.dims})
    ds = xr.Dataset(data)
    ds.attrs = {"format": FORMAT, "format_version": FORMAT_VERSION, "numbarnn_version": __version__,
                "estimator": type(est).__name__, "params": json.dumps(est.get_params()),
                "state": _json_attrs(attrs), "history_attrs": _json_attrs(dict(est.history_.attrs)),
                "manifest": json.dumps(sorted(k for k in data if k.startswith(("state" + _SEP, "data" + _SEP))))}
    _describe(ds, type(est).__name__)
    write_atomic(ds, path)


def load(path, classes, device=None):
    """Load an estimator written by :func:`save`. Raises ``ValueError`` naming the problem for a bad file.

    Parameters
    ----------
    path : str or path-like, the model file.
    classes : dict, estimator class name -> class: the estimators a file may hold (the file stores
        the class name; an unknown name is an error listing these).
    device : ``"cpu"``, ``"cuda"`` or ``None``: overrides the device the model was fitted on;
        ``None`` keeps the saved setting.

    Returns
    -------
    The fitted estimator.
    """
    if device is not None:
        check_device(device)
    path = pathlib.Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no model file at {path}")
    try:
        with xr.open_dataset(path, engine="scipy") as ds:
            ds = ds.load()
    except Exception as err:  # corrupt, truncated or not netCDF at all
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise ValueError(f"{path} is not a readable numbarnn model file (corrupt, truncated or not "
                         f"netCDF): {first}") from None
    if ds.attrs.get("format") != FORMAT:
        raise ValueError(f"{path} is a netCDF file but not a numbarnn model (no format marker)")
    try:
        version = int(ds.attrs.get("format_version", -1))
    except (TypeError, ValueError):
        raise ValueError(f"{path}: the format_version attribute is damaged "
                         f"({ds.attrs.get('format_version')!r}, expected a whole number)") from None
    if version > FORMAT_VERSION:
        raise ValueError(f"{path} was written by numbarnn {ds.attrs.get('numbarnn_version')} in a newer "
                         f"format; upgrade numbarnn (this is {__version__})")
    name = ds.attrs.get("estimator")
    if name not in classes:
        raise ValueError(f"{path} holds an unknown estimator {name!r}; known: {', '.join(classes)}")
    try:
        est = classes[name](**json.loads(ds.attrs["params"]))
        if device is not None:
            est.device = device
        est._check_params()
        state = json.loads(ds.attrs["state"])
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"{path}: the hyperparameters or state record are damaged: {err}") from None
    _check_variables(ds, path)
    try:
        arrays = {k[len("state" + _SEP):]: ds[k].values for k in ds.data_vars if k.startswith("state" + _SEP)}
        frames = {k[len("data" + _SEP):]: _restore_data(ds[k]) for k in ds.data_vars
                  if k.startswith("data" + _SEP)}
        est._restore(arrays, frames, state)
    except RuntimeError as err:
        if est.device != "cuda":
            raise
        raise RuntimeError(f"{path}: this model runs on device='cuda': {err}; "
                           "or load it with load(path, device='cpu')") from None
    except (KeyError, TypeError, ValueError, IndexError) as err:
        raise ValueError(f"{path}: the saved training data or state are damaged or missing: "
                         f"{err.args[0] if isinstance(err, KeyError) else err}") from None
    values = {}
    for pname, arr in est.model_.params.items():
        key = f"param{_SEP}{_encode_name(pname)}"
        if key not in ds:
            raise ValueError(f"{path}: parameter {pname!r} is missing")
        value = ds[key].values
        if value.shape != arr.shape:
            raise ValueError(f"{path}: parameter {pname!r} has shape {value.shape}, expected {arr.shape}")
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{path}: parameter {pname!r} holds NaN or infinity")
        values[pname] = value
    est.model_.load_params(values)
    hist = {k[len("history" + _SEP):]: ds[k] for k in ds.data_vars if k.startswith("history" + _SEP)}
    est.history_ = xr.Dataset({k: v.rename({d: d[len("history" + _SEP):] for d in v.dims})
                               for k, v in hist.items()})
    try:
        est.history_.attrs = json.loads(ds.attrs.get("history_attrs", "{}"))
    except (TypeError, ValueError) as err:
        raise ValueError(f"{path}: the training history's attributes (history_attrs) are damaged: {err}") from None
    est.is_fitted_ = True
    return est
