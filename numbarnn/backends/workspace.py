"""A pool of large scratch blocks, so repeated calls do not page-fault fresh memory.

glibc returns freed multi-megabyte arrays to the kernel, so each training step
would otherwise fault in its tape page by page (measured: ~2,700 faults, 40%
of an LSTM forward at B=32, H=128). :func:`empty` hands out arrays carved
from recycled blocks instead.

It is safe by construction: every array :func:`empty` returns is a view of a
pooled block, and NumPy makes every view's ``base`` the block itself, so while
any array or view of that memory is alive the block's reference count is above
the pool's own one. A block is handed out again only when its count shows that
nothing but the pool refers to it. Memory is never reused while anything can
still see it, and handing out a block costs a view and a reference count (a
hand-out through an owner object with ``__array_interface__``, the earlier
form, cost 4.5 us, about ten times a plain ``np.empty``; a training step makes
a dozen).
"""

import math
import sys
import threading

import numpy as np

from .. import config

_MIN_BYTES = 1 << 16  # smaller arrays come from np.empty directly
_MAX_PER_SIZE = 8
_PROBE = [np.empty(1, dtype=np.uint8)]
_FREE = sys.getrefcount(_PROBE[0])  # the count of a block only the pool's list refers to


class _Pool:
    def __init__(self):
        self.held = 0
        self.blocks = {}
        self.lock = threading.Lock()

    def take(self, nbytes):
        """A block of ``nbytes`` that nothing else refers to: a pooled one when one is free, else a new
        one (kept in the pool while it holds fewer than ``config.WORKSPACE_BYTES``)."""
        with self.lock:
            stack = self.blocks.setdefault(nbytes, [])
            for i in range(len(stack)):
                if sys.getrefcount(stack[i]) == _FREE:
                    return stack[i]
            block = np.empty(nbytes, dtype=np.uint8)
            if self.held + nbytes <= config.WORKSPACE_BYTES and len(stack) < _MAX_PER_SIZE:
                stack.append(block)
                self.held += nbytes
            return block


_POOL = _Pool()


def empty(shape, dtype):
    """Like ``np.empty(shape, dtype)`` (C order), reusing a pooled block for large arrays."""
    dtype = np.dtype(dtype)
    shape = tuple(map(int, shape))
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes < _MIN_BYTES:
        return np.empty(shape, dtype=dtype)
    return np.ndarray(shape, dtype, _POOL.take(nbytes))  # its base is the block
