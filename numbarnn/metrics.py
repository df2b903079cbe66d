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
    return mae(actual, forecast) / float(seasonal_naive_error(train, m))


def seasonal_naive_error(train, m=1):
    """The in-sample mean absolute error of the seasonal naive forecast (the MASE's scale), along the first
    axis: a number for an (n,) series, an array for (n, ...) series side by side; NaN is ignored.

    Examples
    --------
    >>> from numbarnn.metrics import seasonal_naive_error
    >>> float(seasonal_naive_error([1.0, 2.0, 4.0, 7.0], m=2))   # |4 - 1|, |7 - 2|
    4.0
    """
    train = np.asarray(train, float)
    return np.nanmean(np.abs(train[m:] - train[:-m]), axis=0)


def seasonal_naive(train, horizon, m=1):
    """Repeat the last ``m`` values of ``train`` for ``horizon`` steps."""
    train = np.asarray(train, float)
    last = train[-m:]
    return np.array([last[i % m] for i in range(horizon)])


def rmse(actual, forecast):
    """Root mean squared error, ignoring NaN pairs.

    Examples
    --------
    >>> from numbarnn.metrics import rmse
    >>> rmse([1.0, 2.0], [2.0, 4.0])
    1.5811388300841898
    """
    err = np.asarray(actual, float) - np.asarray(forecast, float)
    return float(np.sqrt(np.nanmean(err * err)))


def smape(actual, forecast):
    r"""Symmetric mean absolute percentage error in percent, as in the M3 and M4 competitions.

    .. math:: \mathrm{sMAPE} = \frac{200}{h}\sum_{t=1}^{h} \frac{|y_t - \hat y_t|}{|y_t| + |\hat y_t|}

    A term with ``y_t = ŷ_t = 0`` counts 0; NaN pairs are ignored.

    Examples
    --------
    >>> from numbarnn.metrics import smape
    >>> smape([100.0, 0.0], [110.0, 0.0])
    4.761904761904762
    """
    a, f = np.asarray(actual, float), np.asarray(forecast, float)
    den = np.abs(a) + np.abs(f)
    terms = np.divide(2 * np.abs(a - f), den, out=np.zeros_like(den), where=den > 0)
    return float(100 * np.nanmean(np.where(np.isnan(a) | np.isnan(f), np.nan, terms)))


def pinball(actual, forecast, q):
    r"""Mean pinball (quantile) loss of the ``q``-quantile forecast ``forecast``.

    .. math:: L_q(y, \hat y) = \max\big(q (y - \hat y), (q - 1)(y - \hat y)\big)

    Twice its mean over quantiles spread evenly in (0, 1) approximates the CRPS.

    Examples
    --------
    >>> from numbarnn.metrics import pinball
    >>> pinball([10.0, 10.0], [8.0, 12.0], 0.9)       # under by 2: 0.9 * 2; over by 2: 0.1 * 2
    1.0
    """
    if not 0 < q < 1:
        raise ValueError(f"q must lie in (0, 1), got {q!r}")
    diff = np.asarray(actual, float) - np.asarray(forecast, float)
    return float(np.nanmean(np.maximum(q * diff, (q - 1) * diff)))


def crps(actual, samples):
    r"""Continuous ranked probability score of a forecast given by samples, averaged over time.

    ``samples`` is (n_samples, h): draws of the forecast distribution at each of the ``h`` steps;
    ``actual`` is (h,). The empirical estimate

    .. math:: \mathrm{CRPS} = \frac1n\sum_i |x_i - y| - \frac{1}{2n^2}\sum_{i,j} |x_i - x_j|

    is the mean absolute error for a point forecast (one sample) and lower for a sharper
    distribution around the truth.

    Examples
    --------
    >>> import numpy as np
    >>> from numbarnn.metrics import crps
    >>> crps([0.0], np.array([[1.0]]))
    1.0
    >>> round(crps([0.0], np.array([[-1.0], [1.0]])), 3)     # 1 - (1/8) * (2 + 2)
    0.5
    """
    x = np.asarray(samples, float)
    y = np.asarray(actual, float)
    if x.ndim != 2 or x.shape[1] != y.shape[0]:
        raise ValueError(f"samples must be (n_samples, {y.shape[0]}), got shape {x.shape}")
    spread = np.abs(x[:, None, :] - x[None, :, :]).mean(axis=(0, 1))
    return float(np.nanmean(np.abs(x - y).mean(axis=0) - 0.5 * spread))


def coverage(actual, lower, upper):
    """The fraction of ``actual`` values inside ``[lower, upper]`` (a prediction interval's coverage).

    Examples
    --------
    >>> from numbarnn.metrics import coverage
    >>> coverage([1.0, 2.0, 3.0, 4.0], [0.0, 2.5, 2.0, 3.0], [2.0, 3.0, 4.0, 3.5])
    0.5
    """
    a = np.asarray(actual, float)
    inside = (a >= np.asarray(lower, float)) & (a <= np.asarray(upper, float))
    return float(np.mean(inside[~np.isnan(a)]))
