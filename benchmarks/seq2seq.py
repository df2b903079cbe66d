"""Encoder-decoder tasks with known answers: exact-match accuracy on held-out pairs, with and without attention.

For each task, ``Seq2Seq()`` with its defaults (only ``random_state`` and, for the comparison,
``attention``) is fitted on ``--pairs`` generated pairs (its own 10% validation split for early
stopping) and scored on up to 5,000 pairs from another seed that are not among the training sources
(addition repeats many small sums, so fewer remain); the validation
exact-match error by epoch shows how attention changes the learning curve.

Usage: ``python benchmarks/seq2seq.py [--tasks addition dates] [--pairs 50000] [--attention additive none]``
"""

import argparse
import ast
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import cpu_model  # noqa: E402

import numbarnn  # noqa: E402
from numbarnn import datasets  # noqa: E402

TASKS = {"addition": datasets.addition, "dates": datasets.dates, "reverse": datasets.reverse,
         "sort": datasets.sort_symbols}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", nargs="+", default=["addition", "dates"], choices=sorted(TASKS))
    p.add_argument("--pairs", type=int, default=50000)
    p.add_argument("--attention", nargs="+", default=["additive", "none"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE",
                   help="settings other than the defaults (to try one; the reported figures use none)")
    args = p.parse_args(argv)
    print(cpu_model())
    for task in args.tasks:
        src, tgt = TASKS[task](args.pairs, seed=args.seed)
        seen = set(src)
        test_src, test_tgt = TASKS[task](5000 + len(seen) // 10, seed=args.seed + 1000)
        test = [(s, t) for s, t in zip(test_src, test_tgt) if s not in seen][:5000]
        for attention in args.attention:
            t0 = time.perf_counter()
            extra = {k: ast.literal_eval(v) for k, v in (item.split("=", 1) for item in args.set)}
            model = numbarnn.Seq2Seq(attention=attention, random_state=args.seed, **extra).fit(src, tgt)
            seconds = time.perf_counter() - t0
            acc = model.score([s for s, _ in test], [t for _, t in test])
            curve = np.round(model.history_.val_error.values, 3).tolist()
            print(f"{task}, attention={attention}: exact match {acc:.4f} on {len(test)} held-out pairs; fit "
                  f"{seconds:.0f} s, {len(curve)} epochs; validation error by epoch {curve}", flush=True)


if __name__ == "__main__":
    main()
