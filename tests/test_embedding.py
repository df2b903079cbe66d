"""Embedding: lookup, the hand-written table gradient against a per-token NumPy reference, finite
differences and torch.nn.Embedding; the same bits for any thread count; clear errors."""

import numba
import numpy as np
import pytest

import reference as ref
from numbarnn.nn import Embedding


def _ids(rng, shape=(7, 5), vocab=12):
    return rng.integers(0, vocab, size=shape)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("padding_idx", [None, 0, 3])
def test_lookup_and_gradient_against_the_reference(dtype, padding_idx):
    rng = np.random.default_rng(0)
    emb = Embedding(12, 6, padding_idx=padding_idx, dtype=dtype, seed=1)
    ids = _ids(rng)
    out = emb.forward(ids)
    assert out.shape == (7, 5, 6) and out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, emb.params["weight"][ids])
    if padding_idx is not None:
        assert not emb.params["weight"][padding_idx].any()
    g = rng.standard_normal(out.shape).astype(dtype)
    grad = emb.backward(ids, g)["weight"]
    tol = 1e-12 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(grad, ref.embedding_backward((12, 6), ids, g, padding_idx), rtol=tol, atol=tol)


def test_gradient_against_finite_differences():
    rng = np.random.default_rng(1)
    emb = Embedding(6, 4, padding_idx=2, dtype="float64", seed=0)
    ids = _ids(rng, (9,), vocab=6)
    g = rng.standard_normal((9, 4))
    grad = emb.backward(ids, g)["weight"]
    w = emb.params["weight"]
    eps = 1e-6
    for idx in np.ndindex(w.shape):
        old = w[idx]
        w[idx] = old + eps
        up = float((emb.forward(ids) * g).sum())
        w[idx] = old - eps
        down = float((emb.forward(ids) * g).sum())
        w[idx] = old
        expected = 0.0 if idx[0] == 2 else (up - down) / (2 * eps)   # the padding row gets no gradient
        assert grad[idx] == pytest.approx(expected, abs=1e-8)


def test_same_bits_for_any_thread_count():
    rng = np.random.default_rng(2)
    emb = Embedding(50, 40, dtype="float32", seed=0)
    ids = _ids(rng, (300, 16), vocab=5)          # many repeats per row: the order of the sums matters
    g = rng.standard_normal((300, 16, 40)).astype("float32")
    grads = []
    for n in sorted({1, numba.config.NUMBA_NUM_THREADS}):
        numba.set_num_threads(n)
        try:
            grads.append(emb.backward(ids, g)["weight"])
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    assert all(np.array_equal(grads[0], other) for other in grads[1:])


def test_max_norm_rescales_the_rows_looked_up():
    emb = Embedding(5, 3, max_norm=1.0, dtype="float64", seed=0)
    emb.params["weight"][:] = np.arange(15.0).reshape(5, 3)
    out = emb.forward(np.array([1, 1, 3]))
    w = emb.params["weight"]
    np.testing.assert_allclose(np.linalg.norm(w[[1, 3]], axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(w[0], [0.0, 1.0, 2.0])               # not looked up: unchanged
    np.testing.assert_array_equal(out, w[[1, 1, 3]])


@pytest.mark.parametrize("padding_idx, max_norm", [(None, None), (1, None), (None, 1.5), (0, 2.0)])
def test_matches_torch_embedding(padding_idx, max_norm):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    ours = Embedding(11, 5, padding_idx=padding_idx, max_norm=max_norm, dtype="float64", seed=0)
    theirs = torch.nn.Embedding(11, 5, padding_idx=padding_idx, max_norm=max_norm).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.params["weight"]))
    ids = _ids(rng, (6, 4), vocab=11)
    g = rng.standard_normal((6, 4, 5))
    out = ours.forward(ids)
    t_out = theirs(torch.from_numpy(ids))
    (t_out * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(out, t_out.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.params["weight"], theirs.weight.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.backward(ids, g)["weight"], theirs.weight.grad.numpy(), rtol=1e-12, atol=1e-12)
    back = Embedding(11, 5, dtype="float64")
    back.load_state_dict(theirs.state_dict())
    np.testing.assert_array_equal(back.params["weight"], theirs.weight.detach().numpy())


def test_bad_input_is_named():
    emb = Embedding(4, 2, seed=0)
    with pytest.raises(TypeError, match="ids must be integer token indices, got dtype float64"):
        emb.forward(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"ids holds 7 at position \(1, 0\); this table has rows 0..3"):
        emb.forward(np.array([[0, 1], [7, 2]]))
    with pytest.raises(ValueError, match=r"ids holds -1"):
        emb.forward([-1])
    with pytest.raises(ValueError, match=r"grad_out has shape \(3, 2\)"):
        emb.backward(np.array([[0, 1]]), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="padding_idx must be None or an index in"):
        Embedding(4, 2, padding_idx=4)
    with pytest.raises(ValueError, match="max_norm must be None or a positive number"):
        Embedding(4, 2, max_norm=0)
    with pytest.raises(KeyError, match="expected \\['weight'\\]"):
        emb.load_state_dict({"w": np.zeros((4, 2))})
    with pytest.raises(ValueError, match=r"weight has shape \(2, 2\)"):
        emb.load_state_dict({"weight": np.zeros((2, 2))})
    assert Embedding(4, 2, padding_idx=-1).padding_idx == 3
