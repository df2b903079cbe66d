"""Weights to and from PyTorch and ONNX, and load_state_dict's checks (torch and onnxruntime optional)."""

import sys

import numpy as np
import pytest

import numbarnn
from numbarnn import export

CASES = [("RNN", dict(nonlinearity="relu")), ("RNN", {}), ("LSTM", {}), ("GRU", {})]


def _net(name, kwargs, dtype="float32"):
    return getattr(numbarnn, name)(3, 5, num_layers=2, bidirectional=True, dtype=dtype, seed=0, **kwargs)


@pytest.mark.parametrize("name, kwargs", CASES)
@pytest.mark.parametrize("dtype, tol", [("float32", 1e-6), ("float64", 1e-12)])
def test_to_torch_gives_the_same_network(name, kwargs, dtype, tol):
    torch = pytest.importorskip("torch")
    net = _net(name, kwargs, dtype)
    module = net.to_torch()
    assert isinstance(module, getattr(torch.nn, name)) and not module.batch_first
    x = np.random.default_rng(1).standard_normal((7, 4, 3)).astype(dtype)
    out, state = net(x)
    with torch.no_grad():
        ref, ref_state = module(torch.from_numpy(x))
    np.testing.assert_allclose(out, ref.numpy(), rtol=0, atol=tol)
    for a, b in zip(state if name == "LSTM" else [state], ref_state if name == "LSTM" else [ref_state]):
        np.testing.assert_allclose(a, b.numpy(), rtol=0, atol=tol)
    # and back: torch's own state dict (tensors) into a fresh numbarnn network
    again = _net(name, kwargs, dtype).load_state_dict(module.state_dict())
    np.testing.assert_array_equal(again(x)[0], out)


@pytest.mark.parametrize("name, kwargs", CASES[1:])
def test_batch_first_matches_torch_batch_first(name, kwargs):
    torch = pytest.importorskip("torch")
    net = getattr(numbarnn, name)(3, 5, num_layers=2, dtype="float64", seed=0, batch_first=True, **kwargs)
    module = net.to_torch()
    assert module.batch_first
    x = np.random.default_rng(2).standard_normal((4, 7, 3))   # (B, T, F)
    out, _, tape = net.forward(x)
    tx = torch.from_numpy(x).requires_grad_()
    ref, _ = module(tx)
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=0, atol=1e-12)
    g = np.cos(out)
    ref.backward(torch.from_numpy(g))
    np.testing.assert_allclose(net.backward(tape, g)["input"], tx.grad.numpy(), rtol=0, atol=1e-12)


def test_onnx_of_a_batch_first_network(tmp_path):
    pytest.importorskip("torch"), pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    net = numbarnn.GRU(3, 4, seed=0, batch_first=True)
    path = export.onnx(net, tmp_path / "gru.onnx")
    x = np.random.default_rng(0).standard_normal((5, 9, 3)).astype("float32")   # (B, T, F)
    out, h_n = ort.InferenceSession(str(path)).run(None, {"input": x, "h0": np.zeros((1, 5, 4), "float32")})
    np.testing.assert_allclose(out, net(x)[0], atol=1e-5)


def test_state_dict_as_tensors_loads_into_torch():
    torch = pytest.importorskip("torch")
    net = _net("GRU", {})
    sd = net.state_dict(format="torch")
    assert all(isinstance(t, torch.Tensor) for t in sd.values())
    module = torch.nn.GRU(3, 5, num_layers=2, bidirectional=True)
    module.load_state_dict(sd)  # torch's own loader takes it as is
    for k, t in module.state_dict().items():
        np.testing.assert_array_equal(t.numpy(), net.params[k])
    with pytest.raises(ValueError, match="unknown format 'pandas'"):
        net.state_dict(format="pandas")


def test_without_torch_the_message_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    net = _net("LSTM", {})
    for call in (lambda: net.to_torch(), lambda: net.state_dict(format="torch")):
        with pytest.raises(ImportError, match="needs PyTorch: pip install torch"):
            call()


def test_load_state_dict_refuses_bad_entries_and_changes_nothing():
    net = _net("LSTM", {})
    before = net.state_dict()
    good = net.state_dict()
    bad_cases = [
        (list(good.values()), TypeError, "must be a mapping of parameter names to arrays .* got list"),
        ({**good, "weight_ih_l0": np.full(good["weight_ih_l0"].shape, "a")}, TypeError,
         "entry 'weight_ih_l0' holds values of dtype <U1; give real numbers"),
        ({**good, "bias_hh_l1": good["bias_hh_l1"] + 1j}, TypeError, "entry 'bias_hh_l1' holds complex numbers"),
        ({**good, "weight_hh_l0": good["weight_hh_l0"].tolist()[:3]}, ValueError, "weight_hh_l0"),
        ({**good, 7: np.zeros(3)}, KeyError, "unexpected \\[7\\]"),
        ({**good, "bias_ih_l0": np.full(20, np.nan)}, ValueError, "NaN or infinite"),
    ]
    for mapping, error, message in bad_cases:
        with pytest.raises(error, match=message):
            net.load_state_dict(mapping)
        for k, value in net.state_dict().items():
            np.testing.assert_array_equal(value, before[k])


@pytest.mark.parametrize("name, kwargs", CASES[1:])
def test_onnx_export_runs_in_onnxruntime(name, kwargs, tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    net = _net(name, kwargs)
    path = export.onnx(net, tmp_path / "net.onnx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.onnx"]
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(2)
    for T, B in ((9, 1), (4, 6)):  # time and batch are free
        x = rng.standard_normal((T, B, 3)).astype("float32")
        h0 = rng.standard_normal((4, B, 5)).astype("float32")
        feeds = {"input": x, "h0": h0}
        state = h0
        if name == "LSTM":
            c0 = rng.standard_normal((4, B, 5)).astype("float32")
            feeds["c0"], state = c0, (h0, c0)
        got = session.run(None, feeds)
        out, final = net(x, state)
        np.testing.assert_allclose(got[0], out, rtol=0, atol=1e-5)
        for a, b in zip(got[1:], final if name == "LSTM" else [final]):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
    with pytest.raises(TypeError, match="net must be a numbarnn RNN, LSTM or GRU"):
        export.onnx(numbarnn.Forecaster(), tmp_path / "x.onnx")
