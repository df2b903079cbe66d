"""Compute kernels: ``cpu`` (Numba ``@njit``) and ``cuda`` (``numba.cuda``).

Kernels only loop and write into arrays they are given; validation and
allocation live in the backends (:mod:`numbarnn.backends`).
"""

from ._cache import install as _install_cache

_install_cache()  # before any kernel module is compiled: see ._cache
