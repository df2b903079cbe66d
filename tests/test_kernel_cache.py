"""The CPU kernels' on-disk cache is refreshed when any kernel source changes (numbarnn.kernels._cache)."""

import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np

import numbarnn
from numbarnn.kernels import _cache
from numbarnn.kernels.cpu import gemm, packed

PACKAGE = pathlib.Path(numbarnn.__file__).resolve().parent

PRODUCT = """
import numpy as np
from numbarnn.backends.cpu import packed
from numbarnn.kernels import cpu
a = np.arange(6, dtype=np.float32).reshape(2, 3)
w = np.ones((4, 3), np.float32)
out = np.empty((2, 4), np.float32)
cpu.matmul_rows(a, packed(w, True), np.zeros(0, np.float32), out, 1)
print(out.sum())
"""


def test_kernels_use_the_covering_locator():
    for kernel in (gemm.matmul_rows, packed.packed_matmul):
        locator = kernel._cache._impl._locator
        assert getattr(type(locator), "numbarnn_kernels", False)
        assert locator.get_source_stamp()[1] == _cache.sources_digest()
        assert locator.get_source_stamp()[2] == packed.CACHE_BYTES  # the caches the blocks come from


def test_digest_follows_contents_not_times(tmp_path):
    copy = tmp_path / "numbarnn"
    shutil.copytree(PACKAGE / "kernels", copy / "kernels", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PACKAGE / "config.py", copy / "config.py")
    before = _cache.sources_digest(copy)
    target = copy / "kernels" / "cpu" / "packed.py"
    os.utime(target, (1, 1))
    assert _cache.sources_digest(copy) == before
    target.write_text(target.read_text() + "\n# changed\n")
    assert _cache.sources_digest(copy) != before


def test_a_change_to_a_callee_file_alone_recompiles_its_callers(tmp_path):
    """gemm.matmul_rows calls packed.packed_matmul from another file. Numba alone checks only
    gemm.py, so after packed.py changes the cached matmul_rows would still run the old product."""
    shutil.copytree(PACKAGE, tmp_path / "numbarnn", ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ, PYTHONPATH=str(tmp_path))

    def run():
        done = subprocess.run([sys.executable, "-c", PRODUCT], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        return float(done.stdout.split()[-1])

    assert run() == np.arange(6).reshape(2, 3).sum(axis=1).sum() * 4  # 60: compiled and cached
    assert run() == 60.0  # from the cache
    target = tmp_path / "numbarnn" / "kernels" / "cpu" / "packed.py"
    target.write_text(target.read_text() + '''

@njit(**JIT_OPTIONS)
def packed_matmul(a, wp, c, r0, r1):  # a changed product: every output 7
    for i in range(r0, r1):
        for j in range(c.shape[1]):
            c[i, j] = 7.0
''')
    assert run() == 7.0 * 8
