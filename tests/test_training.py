"""The training engine: head and model backward, optimizers, clipping, and the fit loop's guarantees."""

import math

import numpy as np
import pytest

import numbarnn

from numbarnn import datasets
from numbarnn.training import (SGD, Adam, AdamW, CosineLR, Linear, MSE, ReduceOnPlateau, SequenceModel, StepLR,
                               clip_grad_norm, clip_grad_value, train)


@pytest.mark.parametrize("readout,bidirectional,cell", [("timestep", False, "gru"), ("sequence", True, "lstm"),
                                                        ("sequence", False, "rnn")])
def test_model_gradients_against_finite_differences(readout, bidirectional, cell):
    rng = np.random.default_rng(0)
    model = SequenceModel(cell, 3, 4, 2, readout=readout, num_layers=2, bidirectional=bidirectional,
                          dtype="float64", seed=1)
    x = rng.standard_normal((5, 3, 3))
    lengths = np.array([5, 3, 4])
    y, _, tape = model.forward(x, lengths=lengths)
    w = rng.standard_normal(y.shape)
    grads = model.backward(tape, w)

    def f():
        return float(np.sum(model.forward(x, lengths=lengths, record=False)[0] * w))
    for name, p in model.params.items():
        flat = p.reshape(-1)
        for i in range(0, flat.size, max(1, flat.size // 7)):
            old = flat[i]
            flat[i] = old + 1e-6
            up = f()
            flat[i] = old - 1e-6
            down = f()
            flat[i] = old
            assert grads[name].reshape(-1)[i] == pytest.approx((up - down) / 2e-6, rel=1e-6, abs=1e-8), name


def test_linear_head():
    head = Linear(3, 2, np.float64, np.random.default_rng(0))
    h = np.random.default_rng(1).standard_normal((4, 5, 3))
    g = np.ones((4, 5, 2))
    grads, dh = head.backward(h, g)
    np.testing.assert_allclose(grads["bias"], [20, 20])
    np.testing.assert_allclose(grads["weight"], np.ones((2, 20)) @ h.reshape(20, 3))
    np.testing.assert_allclose(dh, g @ head.params["weight"])


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw"])
def test_optimizers_match_torch(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    p0 = rng.standard_normal((3, 4))
    grads = [rng.standard_normal((3, 4)) for _ in range(5)]
    ours = {"sgd": SGD(0.1, momentum=0.9, weight_decay=0.01), "adam": Adam(0.01, weight_decay=0.01),
            "adamw": AdamW(0.01, weight_decay=0.1)}[name]
    tp = torch.tensor(p0.copy(), requires_grad=True)
    theirs = {"sgd": lambda: torch.optim.SGD([tp], lr=0.1, momentum=0.9, weight_decay=0.01),
              "adam": lambda: torch.optim.Adam([tp], lr=0.01, weight_decay=0.01),
              "adamw": lambda: torch.optim.AdamW([tp], lr=0.01, weight_decay=0.1)}[name]()
    params = {"w": p0.copy()}
    for g in grads:
        ours.step(params, {"w": g})
        tp.grad = torch.tensor(g)
        theirs.step()
    np.testing.assert_allclose(params["w"], tp.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: SGD(0.1, momentum=0.9, weight_decay=0.01),
                                  lambda: Adam(0.01, weight_decay=0.01), lambda: AdamW(0.01, weight_decay=0.1)])
def test_optimizer_kernels_match_the_numpy_formula(make, dtype):
    """A contiguous parameter goes through the one-pass kernel, a strided view through NumPy: same steps."""
    rng = np.random.default_rng(1)
    p0 = rng.standard_normal((4, 6)).astype(dtype)
    grads = [rng.standard_normal((4, 3)).astype(dtype) for _ in range(4)]
    fast, slow = make(), make()
    contiguous, backing = p0[:, ::2].copy(), p0.copy()
    view = backing[:, ::2]
    assert view.flags.c_contiguous is False
    for g in grads:
        fast.step({"w": contiguous}, {"w": g})
        slow.step({"w": view}, {"w": g})
    tol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(contiguous, view, rtol=tol, atol=tol)
    assert not np.array_equal(contiguous, p0[:, ::2])


def test_clipping():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    assert clip_grad_norm(grads, 1.0) == pytest.approx(5.0)
    assert math.sqrt(sum(float((g ** 2).sum()) for g in grads.values())) == pytest.approx(1.0)
    grads = {"a": np.array([3.0, -0.5])}
    assert clip_grad_value(grads, 1.0) == pytest.approx(math.hypot(3, 0.5))
    np.testing.assert_array_equal(grads["a"], [1.0, -0.5])
    grads = {"a": np.array([np.inf])}
    assert math.isinf(clip_grad_norm(grads, 1.0))


def test_schedules():
    opt = SGD(1.0)
    s = StepLR(opt, step_size=2, gamma=0.5)
    assert [s.step(e) for e in range(4)] == [1.0, 0.5, 0.5, 0.25]
    opt = SGD(1.0)
    c = CosineLR(opt, total_epochs=4)
    assert c.step(3) == pytest.approx(0.0)
    opt = SGD(1.0)
    r = ReduceOnPlateau(opt, factor=0.1, patience=1)
    for loss in (1.0, 2.0, 2.0, 2.0):
        r.step(0, loss)
    assert opt.lr == pytest.approx(0.1)


def _adding_data(n, T, seed):
    x, y = datasets.adding_problem(n, T, seed=seed)
    return x.astype(np.float32), y.astype(np.float32), np.full(n, T), None


def test_same_seed_same_model_bitwise():
    data = _adding_data(64, 20, 0)
    results = []
    for _ in range(2):
        model = SequenceModel("gru", 2, 8, 1, readout="sequence", seed=3)
        train(model, MSE(), Adam(0.01), data, epochs=3, batch_size=16, rng=np.random.default_rng(5))
        results.append(model.params)
    for name in results[0]:
        np.testing.assert_array_equal(results[0][name], results[1][name])


def test_early_stopping_restores_best_and_history():
    data = _adding_data(128, 20, 0)
    val = _adding_data(64, 20, 1)
    model = SequenceModel("lstm", 2, 8, 1, readout="sequence", seed=0)
    hist = train(model, MSE(), Adam(0.05), data, val, epochs=40, batch_size=32, patience=3,
                 rng=np.random.default_rng(0))
    from numbarnn.training import evaluate
    assert evaluate(model, MSE(), val, 32) == pytest.approx(min(hist["val_loss"]), rel=1e-5)
    assert len(hist["step_grad_norm"]) == len(hist["epoch"]) * 4
    assert all(n > 0 for n in hist["step_grad_norm"])


def test_divergence_guard_never_keeps_weights_that_diverged():
    data = _adding_data(32, 10, 0)
    model = SequenceModel("rnn", 2, 4, 1, readout="sequence", seed=0)
    before = {k: v.copy() for k, v in model.params.items()}
    bad = (data[0].copy(), data[1].copy(), data[2], None)
    bad[1][:] = np.inf  # every loss is infinite
    with pytest.warns(RuntimeWarning, match="steps in a row had a non-finite loss or gradient.*put back the "
                      "initial weights. Lower the learning rate"):
        hist = train(model, MSE(), SGD(0.1), bad, epochs=5, batch_size=8, max_bad_steps=3,
                     rng=np.random.default_rng(0))
    assert hist["stopped"] and hist["skipped_steps"][0] == 3
    for name, value in before.items():
        np.testing.assert_array_equal(model.params[name], value)


class _ExplodeAfter:
    """A schedule that raises the learning rate a millionfold after ``epoch`` epochs."""

    def __init__(self, optimizer, epoch):
        self.optimizer, self.epoch = optimizer, epoch

    def step(self, epoch, monitored):
        if epoch + 1 == self.epoch:
            self.optimizer.lr *= 1e6


@pytest.mark.parametrize("with_validation", [True, False])
def test_an_exploding_run_stops_and_puts_back_the_best_epoch(with_validation):
    from numbarnn.training import evaluate
    data = _adding_data(64, 10, 0)
    val = _adding_data(32, 10, 1) if with_validation else None
    model = SequenceModel("lstm", 2, 8, 1, readout="sequence", seed=0)
    opt = Adam(0.01)
    with pytest.warns(RuntimeWarning, match=r"training diverged and stopped at epoch [45]: 10 steps in a row had "
                      "a non-finite loss or gradient, or a loss over 10 times that of the first or the recent steps; "
                      r"put back the weights of epoch [0-3], the best"):
        hist = train(model, MSE(), opt, data, val, epochs=20, batch_size=8, clip_norm=1.0,
                     schedule=_ExplodeAfter(opt, 4), rng=np.random.default_rng(0))
    assert hist["stopped"] and all(np.isfinite(hist["train_loss"][:4]))
    assert max(float(np.abs(v).max()) for v in model.params.values()) < 10  # not the exploded weights
    if with_validation:
        assert evaluate(model, MSE(), val, 32) == pytest.approx(np.nanmin(hist["val_loss"][:4]), rel=1e-5)
    else:
        assert evaluate(model, MSE(), data, 64) < 2 * hist["train_loss"][0]


def test_exploding_loss_rule():
    from numbarnn.training.loop import _ExplodingLoss
    guard = _ExplodingLoss(10.0)
    assert guard.accepts(5.0) and not guard.accepts(math.inf) and not guard.accepts(math.nan)
    for value in (1.0, 0.8, 0.6):
        guard.record(value)
    assert guard.accepts(7.9) and not guard.accepts(8.1)  # 10 x min(first, median of recent) = 10 x 0.8
    nll = _ExplodingLoss(10.0)  # a loss that can be negative (a likelihood): only non-finite values count
    for value in (-1.0, -2.0):
        nll.record(value)
    assert nll.accepts(1e6) and not nll.accepts(-math.inf)
    assert _ExplodingLoss(None).accepts(1e30)


def test_estimator_with_an_exploding_learning_rate_warns_and_stays_finite():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 20, 2))
    y = (X[:, :, 0].sum(1) > 0).astype(int)
    with pytest.warns(RuntimeWarning, match="training diverged"):
        clf = numbarnn.SequenceClassifier(hidden_size=8, epochs=15, learning_rate=100.0, random_state=0).fit(X, y)
    assert max(float(np.abs(v).max()) for v in clf.model_.params.values()) < 1
    assert np.isfinite(clf.predict_proba(X)).all()


