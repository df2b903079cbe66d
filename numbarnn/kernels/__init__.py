"""Compute kernels: ``cpu`` (Numba ``@njit``) and ``cuda`` (``numba.cuda``).

Kernels only loop and write into arrays they are given; validation and
allocation live in the backends (:mod:`numbarnn.backends`).
"""
