"""Rolling-origin evaluation of a forecaster: fit on the past, forecast the next steps, move the origin on."""

import numpy as np
import xarray as xr

from .._validation import check_option, check_positive_int
from ..metrics import seasonal_naive_error
from ._base import clone
from ._labels import as_dataarray


def backtest(estimator, y, horizon=None, start=None, stride=None, retrain=True, window="expanding"):
    """Forecasts of ``y`` from several origins, each made only from the data before it.

    At every origin ``o`` (a time index) the forecaster sees ``y`` up to ``o`` (all of it with
    ``window="expanding"``, the last ``start`` steps with ``"sliding"``) and forecasts the
    ``horizon`` steps from ``o``; the origin then moves ``stride`` steps on, while a whole
    horizon of data is left to compare with.

    Parameters
    ----------
    estimator : an unfitted :class:`numbarnn.Forecaster` (it is cloned; never changed).
    y : the series, as for :meth:`numbarnn.Forecaster.fit` (a DataArray, pandas or NumPy; no covariates).
    horizon : int, steps per forecast (default: the estimator's ``horizon``).
    start : int, the first origin (default: the length less three horizons).
    stride : int, steps between origins (default: ``horizon``).
    retrain : ``True`` (refit at every origin), ``False`` (fit at the first origin only and forecast
        the later ones from their own history) or an int ``k`` (refit every ``k`` origins).
    window : ``"expanding"`` or ``"sliding"`` (train on the ``start`` steps before each origin).

    Returns
    -------
    xarray.Dataset over ``origin`` (the time stamp of each origin's first forecast step), ``step``
    (1 .. horizon) and the series' other dimensions: ``forecast`` and ``actual``; ``abs_error``;
    ``mase`` (origin, series...), each forecast's error scaled by the in-sample seasonal-naive error
    of its own training data (period ``season_length_``); and ``mae_by_step`` (step, series...).

    Examples
    --------
    >>> import numpy as np, numbarnn
    >>> y = 10 + np.sin(np.arange(80) / 2)
    >>> f = numbarnn.Forecaster(horizon=4, epochs=3, n_models=1, random_state=0)
    >>> bt = numbarnn.backtest(f, y, start=60, stride=4, retrain=2)
    >>> bt.forecast.dims, bt.sizes["origin"], bt.origin.values.tolist()
    (('origin', 'step'), 5, [60, 64, 68, 72, 76])
    >>> bt.mae_by_step.dims, bool(np.isfinite(bt.mase).all())
    (('step',), True)
    """
    da, _ = as_dataarray(y, estimator.time_dim)
    time_dim = estimator.time_dim
    if time_dim not in da.dims:
        raise ValueError(f"no time dimension {time_dim!r} in dims {da.dims}; name it with time_dim=...")
    T = da.sizes[time_dim]
    horizon = check_positive_int("horizon", estimator.horizon if horizon is None else horizon)
    start = T - 3 * horizon if start is None else check_positive_int("start", start)
    stride = horizon if stride is None else check_positive_int("stride", stride)
    check_option("window", window, ("expanding", "sliding"))
    every = 1 if retrain is True else (0 if retrain is False else check_positive_int("retrain", retrain))
    if start + horizon > T:
        raise ValueError(f"start={start} leaves fewer than horizon={horizon} steps after it in a series of "
                         f"{T}; lower start or horizon")
    origins = list(range(start, T - horizon + 1, stride))
    params = dict(estimator.get_params(), horizon=horizon)
    model, forecasts, actuals, scores = None, [], [], []
    for k, o in enumerate(origins):
        history = da.isel({time_dim: slice(o - start if window == "sliding" else 0, o)})
        if model is None or (every and k % every == 0):
            model = clone(estimator).set_params(**params).fit(history)
        forecast = as_dataarray(model.predict(horizon=horizon, y=history), time_dim)[0]
        actual = da.isel({time_dim: slice(o, o + horizon)})
        forecasts.append(np.asarray(forecast.transpose(time_dim, ...).values, dtype=float))
        actuals.append(np.asarray(actual.transpose(time_dim, ...).values, dtype=float))
        past = np.asarray(history.transpose(time_dim, ...).values, dtype=float)
        m = model.season_length_ if past.shape[0] > model.season_length_ else 1
        scale = seasonal_naive_error(past, m)
        scores.append(np.nanmean(np.abs(actuals[-1] - forecasts[-1]), axis=0) / np.where(scale > 0, scale, np.nan))
    other = [d for d in da.transpose(time_dim, ...).dims if d != time_dim]
    coords = {d: da[d].values for d in other if d in da.coords}
    coords.update(origin=da[time_dim].values[origins] if time_dim in da.coords else np.array(origins),
                  step=np.arange(1, horizon + 1))
    dims = ("origin", "step", *other)
    forecast = xr.DataArray(np.stack(forecasts), dims=dims, coords=coords, attrs=dict(da.attrs))
    actual = xr.DataArray(np.stack(actuals), dims=dims, coords=coords, attrs=dict(da.attrs))
    error = abs(forecast - actual)
    return xr.Dataset({"forecast": forecast, "actual": actual, "abs_error": error,
                       "mase": (("origin", *other), np.stack(scores)), "mae_by_step": error.mean("origin")},
                      attrs={"horizon": horizon, "stride": stride, "window": window,
                             "retrain": str(retrain), "start": start})


def conformal_interval(bt, forecast, level=0.8):
    """A prediction interval around ``forecast`` from the errors of a backtest, lead time by lead time.

    The half-width at each step is the ``ceil((n + 1) level)``-th smallest of the ``n`` backtest
    origins' absolute errors at that step (split conformal prediction): if the future
    errors are exchangeable with the backtest's, the interval covers with probability at least
    ``level``.

    Parameters
    ----------
    bt : the Dataset of :func:`backtest`, run on the data the forecast starts after.
    forecast : the forecast, time first (a DataArray, or an array), at most ``bt``'s horizon long.
    level : float in (0, 1), the coverage aimed at.

    Returns
    -------
    lower, upper : like ``forecast`` (a DataArray for a DataArray, else NumPy arrays).

    Examples
    --------
    >>> import numpy as np
    >>> from numbarnn.estimators._backtest import conformal_interval
    >>> import xarray as xr
    >>> err = np.arange(1.0, 11.0)[:, None] * np.ones((1, 2))      # 10 origins, 2 steps
    >>> bt = xr.Dataset({"abs_error": (("origin", "step"), err)})
    >>> lower, upper = conformal_interval(bt, np.zeros(2), level=0.8)
    >>> upper.tolist()                                             # ceil(11 * 0.8) = 9th of 10
    [9.0, 9.0]
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level!r}")
    err = bt["abs_error"].transpose("origin", ...).values
    n = err.shape[0]
    k = min(n, int(np.ceil((n + 1) * level)))
    width = np.sort(err, axis=0)[k - 1]
    values = np.asarray(forecast, dtype=float)
    if values.shape[0] > width.shape[0]:
        raise ValueError(f"the forecast has {values.shape[0]} steps; the backtest only {width.shape[0]}: "
                         "backtest with a longer horizon")
    width = width[:values.shape[0]]
    lower, upper = values - width, values + width
    if isinstance(forecast, xr.DataArray):
        return forecast.copy(data=lower), forecast.copy(data=upper)
    return lower, upper
