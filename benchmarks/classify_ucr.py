"""The default SequenceClassifier on UCR/UEA sets that ship offline with sktime, beside 1-NN DTW.

Usage: ``NUMBA_NUM_THREADS=1 python benchmarks/classify_ucr.py [--seeds 0 1 2] [--kwargs JSON] [--dev]``
(needs ``pip install sktime``). ``--dev`` runs the two sets the defaults were chosen on instead
(OSULeaf and ACSF1, which also ship with sktime), so the five reported sets are not tuned on.
Each set's own train/test split; the classifier gets sktime's ``numpy3D`` layout (sample, channel,
time) with ``layout="sample_feature_time"``, unequal-length sets NaN-padded at the end. The 1-NN DTW accuracies are the published ones
(timeseriesclassification.com), not recomputed.
"""

import argparse
import json
import time

import numpy as np

#: name -> (sktime loader, published 1-NN DTW test accuracy)
SETS = {"ItalyPowerDemand": ("load_italy_power_demand", 0.950), "GunPoint": ("load_gunpoint", 0.907),
        "BasicMotions": ("load_basic_motions", 0.975), "ArrowHead": ("load_arrow_head", 0.703),
        "JapaneseVowels": ("load_japanese_vowels", 0.959)}
#: the sets settings are compared on (``--dev``)
DEV_SETS = {"OSULeaf": ("load_osuleaf", 0.591), "ACSF1": ("load_acsf1", 0.640)}
ALL_SETS = {**SETS, **DEV_SETS}


def padded(X):
    """sktime data as (sample, channel, time), NaN-padded when the lengths differ."""
    if isinstance(X, np.ndarray):
        return X.astype(float)
    rows = [np.stack([np.asarray(X.iloc[i, c], float) for c in range(X.shape[1])]) for i in range(len(X))]
    T = max(r.shape[1] for r in rows)
    out = np.full((len(rows), rows[0].shape[0], T), np.nan)
    for i, r in enumerate(rows):
        out[i, :, :r.shape[1]] = r
    return out


def load(name, split):
    import sktime.datasets as sd
    fn = getattr(sd, ALL_SETS[name][0])
    try:
        X, y = fn(split=split, return_X_y=True, return_type="numpy3D")
    except Exception:  # unequal lengths cannot be numpy3D
        X, y = fn(split=split, return_X_y=True, return_type="nested_univ")
    return padded(X), np.asarray(y)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--kwargs", default="{}")
    p.add_argument("--sets", nargs="+", default=None)
    p.add_argument("--dev", action="store_true", help="the development sets instead of the reported ones")
    args = p.parse_args()
    sets = args.sets or list(DEV_SETS if args.dev else SETS)
    from numbarnn import SequenceClassifier
    kwargs = json.loads(args.kwargs)
    print(f"{'set':18s} {'n':>5s} {'T':>4s} {'C':>2s} {'numbarnn':>9s} {'min':>6s} {'max':>6s} {'1-NN DTW':>9s} {'s':>6s}")
    for name in sets:
        Xtr, ytr = load(name, "train")
        Xte, yte = load(name, "test")
        accs, start = [], time.perf_counter()
        for seed in args.seeds:
            clf = SequenceClassifier(layout="sample_feature_time", random_state=seed, **kwargs).fit(Xtr, ytr)
            accs.append(float(np.mean(clf.predict(Xte) == yte)))
        print(f"{name:18s} {len(ytr):5d} {Xtr.shape[2]:4d} {Xtr.shape[1]:2d} {np.mean(accs):9.3f} {min(accs):6.3f} "
              f"{max(accs):6.3f} {ALL_SETS[name][1]:9.3f} {time.perf_counter() - start:6.1f}", flush=True)


if __name__ == "__main__":
    main()
