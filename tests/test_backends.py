"""The backend contract: CPU and CUDA implement the same methods with the same signatures, and a
network resolves its backend once. (That the two compute the same numbers is tests/cuda_sim's job.)"""

import inspect

import numpy as np
import pytest

import numbarnn
from numbarnn import _validation, backends, cells
from numbarnn.backends import base, cpu, cuda


def _abstract_methods(cls):
    return sorted(name for name, member in vars(cls).items() if getattr(member, "__isabstractmethod__", False))


@pytest.mark.parametrize("contract,twins", [
    (base.Backend, (cpu.Backend, cuda.Backend)),
    *[(base.LayerOps, (cpu._OPS[name], cuda._OPS[name])) for name in cells.CELLS],
], ids=["Backend", *[f"LayerOps[{name}]" for name in cells.CELLS]])
def test_cpu_and_cuda_share_the_contract(contract, twins):
    methods = _abstract_methods(contract)
    assert methods  # the contract is not empty
    for twin in twins:
        assert issubclass(twin, contract)
        assert not _abstract_methods(twin) and not getattr(twin, "__abstractmethods__", None), twin
        for name in methods:
            assert inspect.signature(getattr(twin, name)) == inspect.signature(getattr(contract, name)), \
                f"{twin.__module__}.{twin.__name__}.{name}"


def test_every_cell_has_ops_on_every_backend():
    assert set(cpu._OPS) == set(cuda._OPS) == set(cells.CELLS)
    assert tuple(backends._MODULES) == _validation.DEVICES


def test_backend_is_resolved_once_per_network():
    net = numbarnn.LSTM(2, 3, seed=0)
    assert net.backend is backends.get_backend("cpu") and net.device == "cpu"
    ops = net._ops
    net(np.zeros((4, 1, 2), "float32"))
    assert net._ops is ops


def test_unknown_device():
    with pytest.raises(ValueError, match="unknown device 'gpu'; expected one of 'cpu', 'cuda'"):
        backends.get_backend("gpu")
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        numbarnn.GRU(2, 3, device="tpu")


@pytest.mark.parametrize("name", sorted(cells.CELLS))
def test_tape_holds_the_fields_its_cell_declares(name):
    net = numbarnn.nn.NETWORKS[name](2, 3, num_layers=2, dtype="float64", seed=0)
    x = np.random.default_rng(0).standard_normal((5, 2, 2))
    _, _, tape = net.forward(x)
    for layer in tape.layers:
        t = layer[0]
        for field in ("x", "out", "h_prev"):
            assert getattr(t, field).shape[:2] == (5, 2)
        for field in ("gates", "c_prev", "tanh_c", "hn"):
            assert (getattr(t, field) is not None) == (field in net.cell.tape_fields), field
        if t.gates is not None:
            assert t.gates.shape == (5, 2, net.cell.gates * 3)


def test_cpu_checked_masks_padding_and_counts_non_finite():
    b = backends.get_backend("cpu")
    x = np.ones((3, 2, 1))
    x[2, 1, 0] = np.nan
    out = b.checked("x", x, np.float64, (3, 2, 1), lengths=np.array([3, 2]))
    assert out[2, 1, 0] == 0 and out[2, 0, 0] == 1
    with pytest.raises(ValueError, match="x holds 1 NaN or infinite value"):
        b.checked("x", x, np.float64, (3, 2, 1))
    with pytest.raises(ValueError, match=r"x has shape \(3, 2, 1\); expected \(3, 1, 2\)"):
        b.checked("x", x, np.float64, (3, 1, 2))
    with pytest.raises(TypeError, match="x has dtype float64; this network is float32"):
        b.checked("x", x, np.float32, (3, 2, 1))


def test_cells_are_the_one_source_of_gate_facts():
    for name, cell in cells.CELLS.items():
        net = numbarnn.nn.NETWORKS[name](2, 3, seed=0)
        assert net.params["weight_hh_l0"].shape == (cell.gates * 3, 3)
        state = net(np.zeros((1, 2), net.dtype))[1]
        assert isinstance(state, tuple) == cell.has_cell_state
    with pytest.raises(ValueError, match="unknown cell 'transformer'; expected one of 'rnn', 'lstm', 'gru'"):
        cells.get_cell("transformer")
