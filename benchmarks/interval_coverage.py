"""Coverage of prediction intervals on the dev panel of ``forecast_panel.py``: conformal intervals
from backtests, and the intervals of the direct strategy's own distribution heads.

For every series: hold out the last ``h`` points (18 / 8 / 6); on the training part alone, backtest the
default forecaster with one fit at the first origin and forecasts from every later one (stride 1, at
most 24 origins, none before half the series); fit the default forecaster on the whole training part,
forecast the holdout, and put :func:`numbarnn.conformal_interval` around it at 80% and 95%. With
``--method heads`` (the default likelihood; or ``quantile``, ``student_t``, ``gaussian``) the forecaster
is fitted with ``probabilistic=True`` (that likelihood) instead and its quantiles 0.1/0.9 and 0.025/0.975 are the
intervals. ``--method auto_arima`` is the classical peer: pmdarima's seasonal ``auto_arima`` of the
training part and its own (Gaussian) prediction intervals. Prints each series' coverage of its holdout points and the mean over the panel (nominal:
0.80 and 0.95).

Usage: ``NUMBA_NUM_THREADS=1 python benchmarks/interval_coverage.py [--seed 0] [--method conformal]``
(needs statsmodels,
pmdarima and sktime for the panel's series, as ``forecast_panel.py`` does).
"""

import argparse
import os
import sys

import numpy as np

LEVELS = (0.8, 0.95)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--method", default="conformal", choices=("conformal", "heads", "quantile", "gaussian",
                                                                        "student_t", "auto_arima"))
    args = p.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import forecast_panel as fp
    import numbarnn
    rows = []
    print(f"{'series':22s} {'m':>2s} {'h':>2s} {'origins':>7s} " + " ".join(f"{lv:>6.2f}" for lv in LEVELS))
    for spec in fp.PANEL:
        try:
            y = spec["load"]()
        except ImportError as err:
            print(f"{spec['name']:22s} skipped: {err}")
            continue
        m = spec["m"]
        h = fp.HORIZON[m]
        values = y.to_numpy(float)
        train, test = values[:-h], values[-h:]
        if args.method == "conformal":
            cover, origins = _conformal(numbarnn, train, test, h, m, args.seed)
        elif args.method == "auto_arima":
            cover, origins = _auto_arima(numbarnn, train, test, h, m), 0
        else:
            likelihood = None if args.method == "heads" else args.method
            f = numbarnn.Forecaster(horizon=h, season_length=m, probabilistic=True, likelihood=likelihood,
                                    random_state=args.seed).fit(train)
            cover, origins = [], 0
            for level in LEVELS:
                q = np.asarray(f.predict(quantiles=[(1 - level) / 2, (1 + level) / 2]))
                cover.append(numbarnn.metrics.coverage(test, q[:, 0], q[:, 1]))
        rows.append(cover)
        print(f"{spec['name']:22s} {m:2d} {h:2d} {origins:7d} " + " ".join(f"{c:6.2f}" for c in cover),
              flush=True)
    mean = np.mean(rows, axis=0)
    print(f"{'mean over ' + str(len(rows)) + ' series':36s} " + " ".join(f"{c:6.3f}" for c in mean))


def _auto_arima(numbarnn, train, test, h, m):
    """Coverage of pmdarima's ``auto_arima`` intervals at each level (its default stepwise search,
    seasonal at period ``m``)."""
    import warnings

    import pmdarima
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = pmdarima.auto_arima(train, seasonal=m > 1, m=m, suppress_warnings=True, error_action="ignore")
        bounds = [model.predict(h, return_conf_int=True, alpha=1 - level)[1] for level in LEVELS]
    return [numbarnn.metrics.coverage(test, b[:, 0], b[:, 1]) for b in bounds]


def _conformal(numbarnn, train, test, h, m, seed):
    """Coverage of conformal intervals at ``LEVELS`` from a backtest on ``train``, and its origins."""
    start = max(len(train) // 2, len(train) - h - 23)
    make = numbarnn.Forecaster(horizon=h, season_length=m, random_state=seed)
    bt = numbarnn.backtest(make, train, start=start, stride=1, retrain=False)
    forecast = numbarnn.Forecaster(horizon=h, season_length=m, random_state=seed).fit(train).predict()
    cover = []
    for level in LEVELS:
        lower, upper = numbarnn.conformal_interval(bt, forecast, level)
        cover.append(numbarnn.metrics.coverage(test, lower, upper))
    return cover, bt.sizes["origin"]


if __name__ == "__main__":
    main()
