"""Training throughput: one epoch of numbarnn's fit loop beside an equivalent PyTorch loop.

Same model (LSTM, hidden 64, linear head on the last state), same optimizer
(Adam, lr 1e-3), same batch size (32), 1024 sequences of 50 steps with 4
features, MSE loss. Sequences per second = 1024 / median seconds. Run one peer
per process: ``pytest benchmarks/test_fit.py -o addopts= --benchmark-enable -k numbarnn``
(then ``-k torch``).
"""

import numpy as np
import pytest

from numbarnn.training import MSE, Adam, SequenceModel, train

N, T, D, H, BATCH = 1024, 50, 4, 64, 32


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, N, D)).astype(np.float32)
    y = x.sum(axis=(0, 2))[:, None].astype(np.float32) / 10
    return x, y


def _numbarnn_epoch():
    x, y = _data()
    model = SequenceModel("lstm", D, H, 1, readout="sequence", seed=0)
    opt = Adam(1e-3)
    rng = np.random.default_rng(0)
    data = (x, y, np.full(N, T), None)
    return lambda: train(model, MSE(), opt, data, epochs=1, batch_size=BATCH, rng=rng, restore_best=False)


def _torch_epoch():
    torch = pytest.importorskip("torch")
    x, y = _data()
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    lstm = torch.nn.LSTM(D, H)
    head = torch.nn.Linear(H, 1)
    opt = torch.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=1e-3)
    gen = torch.Generator().manual_seed(0)

    def epoch():
        order = torch.randperm(N, generator=gen)
        for b0 in range(0, N, BATCH):
            idx = order[b0:b0 + BATCH]
            opt.zero_grad()
            _, (h, _) = lstm(tx[:, idx])
            loss = torch.nn.functional.mse_loss(head(h[-1]), ty[idx])
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
