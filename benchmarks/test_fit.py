"""Training throughput: one epoch of numbarnn's fit loop beside an equivalent PyTorch loop.

Same model (LSTM or GRU, hidden 64, linear head on the last state), same optimizer
(Adam, lr 1e-3), same batch size (32), 1024 sequences of 50 steps with 4
features; MSE loss, or (``task="classify"``) cross-entropy over 5 classes as the
sequence classifier trains. Sequences per second = 1024 / median seconds. Run one peer
per process: ``pytest benchmarks/test_fit.py -o addopts= --benchmark-enable -k numbarnn``
(then ``-k torch``); ``benchmarks/busy.py`` runs them in turns, quiet and busy.
"""

import numpy as np
import pytest

from numbarnn.training import MSE, Adam, CrossEntropy, SequenceModel, train

N, T, D, H, BATCH, CLASSES = 1024, 50, 4, 64, 32, 5


def _data(task="regress"):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, N, D)).astype(np.float32)
    total = x.sum(axis=(0, 2))
    if task == "classify":
        return x, np.digitize(total, np.quantile(total, np.linspace(0, 1, CLASSES + 1)[1:-1]))[:, None]
    return x, total[:, None].astype(np.float32) / 10


def _numbarnn_epoch(cell="lstm", task="regress"):
    x, y = _data(task)
    out = CLASSES if task == "classify" else 1
    model = SequenceModel(cell, D, H, out, readout="sequence", seed=0)
    opt = Adam(1e-3)
    rng = np.random.default_rng(0)
    data = (x, y, np.full(N, T), None)
    loss = CrossEntropy() if task == "classify" else MSE()
    return lambda: train(model, loss, opt, data, epochs=1, batch_size=BATCH, rng=rng, restore_best=False)


def _torch_epoch(cell="lstm", task="regress"):
    torch = pytest.importorskip("torch")
    x, y = _data(task)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y[:, 0] if task == "classify" else y)
    net = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](D, H)
    head = torch.nn.Linear(H, CLASSES if task == "classify" else 1)
    opt = torch.optim.Adam(list(net.parameters()) + list(head.parameters()), lr=1e-3)
    gen = torch.Generator().manual_seed(0)
    loss_fn = torch.nn.functional.cross_entropy if task == "classify" else torch.nn.functional.mse_loss

    def epoch():
        order = torch.randperm(N, generator=gen)
        for b0 in range(0, N, BATCH):
            idx = order[b0:b0 + BATCH]
            opt.zero_grad()
            _, h = net(tx[:, idx])
            h = h[0] if cell == "lstm" else h
            loss = loss_fn(head(h[-1]), ty[idx])
            loss.backward()
            opt.step()
    return epoch


@pytest.mark.parametrize("peer", ["numbarnn", "torch"])
def test_fit_epoch(benchmark, bench_threads, peer):
    if peer == "torch":
        import torch
        torch.set_num_threads(bench_threads)
    fn = {"numbarnn": _numbarnn_epoch, "torch": _torch_epoch}[peer]()
    fn()  # warm-up and compile
    benchmark.group = "fit-epoch-lstm"
    benchmark.extra_info.update(peer=peer, sequences=N, threads=bench_threads)
    benchmark(fn)