def test_truncated_bptt_runs_windows_and_learns():
    # per-timestep target: predict the input of 3 steps ago (needs memory across window borders)
    rng = np.random.default_rng(0)
    T, N = 60, 32
    x = rng.standard_normal((T, N, 1)).astype(np.float32)
    y = np.zeros_like(x)
    y[3:] = x[:-3]
    data = (x, y, np.full(N, T), None)
    model = SequenceModel("lstm", 1, 16, 1, seed=0)
    hist = train(model, MSE(), Adam(0.02), data, epochs=30, batch_size=32, bptt_window=10,
                 rng=np.random.default_rng(0))
    assert len(hist["step_grad_norm"]) == 30 * 6  # 6 windows per batch, one batch per epoch
    assert hist["train_loss"][-1] < 0.3 * hist["train_loss"][0]


def test_full_window_equals_no_truncation():
    data = _adding_data(16, 12, 0)
    seq = (data[0], np.repeat(data[1][None], 12, axis=0), data[2], None)
    a = SequenceModel("gru", 2, 4, 1, seed=0)
    b = SequenceModel("gru", 2, 4, 1, seed=0)
    train(a, MSE(), SGD(0.1), seq, epochs=2, batch_size=16, rng=np.random.default_rng(0))
    train(b, MSE(), SGD(0.1), seq, epochs=2, batch_size=16, bptt_window=12, rng=np.random.default_rng(0))
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])


