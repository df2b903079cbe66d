"""The README's forecast table: the default forecaster (the demo's settings) on three bundled series.

Usage: ``python benchmarks/forecasts.py``. Each series holds out its last
``h`` values; MASE uses seasonality ``m`` (12 for the monthly series, 1 for
yearly sunspots), beside the seasonal-naive forecast's.
"""

from numbarnn import Forecaster, datasets, metrics
from numbarnn.cli import DEMO_SETTINGS

SERIES = [("Mauna Loa CO2", datasets.co2, 24, 12), ("El Nino, Nino 1+2", datasets.elnino, 24, 12),
          ("Sunspots, yearly", datasets.sunspots, 31, 1)]


def main():
    for name, load, h, m in SERIES:
        y = load()
        train, test = y[:-h], y[-h:]
        forecast = Forecaster(**dict(DEMO_SETTINGS, horizon=h)).fit(train).predict()
        naive = metrics.seasonal_naive(train.values, h, m)
        print(f"{name:20s} last {h:2d}: MASE {metrics.mase(test.values, forecast.values, train.values, m):.3f}"
              f"  naive {metrics.mase(test.values, naive, train.values, m):.3f}")


if __name__ == "__main__":
    main()
