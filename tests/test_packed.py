"""The packed-panel microkernel (numbarnn.kernels.cpu.packed) against NumPy."""

import os
import platform
import subprocess
import sys

import llvmlite.binding as llvm
import numpy as np
import pytest

from numbarnn.backends import calibration
from numbarnn.backends.cpu import packed, padded_empty
from numbarnn.kernels import cpu
from numbarnn.kernels.cpu import packed as pk

DTYPES = [np.float32, np.float64]
#: matmul_tn's two ways of reading ``a``: through copied slices from one panel on, and always in place.
READS = {"copied": 1, "in-place": calibration.NEVER}
TOL = {np.float32: 2e-5, np.float64: 1e-13}
# (M, K, N): single rows, every row tail below MR, partial last panels, several KC blocks; last panels
# of at most one vector (one-vector tiles: 1, 3, 6, 8, 16 columns in float32, 1, 2, 3, 6, 8 in float64),
# of more (18 in float32, 12 in float64), both full and partial.
SHAPES = [(1, 1, 1), (1, 64, 256), (7, 5, 3), (9, 33, 65), (16, 128, 512), (23, 300, 70), (64, 513, 40),
          (11, 300, 50), (5, 270, 44), (3, 20, 16)]


def _rel_err(got, want):
    return np.abs(got - want).max() / max(np.abs(want).max(), 1.0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_matmul_rows_matches_numpy(dtype, shape):
    M, K, N = shape
    rng = np.random.default_rng(M * K * N)
    a = rng.standard_normal((M, K)).astype(dtype)
    w = rng.standard_normal((N, K)).astype(dtype)
    bias = rng.standard_normal(N).astype(dtype)
    out = np.full((M, N), np.nan, dtype)
    cpu.matmul_rows(a, packed(w, True), bias, out, min(M, 3))
    assert _rel_err(out, a.astype(np.float64) @ w.T.astype(np.float64) + bias) < TOL[dtype]


@pytest.mark.parametrize("read", READS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_matmul_tn_matches_numpy(dtype, shape, read):
    M, K, N = shape  # out (K, N) = a.T @ b over M rows
    rng = np.random.default_rng(M + K + N)
    a = rng.standard_normal((M, K)).astype(dtype)
    b = rng.standard_normal((M, N)).astype(dtype)
    out = np.full((K, N), np.nan, dtype)
    cpu.matmul_tn(a, packed(b), out, 2, READS[read])
    assert _rel_err(out, a.T.astype(np.float64) @ b.astype(np.float64)) < TOL[dtype]


@pytest.mark.parametrize("dtype", DTYPES)
def test_strided_rows_and_padded_allocation(dtype):
    rng = np.random.default_rng(5)
    full = padded_empty((3, 40, 128), dtype)  # 128 columns: rows padded off the power-of-two stride
    assert full.shape[-1] > 128
    full[...] = rng.standard_normal(full.shape)
    a = full.reshape(120, -1)[:, :128]
    b = rng.standard_normal((120, 70)).astype(dtype)
    for copy_from in READS.values():
        out = np.empty((128, 70), dtype)
        cpu.matmul_tn(a, packed(b), out, 3, copy_from)
        assert _rel_err(out, a.T @ b) < TOL[dtype]
    w = rng.standard_normal((128, 9)).astype(dtype)
    out2 = np.empty((120, 9), dtype)
    cpu.matmul_rows(a, packed(w), np.zeros(0, dtype), out2, 2)
    assert _rel_err(out2, a @ w) < TOL[dtype]


def test_result_independent_of_row_split():
    rng = np.random.default_rng(7)
    a = rng.standard_normal((301, 270)).astype(np.float32)
    w = rng.standard_normal((270, 77)).astype(np.float32)
    wp, bp = packed(w), packed(rng.standard_normal((301, 77)).astype(np.float32))
    bias = rng.standard_normal(77).astype(np.float32)
    outs, tns, sums = [], [], []
    for chunks in (None, 1, 2, 5, 301):  # None: the serial forms, on the calling thread
        out, t, s = np.empty((301, 77), np.float32), np.empty((270, 77), np.float32), np.empty(270, np.float32)
        if chunks is None:
            cpu.matmul_rows_serial(a, wp, bias, out)
            cpu.matmul_tn_serial(a, bp, t, 1)
            cpu.column_sums_serial(a, s)
        else:
            cpu.matmul_rows(a, wp, bias, out, chunks)
            cpu.matmul_tn(a, bp, t, min(chunks, 270 // cpu.MR), 1)
            cpu.column_sums(a, s, min(chunks, 270))
        outs.append(out)
        tns.append(t)
        sums.append(s)
    np.testing.assert_allclose(outs[0], a @ w + bias, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(sums[0], a.sum(axis=0), rtol=1e-4, atol=1e-3)
    for got in zip(outs[1:], tns[1:], sums[1:]):
        for want, result in zip((outs[0], tns[0], sums[0]), got):
            np.testing.assert_array_equal(want, result)


#: Output rows past which packed_matmul_tn's copied slices are visited in more than one group.
BLOCK_ROWS = pk.A_BLOCK_BYTES // (pk.KC * 4)


@pytest.mark.parametrize("n, m", [(40, 45), (20 * pk.panel_width(np.float32) + 3, 45),
                                  (5 * pk.panel_width(np.float32) + 1, 2 * BLOCK_ROWS + 13)])
def test_tn_product_has_the_bits_of_the_plain_one(n, m):
    """``a.T @ b`` read in place or through copied column slices (in groups of slices when ``a`` has
    many columns) sums each element in the same order as the row product of ``a.T``: the same bits,
    for any row split, so the machine's choice between them (``calibration``) changes only the speed."""
    rng = np.random.default_rng(n)
    a = rng.standard_normal((600, m)).astype(np.float32)   # KC-blocks and a row tail below MR
    b = rng.standard_normal((600, n)).astype(np.float32)
    want = np.empty((m, n), np.float32)
    cpu.matmul_rows(np.ascontiguousarray(a.T), packed(b), np.zeros(0, np.float32), want, 1)
    panels = packed(b).shape[1]
    for copy_from in (1, panels, panels + 1, calibration.NEVER):
        for chunks in (1, 2, 3):
            got = np.empty((m, n), np.float32)
            cpu.matmul_tn(a, packed(b), got, chunks, copy_from)
            np.testing.assert_array_equal(got, want)


def test_calibration_chooses_a_candidate_or_never(monkeypatch):
    choice, seconds = calibration.measure_tn_copy_panels(flops=1 << 20, repeats=2)
    assert choice in (*calibration.CANDIDATE_PANELS, calibration.NEVER)
    assert set(seconds) == set(calibration.CANDIDATE_PANELS)
    assert all(t > 0 for pair in seconds.values() for t in pair)
    if choice != calibration.NEVER:  # copying was faster there by the margin
        in_place, copied = seconds[choice]
        assert copied <= calibration.MARGIN * in_place
    monkeypatch.setattr(calibration.config, "TN_COPY_PANELS", 7)
    assert calibration.tn_copy_panels() == 7


def test_tn_copy_panels_from_the_environment():
    code = "from numbarnn import config; print(config.TN_COPY_PANELS)"
    for value, want in (("", "None"), ("12", "12")):
        env = dict(os.environ, NUMBARNN_TN_COPY_PANELS=value)
        got = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert got.stdout.strip() == want
    env = dict(os.environ, NUMBARNN_TN_COPY_PANELS="many")
    got = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert got.returncode != 0 and "NUMBARNN_TN_COPY_PANELS='many' is not an integer" in got.stderr


def test_nan_and_inf_propagate():
    a = np.ones((9, 4), np.float32)
    a[3, 2] = np.nan
    a[5, 0] = np.inf
    out = np.empty((9, 3), np.float32)
    cpu.matmul_rows(a, packed(np.ones((4, 3), np.float32)), np.zeros(0, np.float32), out, 1)
    assert np.isnan(out[3]).all() and np.isposinf(out[5]).all()
    assert np.isfinite(np.delete(out, [3, 5], axis=0)).all()


def test_packed_layout():
    w = np.arange(3 * 5, dtype=np.float64).reshape(3, 5)  # K=3, N=5
    wp = packed(w)
    KB, P, KC, NR = wp.shape
    assert (KB, KC, NR) == (1, 3, pk.panel_width(np.float64)) and P == -(-5 // NR)
    np.testing.assert_array_equal(wp[0, 0, :, :5], w)
    assert not wp[0, 0, :, 5:].any()
    np.testing.assert_array_equal(packed(w.T.copy(), True), wp)
    assert pk.packed_shape(600, 10, np.float32)[:3] == (3, 1, pk.KC)


PRODUCTS = """
import hashlib
import numpy as np
from numbarnn.backends.cpu import packed
from numbarnn.kernels import cpu
rng = np.random.default_rng(0)
digest = hashlib.sha256()
# row tails of every length below 6 and 8, partial panels, two KC blocks
for M, K, N in [(23, 300, 70), (9, 33, 65), (10, 40, 20), (13, 7, 33)]:
    a = rng.standard_normal((M, K)).astype(np.float32)
    w = rng.standard_normal((N, K)).astype(np.float32)
    out = np.full((M, N), np.nan, np.float32)
    cpu.matmul_rows(a, packed(w, True), np.zeros(N, np.float32), out, 2)
    want = a.astype(np.float64) @ w.T.astype(np.float64)
    assert np.abs(out - want).max() < 2e-5 * np.abs(want).max(), "rows"
    digest.update(out.tobytes())
    b = rng.standard_normal((M, N)).astype(np.float32)
    for copy_from in (1, 1 << 30):   # copied slices, in place
        out = np.full((K, N), np.nan, np.float32)
        cpu.matmul_tn(a, packed(b), out, 2, copy_from)
        want = a.T.astype(np.float64) @ b.astype(np.float64)
        assert np.abs(out - want).max() < 2e-5 * np.abs(want).max(), "tn"
        digest.update(out.tobytes())
"""
NARROW = """
from numbarnn.kernels.cpu import packed as pk
assert (pk.VECTOR_BITS, pk.MR) == (256, 6), (pk.VECTOR_BITS, pk.MR)
""" + PRODUCTS + """
print(digest.hexdigest())
"""


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64")
                    or not llvm.get_host_cpu_features().get("avx2"), reason="needs an x86-64 CPU with AVX2")
def test_avx2_kernel_where_numba_targets_avx2(tmp_path):
    """With ``NUMBA_CPU_FEATURES`` naming AVX2 without AVX-512 (as for a cache shared with AVX2 machines),
    the microkernel takes the 256-bit, 6-row form that such CPUs run; it is right, and its products have
    the bits of this machine's own build (each element is one chain of fused multiply-adds in order,
    whatever the vector width and rows per call)."""
    env = dict(os.environ, NUMBA_CPU_FEATURES="+avx,+avx2,+fma,-avx512f", NUMBA_CACHE_DIR=str(tmp_path))
    run = subprocess.run([sys.executable, "-c", NARROW], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    here = {}
    exec(PRODUCTS, here)
    assert run.stdout.strip() == here["digest"].hexdigest()


def _fake_sysfs(root, caches):
    for i, (level, kind, size) in enumerate(caches):
        index = root / f"index{i}"
        index.mkdir(parents=True)
        (index / "level").write_text(f"{level}\n")
        (index / "type").write_text(f"{kind}\n")
        (index / "size").write_text(f"{size}\n")
    return root


def test_cache_sizes_read_from_sysfs_then_sysconf_then_the_fallback(tmp_path, monkeypatch):
    from numbarnn.kernels.cpu import caches
    zen4 = _fake_sysfs(tmp_path / "zen4", [(1, "Data", "32K"), (1, "Instruction", "32K"), (2, "Unified", "1024K"),
                                           (3, "Unified", "32768K")])
    assert caches.data_cache_bytes(zen4) == (32 * 1024, 1024 * 1024)
    monkeypatch.setattr(caches.os, "sysconf", lambda name: {"SC_LEVEL1_DCACHE_SIZE": 49152,
                                                            "SC_LEVEL2_CACHE_SIZE": 0}[name])
    assert caches.data_cache_bytes(tmp_path / "none") == (49152, caches.FALLBACK[1])

    def unknown(name):
        raise ValueError(name)
    monkeypatch.setattr(caches.os, "sysconf", unknown)
    assert caches.data_cache_bytes(tmp_path / "none") == caches.FALLBACK
    l1, l2 = pk.CACHE_BYTES  # this machine's, as the kernels use them
    assert l1 >= 1024 and l2 >= l1 and (pk.KC, pk.PANEL_GROUP, pk.A_BLOCK_BYTES) == caches.blocking(
        l1, l2, pk.VECTOR_BITS)


@pytest.mark.parametrize("bits", [128, 256, 512])
def test_blocks_fit_the_caches_they_are_made_for(bits):
    from numbarnn.kernels.cpu.caches import MAX_A_BLOCK, MAX_GROUP, MAX_KC, blocking
    row = bits // 4  # bytes of one row of a panel, either dtype
    for l1 in (16, 32, 48, 64, 80):
        for l2 in (256, 512, 1024, 1280, 2048, 4096):
            kc, group, a_block = blocking(l1 * 1024, l2 * 1024, bits)
            assert kc & (kc - 1) == 0 and 32 <= kc <= MAX_KC and kc * row <= max(l1 * 1024, 32 * row)
            assert 1 <= group <= MAX_GROUP and (group == 1 or group * kc * row <= l2 * 1024 // 2)
            assert kc * row <= a_block <= min(MAX_A_BLOCK, max(l2 * 1024 // 2, kc * row))
    assert blocking(32 * 1024, 1024 * 1024, 512) == blocking(48 * 1024, 2048 * 1024, 512) == (256, 16, 512 * 1024)


@pytest.mark.parametrize("kc", [32, 64, 128])
def test_result_independent_of_the_block_rows(kc, monkeypatch):
    """A smaller ``KC`` (smaller L1 caches) splits ``k`` into more blocks; every element is still one
    chain of fused multiply-adds in the order of ``k``: the same bits."""
    rng = np.random.default_rng(kc)
    a = rng.standard_normal((23, 300)).astype(np.float32)
    w = rng.standard_normal((70, 300)).astype(np.float32)
    bias = rng.standard_normal(70).astype(np.float32)
    want = np.empty((23, 70), np.float32)
    cpu.matmul_rows(a, packed(w, True), bias, want, 2)
    monkeypatch.setattr(pk, "KC", kc)
    wp = packed(w, True)
    assert wp.shape[0] == -(-300 // kc) and wp.shape[2] == kc
    got = np.empty_like(want)
    cpu.matmul_rows(a, wp, bias, got, 2)
    np.testing.assert_array_equal(got, want)