def test_batches_function_and_trimming_to_the_longest_sequence():
    x, y = datasets.adding_problem(40, 12, seed=0)
    x = x.astype("float32")
    lengths = np.tile([12, 5, 3, 7], 10)
    x[np.arange(12)[:, None] >= lengths[None, :]] = 0
    data = (x, y.astype("float32"), lengths, None)
    seen = []
    model = SequenceModel("gru", 2, 4, 1, readout="sequence", seed=0)
    forward = model.forward

    def spy(xb, state=None, lengths=None, record=True):
        seen.append((xb.shape[0], int(np.max(lengths))))
        return forward(xb, state, lengths, record)
    model.forward = spy
    fixed = [np.array([1, 5, 9]), np.array([2, 6]), np.arange(40)]
    hist = train(model, MSE(), Adam(0.01), data, epochs=2, batch_size=8, batches=lambda rng: fixed)
    assert len(hist["step_grad_norm"]) == 6
    assert seen[:3] == [(5, 5), (3, 3), (12, 12)]   # each batch cut to its longest sequence


def test_val_metric_drives_early_stopping_and_is_recorded():
    data = _adding_data(64, 10, 0)
    val = _adding_data(32, 10, 1)
    calls = []

    def metric(model, val_data):   # an error that only ever gets worse: the first epoch is the best
        calls.append(val_data[0].shape)
        return float(len(calls))
    model = SequenceModel("lstm", 2, 8, 1, readout="sequence", seed=0)
    hist = train(model, MSE(), Adam(0.01), data, val, epochs=10, batch_size=16, patience=2, val_metric=metric)
    assert hist["val_error"] == [1.0, 2.0, 3.0, 4.0] and hist["best_loss"] == 1.0
    assert calls[0] == val[0].shape


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_backward_without_the_input_gradient(cell):
    """``input_grad=False`` skips only the first layer's input product: every other gradient is the same."""
    from numbarnn.nn import GRU, LSTM, RNN
    net = {"rnn": RNN, "lstm": LSTM, "gru": GRU}[cell](3, 5, num_layers=2, bidirectional=True, seed=0)
    x = np.random.default_rng(0).standard_normal((6, 4, 3)).astype(np.float32)
    out, _, tape = net.forward(x)
    full = net.backward(tape, np.ones_like(out))
    out, _, tape = net.forward(x)
    part = net.backward(tape, np.ones_like(out), input_grad=False)
    assert part["input"] is None and full["input"].shape == x.shape
    for name in net.params:
        np.testing.assert_array_equal(part[name], full[name], err_msg=name)


