"""Backends: where a network runs, chosen once per network by device name.

:func:`get_backend` returns the backend for ``"cpu"`` or ``"cuda"``; each
implements the contract in :mod:`numbarnn.backends.base`. A backend module is
imported on first use, so the CPU package never imports ``numba.cuda``, and
asking for ``"cuda"`` without a usable GPU raises at once, naming the
simulator switch (never a silent CPU fallback).
"""

import importlib

from .. import _validation as v

#: Backend modules by device name (each defines a ``Backend`` class).
_MODULES = {"cpu": ".cpu", "cuda": ".cuda"}
_BACKENDS = {}


def get_backend(device):
    """The :class:`~numbarnn.backends.base.Backend` for ``device`` (one instance per process).

    Examples
    --------
    >>> from numbarnn.backends import get_backend
    >>> get_backend("cpu").name
    'cpu'
    """
    v.check_device(device)
    if device not in _BACKENDS:
        _BACKENDS[device] = importlib.import_module(_MODULES[device], __name__).Backend()
    return _BACKENDS[device]
