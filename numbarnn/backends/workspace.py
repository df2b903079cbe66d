"""A pool of large scratch blocks, so repeated calls do not page-fault fresh memory.

glibc returns freed multi-megabyte arrays to the kernel, so each training step
would otherwise fault in its tape page by page (measured: ~2,700 faults, 40%
of an LSTM forward at B=32, H=128). :func:`empty` hands out arrays carved
from recycled blocks instead.

It is safe by construction: every array is created from a :class:`_Lease`
whose ``__array_interface__`` points at the block, so NumPy keeps the lease
as the array's base. The lease (and with it the block's return to the pool)
dies only when no array or view refers to that memory any more. Memory is
never reused while anything can still see it.
"""

import math
import threading

import numpy as np

from .. import config

_MIN_BYTES = 1 << 16  # smaller arrays come from np.empty directly
_MAX_PER_SIZE = 8


class _Pool:
    def __init__(self):
        self.cached = 0
        self.blocks = {}
        self.lock = threading.Lock()

    def take(self, nbytes):
        with self.lock:
            stack = self.blocks.get(nbytes)
            if stack:
                self.cached -= nbytes
                return stack.pop()
        return np.empty(nbytes, dtype=np.uint8)

    def give(self, block):
        with self.lock:
            stack = self.blocks.setdefault(block.nbytes, [])
            if self.cached + block.nbytes <= config.WORKSPACE_BYTES and len(stack) < _MAX_PER_SIZE:
                stack.append(block)
                self.cached += block.nbytes


_POOL = _Pool()


class _Lease:
    """Owns one pooled block while any array made from it is alive."""

    __slots__ = ("block", "__array_interface__")

    def __init__(self, block, shape, dtype):
        self.block = block
        self.__array_interface__ = {"data": (block.ctypes.data, False), "shape": shape,
                                    "typestr": dtype.str, "version": 3}

    def __del__(self):
        pool = _POOL  # None during interpreter shutdown
        if pool is not None:
            pool.give(self.block)


def empty(shape, dtype):
    """Like ``np.empty(shape, dtype)`` (C order), reusing a pooled block for large arrays."""
    dtype = np.dtype(dtype)
    shape = tuple(int(s) for s in shape)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes < _MIN_BYTES:
        return np.empty(shape, dtype=dtype)
    return np.asarray(_Lease(_POOL.take(nbytes), shape, dtype))