@pytest.mark.parametrize("loss_name", ["mse", "cross_entropy", "pinball"])
def test_sharded_gradient_is_the_whole_batch_gradient(loss_name):
    """A batch cut into uneven shards, each shard's loss and gradient combined by its share of the counted
    entries, gives the whole batch's loss and gradient (float64, to rounding), padding and weights included."""
    from numbarnn.training import parallel
    from numbarnn.training.losses import CrossEntropy, Pinball
    rng = np.random.default_rng(0)
    loss = {"mse": MSE(), "cross_entropy": CrossEntropy(), "pinball": Pinball([0.1, 0.5, 0.9])}[loss_name]
    out = {"mse": 2, "cross_entropy": 3, "pinball": 3}[loss_name]
    model = SequenceModel("gru", 2, 5, out, readout="timestep", seed=0, dtype="float64")
    T, B = 6, 7
    x = rng.standard_normal((T, B, 2))
    y = rng.integers(0, 3, (T, B, 1)) if loss_name == "cross_entropy" else rng.standard_normal((T, B, out // (3 if loss_name == "pinball" else 1)))
    lengths = np.array([6, 2, 5, 6, 1, 3, 6])
    weight = (np.arange(T)[:, None] < lengths[None, :]) * rng.uniform(0.5, 2, (T, B))
    pred, _, tape = model.forward(x, None, lengths)
    p, (t, w) = parallel.flat_targets(pred, None)[0], parallel.flat_targets(y, weight)
    value, grad = loss(p, t, w)
    want = model.backward(tape, grad.reshape(pred.shape))
    pieces = parallel.split(x, y, lengths, weight, None, True, 3)
    assert [piece[0].shape[1] for piece in pieces] == [2, 2, 3]
    got_value, got, _ = parallel.combine(loss, parallel.LocalShards(model, loss, 3)(pieces, (0, 0)))
    assert got_value == pytest.approx(value, rel=1e-12)
    for name in model.params:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-10, atol=1e-13, err_msg=name)


def test_a_model_that_fits_its_data_almost_exactly_is_not_called_diverged():
    """Batch losses of a memorised training set scatter over orders of magnitude; skipped steps count in
    the guard's median, so it does not ratchet down to the luckiest batches and refuse ordinary ones."""
    from numbarnn.training.loop import _ExplodingLoss
    guard = _ExplodingLoss(10.0)
    rng = np.random.default_rng(0)
    losses = 10.0 ** rng.uniform(-4, -1, 400)  # three decades of scatter around a tiny typical loss
    refused, in_row, worst = 0, 0, 0
    for value in losses:
        ok = guard.accepts(value)
        guard.record(value)
        in_row = 0 if ok else in_row + 1
        refused += not ok
        worst = max(worst, in_row)
    assert worst < 10 and refused < 0.2 * losses.size
    explosion = []  # then every loss 1,000x the typical one: refused 10 times in a row, which stops a fit
    for _ in range(10):
        explosion.append(guard.accepts(10.0))
        guard.record(10.0)
    assert not any(explosion)
