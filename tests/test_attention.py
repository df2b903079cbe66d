"""Attention: forward against a per-sequence NumPy reference, the hand-written backward against central
finite differences in float64 and against torch autograd."""

import numpy as np
import pytest

import reference
from numbarnn.nn import Attention

S, B, Q, M, STEPS = 5, 3, 4, 6, 3
LENGTHS = np.array([5, 2, 4])


def _case(kind, seed=0):
    rng = np.random.default_rng(seed)
    att = Attention(Q, Q if kind == "dot" else M, kind=kind, attention_size=7, dtype="float64", seed=seed)
    Mk = Q if kind == "dot" else M
    memory = rng.standard_normal((S, B, Mk))
    queries = rng.standard_normal((STEPS, B, Q))
    g_ctx = rng.standard_normal((STEPS, B, Mk))
    g_w = rng.standard_normal((STEPS, S, B))
    return att, memory, queries, g_ctx, g_w


def _loss(att, memory, queries, g_ctx, g_w):
    prepared = att.prepare(memory, LENGTHS)
    total = 0.0
    for t in range(STEPS):
        ctx, w, _ = att.forward(queries[t], prepared)
        total += float((ctx * g_ctx[t]).sum() + (w * g_w[t]).sum())
    return total


def _grads(att, memory, queries, g_ctx, g_w):
    prepared = att.prepare(memory, LENGTHS)
    grads = {k: np.zeros_like(v) for k, v in att.params.items()}
    d_memory, d_queries, d_keys = np.zeros_like(memory), np.zeros_like(queries), None
    for t in range(STEPS):
        _, _, cache = att.forward(queries[t], prepared)
        g, d_queries[t], dm, dk = att.backward(prepared, cache, g_ctx[t], g_w[t])
        for k, v in g.items():
            grads[k] += v
        d_memory += dm
        d_keys = dk if d_keys is None else d_keys + dk
    g, dm = att.prepare_backward(prepared, d_keys)
    for k, v in g.items():
        grads[k] += v
    return grads, d_queries, d_memory + dm


@pytest.mark.parametrize("kind", ["additive", "general", "dot"])
def test_forward_matches_the_reference_and_masks_padding(kind):
    att, memory, queries, _, _ = _case(kind)
    ctx, w, _ = att.forward(queries[0], att.prepare(memory, LENGTHS))
    for b in range(B):
        rc, rw = reference.attention(kind, att.params, queries[0, b], memory[:, b], LENGTHS[b])
        np.testing.assert_allclose(ctx[b], rc, rtol=0, atol=1e-12)
        np.testing.assert_allclose(w[:, b], rw, rtol=0, atol=1e-12)
    assert np.all(w[LENGTHS[1]:, 1] == 0)


@pytest.mark.parametrize("kind", ["additive", "general", "dot"])
def test_backward_against_finite_differences(kind):
    att, memory, queries, g_ctx, g_w = _case(kind, seed=1)
    grads, d_queries, d_memory = _grads(att, memory, queries, g_ctx, g_w)
    eps = 1e-6

    def numeric(arr):
        out = np.zeros_like(arr)
        for i in np.ndindex(arr.shape):
            old = arr[i]
            arr[i] = old + eps
            up = _loss(att, memory, queries, g_ctx, g_w)
            arr[i] = old - eps
            down = _loss(att, memory, queries, g_ctx, g_w)
            arr[i] = old
            out[i] = (up - down) / (2 * eps)
        return out

    for name, p in att.params.items():
        np.testing.assert_allclose(grads[name], numeric(p), rtol=1e-6, atol=1e-8, err_msg=name)
    np.testing.assert_allclose(d_queries, numeric(queries), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(d_memory, numeric(memory), rtol=1e-6, atol=1e-8)
    assert np.all(d_memory[LENGTHS[1]:, 1] == 0)        # padded memory steps get no gradient


@pytest.mark.parametrize("kind", ["additive", "general", "dot"])
def test_backward_matches_torch(kind):
    torch = pytest.importorskip("torch")
    att, memory, queries, g_ctx, g_w = _case(kind, seed=2)
    grads, d_queries, d_memory = _grads(att, memory, queries, g_ctx, g_w)
    p = {k: torch.tensor(v, requires_grad=True) for k, v in att.params.items()}
    mem = torch.tensor(memory, requires_grad=True)
    qs = torch.tensor(queries, requires_grad=True)
    mask = torch.tensor(np.arange(S)[:, None] < LENGTHS[None, :])
    total = 0
    for t in range(STEPS):
        q = qs[t]
        if kind == "additive":
            scores = torch.tanh(mem @ p["memory.weight"].T + (q @ p["query.weight"].T + p["bias"])[None]) @ p["v"]
        else:
            scores = torch.einsum("sbm,bm->sb", mem, q @ p["weight"] if kind == "general" else q)
        w = torch.softmax(scores.masked_fill(~mask, -torch.inf), dim=0)
        ctx = torch.einsum("sb,sbm->bm", w, mem)
        total = total + (ctx * torch.tensor(g_ctx[t])).sum() + (w * torch.tensor(g_w[t])).sum()
    total.backward()
    for name in att.params:
        np.testing.assert_allclose(grads[name], p[name].grad.numpy(), rtol=0, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(d_queries, qs.grad.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(d_memory, mem.grad.numpy(), rtol=0, atol=1e-12)


def test_bad_settings():
    with pytest.raises(ValueError, match="kind must be one of"):
        Attention(3, 3, kind="concat")
    with pytest.raises(ValueError, match="kind='dot' needs query_size == memory_size"):
        Attention(3, 4, kind="dot")
    with pytest.raises(ValueError, match="memory has 5 features per step"):
        Attention(3, 4).prepare(np.zeros((2, 1, 5)))
