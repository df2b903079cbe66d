r"""Forecast accuracy measures.

``mase`` is the mean absolute scaled error of Hyndman & Koehler (2006): the
forecast's mean absolute error divided by the in-sample mean absolute error
of the seasonal naive forecast with period ``m`` (``m = 1``: the naive forecast):

.. math:: \mathrm{MASE} = \frac{\frac1h\sum_{t=1}^{h} |y_{n+t} - \hat y_{n+t}|}
          {\frac{1}{n-m}\sum_{t=m+1}^{n} |y_t - y_{t-m}|}
"""

import numpy as np


def mae(actual, forecast):
    """Mean absolute error, ignoring NaN pairs."""
    return float(np.nanmean(np.abs(np.asarray(actual, float) - np.asarray(forecast, float))))


def mase(actual, forecast, train, m=1):
    """Mean absolute scaled error of ``forecast`` for ``actual``, scaled on the series ``train``.

    ``actual`` and ``forecast`` are (h,) arrays; ``train`` is the (n,) in-sample series.

    Examples
    --------
    >>> from numbarnn.metrics import mase, seasonal_naive
    >>> train = [1.0, 2.0, 3.0, 4.0]                      # naive in-sample MAE: 1
    >>> mase([5.0, 6.0], [5.5, 6.5], train)
    0.5
    >>> seasonal_naive(train, 3, m=2).tolist()
    [3.0, 4.0, 3.0]
    """
    train = np.asarray(train, float)
    scale = float(np.nanmean(np.abs(train[m:] - train[:-m])))
    return mae(actual, forecast) / scale


def seasonal_naive(train, horizon, m=1):
    """Repeat the last ``m`` values of ``train`` for ``horizon`` steps."""
    train = np.asarray(train, float)
    last = train[-m:]
    return np.array([last[i % m] for i in range(horizon)])
