"""The adding problem, T=100: train until the test MSE falls below 0.01 and report the wall time.

Usage: ``python benchmarks/adding_problem.py [--cell lstm] [--hidden 128] [--seed 0]``.
The memoryless baseline (always predict 1) scores MSE 1/6 = 0.167.
"""

import argparse
import time

import numpy as np

from numbarnn import datasets
from numbarnn.training import MSE, Adam, SequenceModel, evaluate, train


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell", default="lstm")
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--T", type=int, default=100)
    parser.add_argument("--n-train", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--max-epochs", type=int, default=60)
    parser.add_argument("--target", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    x, y = datasets.adding_problem(args.n_train, args.T, seed=args.seed)
    xt, yt = datasets.adding_problem(2000, args.T, seed=args.seed + 1)
    train_data = (x.astype(np.float32), y.astype(np.float32), np.full(args.n_train, args.T), None)
    test_data = (xt.astype(np.float32), yt.astype(np.float32), np.full(2000, args.T), None)
    model = SequenceModel(args.cell, 2, args.hidden, 1, readout="sequence", seed=args.seed)
    opt = Adam(args.lr)
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    print(f"adding problem T={args.T}, {args.cell} H={args.hidden}, baseline MSE 0.167", flush=True)
    for epoch in range(args.max_epochs):
        train(model, MSE(), opt, train_data, epochs=1, batch_size=args.batch, clip_norm=1.0, rng=rng,
              restore_best=False)
        mse = evaluate(model, MSE(), test_data, 500)
        elapsed = time.perf_counter() - start
        print(f"epoch {epoch + 1}: test MSE {mse:.4f} after {elapsed:.1f} s", flush=True)
        if mse < args.target:
            print(f"reached test MSE {mse:.4f} < {args.target} in {elapsed:.1f} s "
                  f"({epoch + 1} epochs of {args.n_train} sequences)")
            return 0
    print("did not reach the target")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
