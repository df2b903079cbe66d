"""Every CUDA kernel compiles for sm_90 (the H100/H200) without a GPU, with no register spills.

numba-cuda's NVVM (the ``cu13`` extra) emits PTX for compute capability 9.0;
kernels that call device functions ask the driver for the current device, so
that lookup is stubbed to a (9, 0) device. The PTX is then linked for sm_90
with nvJitLink in verbose mode and ptxas' report is checked for spills.
Typing errors, spills and resource overruns show up here before a GPU does.

``tests/test_cuda_compile.py`` runs this module in a child process beside the rest of the suite
(``tests/children.py``); ``pytest tests/cuda_ptx/check_sm90.py`` runs it alone.
"""

import re
import types

import pytest
from numba.core import config as numba_config

if numba_config.ENABLE_CUDASIM:
    pytest.skip("PTX compilation needs the real CUDA target, not the simulator", allow_module_level=True)
pytest.importorskip("numba_cuda")

from numba import boolean, cuda, float32, float64, int64  # noqa: E402


def _signatures(dt):
    f1, f2, f3, i1, b, i = dt[::1], dt[:, ::1], dt[:, :, ::1], int64[::1], boolean, int64
    return {
        "lstm.lstm_step": (i, f3, f2, f2, f2, i1, b, b, dt, f2, f2, f3, f3, f3, f3, f3),
        "lstm.lstm_backward_step": (i, f3, f2, f2, i1, b, f3, f3, f3, dt, f2, f2, f3),
        "gru.gru_step": (i, f3, f2, f1, f2, i1, b, b, dt, f2, f3, f3, f3, f3),
        "gru.gru_backward_step": (i, f3, f2, i1, b, f3, f3, f3, dt, f2, f2, f3, f3),
        "rnn.rnn_step": (i, f3, f2, f2, i1, b, b, b, dt, f2, f3, f3),
        "rnn.rnn_backward_step": (i, f3, f2, i1, b, b, f3, dt, f2, f3),
        "recurrent.recurrent_grad": (i, f2, f2, i1, f2, b, dt, f2, f2),
        "persistent.lstm_forward": (i, f3, f1, i, i, f3, f1, f2, i1, b, b, b, dt, f3, f3, f3, f3, f3),
        "persistent.gru_forward": (i, f3, f1, i, i, f1, f3, f1, i1, b, b, b, dt, f3, f3, f3, f3),
        "persistent.rnn_forward": (i, f3, f1, i, i, f3, f1, i1, b, b, b, b, dt, f3, f3),
        "persistent.lstm_backward": (i, f3, f1, i, i, f3, f1, f2, f2, i1, b, b, dt, f3, f3, f3, f3),
        "persistent.gru_backward": (i, f3, f1, i, i, f3, f1, f2, i1, b, b, dt, f3, f3, f3, f3, f3),
        "persistent.rnn_backward": (i, f3, f1, i, i, f3, f1, f2, i1, b, b, b, dt, f3, f3),
        "common.gemm": (f2, f2, f2, f1, dt, b, b, b),
        "common.column_sums": (f2, f1, dt),
        "common.fill": (f1, dt),
        "common.transpose": (f2, f2),
        "common.pack_rows": (f2, i, i, f3),
        "common.pack_columns": (f2, i, f3),
        "common.multiply": (f1, f1, f1),
        "common.copy_columns": (f3, f3, i, b),
        "common.mask_padding": (dt[:, :, :], i1, f3, int64[::1]),
    }


@pytest.fixture
def sm90(monkeypatch):
    import numba.cuda.dispatcher as dispatcher
    monkeypatch.setattr(dispatcher, "get_current_device",
                        lambda: types.SimpleNamespace(compute_capability=(9, 0)))
    try:
        cuda.compile_ptx(lambda a: None, (float32[::1],), cc=(9, 0))
    except Exception as err:  # no NVVM: numba-cuda was installed without its compiler extra
        pytest.skip(f"no NVVM to compile with ({type(err).__name__}); install numba-cuda[cu13]")


def _ptxas_report(ptx):
    try:
        from cuda.core import Linker, LinkerOptions, ObjectCode
    except ImportError:
        from cuda.core.experimental import Linker, LinkerOptions, ObjectCode
    objects = [ObjectCode.from_ptx(ptx.encode())]
    if "cudaCGSynchronize" in ptx:  # grid-synchronised kernels link the device runtime
        from numba.cuda.cudadrv import libs
        objects.append(ObjectCode.from_library(libs.get_cudalib("cudadevrt", static=True)))
    linker = Linker(*objects, options=LinkerOptions(arch="sm_90", verbose=True))
    linker.link("cubin")
    return linker.get_info_log()


@pytest.mark.parametrize("dt", [float32, float64], ids=["float32", "float64"])
def test_kernels_compile_for_sm90_without_spills(sm90, dt):
    import importlib
    from numbarnn import config
    from numbarnn.kernels.cuda import common, persistent
    for name, sig in _signatures(dt).items():
        module, kernel = name.split(".")
        if module == "persistent":  # built once per batch tile; float64 checks the smallest and the largest
            tiles = persistent.BATCH_TILES
            tiles = tiles if dt == float32 else (tiles[0], tiles[-1])
            fns = {f"{name}[BT={bt}]": getattr(persistent.kernels(bt), kernel) for bt in tiles}
        elif name == "common.gemm":  # built once per tile edge
            fns = {name: common.gemm(config.CUDA_TILE)}
        else:
            fns = {name: getattr(importlib.import_module(f"numbarnn.kernels.cuda.{module}"), kernel)}
        for label, fn in fns.items():
            ptx, _ = cuda.compile_ptx(fn.py_func, sig, cc=(9, 0))
            assert ".target sm_90" in ptx, label
            report = _ptxas_report(ptx)
            registers = re.search(r"used (\d+) registers", report)
            assert registers, f"{label}: no ptxas report: {report!r}"
            assert "0 bytes lmem" in report, f"{label} spills to local memory: {report}"
            if module == "persistent":  # a one-tile block runs up to WHOLE_COLUMNS threads on one SM
                regs = max(int(r) for r in re.findall(r"used (\d+) registers", report))
                assert regs * config.CUDA_WHOLE_COLUMNS <= 65536, f"{label}: {regs} registers per thread"
                static = int(re.findall(r"(\d+) bytes smem", report)[-1])  # the kernel's line comes last
                assert static <= config.CUDA_STATIC_SHARED, f"{label}: {static} bytes of static shared memory"
