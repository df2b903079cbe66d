"""Under the simulator every thread is a Python thread: persistent blocks of 64 threads (not 256).

64 threads still give several reduction slices per column and a fold of the partial sums for
every cell at the suite's sizes; on a real GPU the defaults are kept.
"""

import pytest
from numba.core import config as numba_config


@pytest.fixture(autouse=True)
def _small_persistent_blocks(monkeypatch):
    if numba_config.ENABLE_CUDASIM:
        from numbarnn import functional_cuda
        monkeypatch.setattr(functional_cuda, "PERSISTENT_THREADS", 64)
