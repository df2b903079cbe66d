"""Every CUDA kernel compiles for sm_90 without a GPU and without register spills: the checks of
``cuda_ptx/check_sm90.py``, a minute of NVVM and ptxas on one core, run in a child process beside the
rest of the suite (``children.py``)."""

import pathlib

import pytest
from children import Child, early, pytest_child
from numba.core import config as numba_config

HERE = pathlib.Path(__file__).resolve().parent
SM90 = Child(pytest_child(HERE / "cuda_ptx" / "check_sm90.py", "-rs"), cwd=HERE.parent, needs=("numba_cuda",))


@early(SM90)
def test_kernels_compile_for_sm90_without_spills():
    if numba_config.ENABLE_CUDASIM:
        pytest.skip("PTX compilation needs the real CUDA target, not the simulator")
    pytest.importorskip("numba_cuda")
    returncode, stdout, stderr = SM90.result()
    assert returncode == 0, stdout[-6000:] + stderr[-3000:]
    if " passed" not in stdout.splitlines()[-1]:  # no NVVM: the checks skipped, and say why
        pytest.skip(stdout[-1000:])
