"""The scratch pool never hands out memory that an array still uses, and does reuse freed memory."""

import gc

import numpy as np

import numbarnn
from numbarnn.backends import workspace


def test_live_arrays_are_never_recycled():
    net = numbarnn.GRU(4, 64, seed=0)
    rng = np.random.default_rng(0)
    x1 = rng.standard_normal((50, 16, 4)).astype(np.float32)
    out1, _ = net(x1)
    view = out1[10:20]
    kept = out1.copy()
    del out1
    gc.collect()
    for _ in range(3):  # later calls with the same shapes must not write into `view`
        net(rng.standard_normal((50, 16, 4)).astype(np.float32))
    np.testing.assert_array_equal(view, kept[10:20])


def test_freed_blocks_are_reused():
    a = workspace.empty((256, 1024), np.float32)
    address = a.ctypes.data
    del a
    gc.collect()
    b = workspace.empty((1024, 256), np.float32)  # same number of bytes
    assert b.ctypes.data == address
    assert b.shape == (1024, 256) and b.dtype == np.float32 and b.flags.c_contiguous
    small = workspace.empty((3, 4), np.float64)
    assert small.shape == (3, 4)


def test_a_block_seen_through_any_view_is_not_handed_out():
    a = workspace.empty((256, 1024), np.float32)
    address = a.ctypes.data
    views = [a[3:5, ::2].T, memoryview(a[7]), a.reshape(-1)[10:], np.asarray(a)]
    del a
    gc.collect()
    while views:  # drop one view at a time: the block stays taken while any remains
        b = workspace.empty((1024, 256), np.float32)
        assert b.ctypes.data != address
        del b
        views.pop()
    c = workspace.empty((1024, 256), np.float32)
    assert c.ctypes.data == address
