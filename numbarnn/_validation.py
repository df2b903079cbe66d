"""Input checks shared by the public API. Every message says what was expected and how to fix it."""

import numbers

import numpy as np


def check_option(name, value, allowed):
    """Raise ``ValueError`` unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"unknown {name} {value!r}; expected one of {choices}")
    return value


#: Where a network can run.
DEVICES = ("cpu", "cuda")


def check_device(value):
    """Raise ``ValueError`` unless ``value`` is one of :data:`DEVICES`."""
    return check_option("device", value, DEVICES)


def check_positive_int(name, value, minimum=1):
    """Return ``value`` as an int, raising unless it is an integer ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_probability(name, value):
    """``value`` as a float in [0, 1) (a dropout rate and the like), or a ValueError naming ``name``."""
    if not (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1):
        raise ValueError(f"{name} must be a probability in [0, 1), got {value!r}")
    return float(value)


def check_dtype(dtype):
    """Return the NumPy dtype for ``"float32"``/``"float64"`` (or their dtype objects)."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"unknown dtype {dtype!r}; expected 'float32' or 'float64'")
    return dt


def as_float_array(value, dtype, name):
    """Convert ``value`` to a C-contiguous array of ``dtype``.

    One rule for every kind of input: an array that carries a dtype (NumPy, a torch tensor, dask,
    xarray, pandas) must already have the network's floating dtype (mixing precisions is an
    error, as in PyTorch, and says how to convert); Python lists, tuples and numbers carry none
    and are read as the network's dtype.
    """
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor
        value = value.detach().cpu().numpy()
    given = getattr(value, "dtype", None)
    if given is not None:
        try:
            given = np.dtype(given)
        except TypeError:  # a pandas extension dtype
            given = np.dtype(object)
        if given.kind not in "fiub":
            raise TypeError(f"{name} must hold numbers, got dtype {given}")
        if given != dtype:
            raise TypeError(
                f"{name} has dtype {given} but the network is {dtype}; "
                f"convert it with {name}.astype('{dtype}') or build the network with dtype='{given}'"
                if given.kind == "f" else
                f"{name} has dtype {given} but the network is {dtype}; "
                f"convert it with {name}.astype('{dtype}')")
        return np.ascontiguousarray(np.asarray(value))
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as err:
        raise TypeError(f"{name} could not be read as a numeric array: {err}") from None
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{name} must hold numbers, got {arr.dtype} data")
    return np.ascontiguousarray(arr, dtype=dtype)


def check_shape(name, arr, expected):
    """Raise ``ValueError`` unless ``arr.shape == expected``."""
    if arr.shape != tuple(expected):
        raise ValueError(f"{name} has shape {arr.shape}; expected {tuple(expected)}")
    return arr


def check_lengths(lengths, batch, steps):
    """Return ``lengths`` as an int64 array of ``batch`` entries in ``[1, steps]``."""
    if lengths is None:
        return np.full(batch, steps, dtype=np.int64)
    arr = np.asarray(lengths)
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"lengths must be integers, got {arr.dtype} values")
    if arr.ndim == 0 and batch == 1:
        arr = arr.reshape(1)
    if arr.shape != (batch,):
        raise ValueError(f"lengths has shape {arr.shape}; expected ({batch},), one length per sequence")
    if arr.size and (arr.min() < 1 or arr.max() > steps):
        raise ValueError(f"lengths must lie in [1, {steps}] (the number of timesteps); "
                         f"got values from {arr.min()} to {arr.max()}")
    return np.ascontiguousarray(arr, dtype=np.int64)


def zero_padding(x, lengths):
    """``x`` (T, B, ...) with the steps at or past each row's length set to 0 (a copy when any are;
    padding may hold NaN)."""
    T = x.shape[0]
    if not np.any(lengths < T):
        return x
    valid = (np.arange(T)[:, None] < lengths[None, :]).reshape((T, len(lengths)) + (1,) * (x.ndim - 2))
    return np.where(valid, x, 0).astype(x.dtype)


def check_finite(name, arr, hint=""):
    """Raise ``ValueError`` if ``arr`` holds NaN or infinity."""
    if not np.all(np.isfinite(arr)):
        n = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} holds {n} NaN or infinite value(s){hint}")
    return arr
