"""Draw the figures the docs show (``python docs/make_figures.py``; writes next to this file)."""

import pathlib

import numbarnn
from numbarnn import datasets, plotting

HERE = pathlib.Path(__file__).resolve().parent


def backtest_figure():
    y = datasets.co2()[-120:]
    quick = numbarnn.Forecaster(horizon=12, epochs=10, n_models=1, random_state=0)
    bt = numbarnn.backtest(quick, y, start=84, stride=3, retrain=False)
    forecast = quick.fit(y).predict()
    bands = {f"{level:.0%} interval": numbarnn.conformal_interval(bt, forecast, level) for level in (0.8, 0.95)}
    plotting.plot_backtest(y, bt, forecast=forecast, intervals=bands, title="Mauna Loa CO2: backtest and conformal intervals",
                           path=HERE / "backtest.png")


if __name__ == "__main__":
    backtest_figure()
