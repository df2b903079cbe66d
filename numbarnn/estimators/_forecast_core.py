"""The forecaster's numbers on plain arrays: no labels, no xarray, no pandas.

Every function takes and returns NumPy arrays laid out time-major, ``(T, S, F)``:
time, independent series, features (channels). Series never mix except
where a function says so (the scaler pools them, the windows stack them into
one batch), so a caller holding the series in chunks can map the per-series
functions over the chunks.

The model enters only as an argument (anything with
``forward(x, state, record=False)``, or a plain callable), and randomness
only through the ``draw`` callable the caller passes, so the functions here
have no hidden state.
"""

import numpy as np

from . import _arima

#: The seasonal strength (:func:`seasonal_strength`) from which the ARIMA beside the networks searches
#: seasonal terms. Seasonally adjusted series measure below 0.06 and seasonal ones above 0.3 on the
#: development panels (sunspots' 11-year cycle read in 10 years of months: 0.2); a quarter lies between.
SEASONAL_ARMA_STRENGTH = 0.25
#: The Box-Cox parameters :func:`box_cox_lambda` chooses from: the log (0) to no transform (1) in steps
#: of 0.05. Below 0 the inverse has a pole a forecast can reach; above 1 it stretches the upper range.
BOX_COX_LAMBDAS = np.linspace(0.0, 1.0, 21)


def valid_span(values, name="y"):
    """First and last valid time index of each series.

    A time step is valid when every feature is present. Leading and trailing
    gaps are padding; a gap inside the valid span is an error, as is a series
    with no valid step.

    Parameters
    ----------
    values : numpy.ndarray, (T, S, F), NaN where missing.
    name : str, how errors name the data.

    Returns
    -------
    first, last : numpy.ndarray of int, (S,) each.
    """
    ok = ~np.isnan(values).any(axis=2)  # (T, S)
    first = np.full(ok.shape[1], -1)
    last = np.full(ok.shape[1], -1)
    for s in range(ok.shape[1]):
        idx = np.flatnonzero(ok[:, s])
        if idx.size == 0:
            raise ValueError(f"{name}: series {s} is all NaN; drop it before fitting")
        if idx.size != idx[-1] - idx[0] + 1:
            inner = idx[0] + np.flatnonzero(~ok[idx[0]:idx[-1] + 1, s])[0]
            raise ValueError(f"{name}: series {s} has missing values inside its record (first at time index "
                             f"{inner}); only leading and trailing NaN padding is allowed: fill the gaps first "
                             "(fill='linear', or e.g. y.interpolate_na('time'))")
        first[s], last[s] = idx[0], idx[-1]
    return first, last


def fill_gaps(values):
    """``values`` (T, S, F) with NaN inside each series' valid span filled by linear interpolation in time
    (leading and trailing padding stays NaN)."""
    out = values.copy()
    t = np.arange(values.shape[0])
    for s in range(values.shape[1]):
        for f in range(values.shape[2]):
            ok = ~np.isnan(values[:, s, f])
            if ok.sum() >= 2:
                lo, hi = np.flatnonzero(ok)[[0, -1]]
                out[lo:hi + 1, s, f] = np.interp(t[lo:hi + 1], t[ok], values[ok, s, f])
    return out


def difference(values, lag):
    """Differences at ``lag`` along time.

    Parameters
    ----------
    values : numpy.ndarray, (T, S, F).
    lag : int >= 0; 0 returns a copy of ``values``.

    Returns
    -------
    numpy.ndarray, (T, S, F): ``values[t] - values[t - lag]``, NaN for the first ``lag`` steps.
    """
    if lag == 0:
        return values.copy()
    z = np.full_like(values, np.nan)
    z[lag:] = values[lag:] - values[:-lag]
    return z


def integrate(diffs, history, lag):
    """Undo :func:`difference`: levels from differences at ``lag`` that continue ``history``.

    Parameters
    ----------
    diffs : numpy.ndarray, (steps, N, F), the differences of the steps after ``history``.
    history : numpy.ndarray, (lag, N, F), the last ``lag`` levels before them, oldest first
        (ignored when ``lag`` is 0).
    lag : int >= 0; 0 returns ``diffs`` itself (they are levels already).

    Returns
    -------
    numpy.ndarray, (steps, N, F): ``level[k] = diffs[k] + level[k - lag]``.
    """
    if lag == 0:
        return diffs
    levels = np.empty_like(diffs)
    buf = list(history)  # the last lag levels, oldest first
    for k in range(diffs.shape[0]):
        levels[k] = diffs[k] + buf[-lag]
        buf.append(levels[k])
    return levels


def fit_scaler(values, skipna=True):
    """Per-feature mean and standard deviation over all times and series.

    Parameters
    ----------
    values : numpy.ndarray, (T, S, F).
    skipna : bool, ignore NaN (padding, the first steps of differences); ``False`` for data known
        to be complete.

    Returns
    -------
    mean, std : numpy.ndarray, (F,) each; a feature with no spread gets ``std`` 1.
    """
    flat = values.reshape(-1, values.shape[2])
    if skipna:
        mean, std = np.nanmean(flat, axis=0), np.nanstd(flat, axis=0)
    else:
        mean, std = flat.mean(axis=0), flat.std(axis=0)
    std[~(std > 0)] = 1.0
    return mean, std


def scale(values, mean, std):
    """``(values - mean) / std``, with ``mean`` and ``std`` (F,) from :func:`fit_scaler`."""
    return (values - mean) / std


def unscale(values, mean, std):
    """The inverse of :func:`scale`: ``values * std + mean``."""
    return values * std + mean


def training_windows(zs, cov, start, last, lookback, horizon, validation_fraction, dtype):
    """Training and validation windows of length ``lookback + horizon``, as padded batches.

    Every window of every series' valid span (a shorter span gives one shorter window) is a
    one-step-ahead sample: inputs are the steps ``t0 .. t0 + w - 2`` (with the covariates of the
    step each input predicts), targets the steps ``t0 + 1 .. t0 + w - 1``. A window ending in the
    last ``validation_fraction`` of the time span is a validation window.

    Parameters
    ----------
    zs : numpy.ndarray, (T, S, F), the scaled modelled channels.
    cov : numpy.ndarray or None, (T, S or 1, C), scaled known covariates (one series shared by all).
    start, last : numpy.ndarray of int, (S,), the first and last usable time index of each series.
    lookback, horizon : int.
    validation_fraction : float in [0, 1).
    dtype : the model's dtype.

    Returns
    -------
    train, validation : ``(x, y, lengths, weight)`` batches (``validation`` is ``None`` without a
        validation window): ``x`` (W - 1, N, F + C), ``y`` (W - 1, N, F), ``lengths`` (N,) int64,
        ``weight`` (W - 1, N), with ``W = lookback + horizon``.
    """
    W = lookback + horizon
    T = zs.shape[0]
    cut = T - int(round(validation_fraction * (last.max() - start.min() + 1)))
    train_idx, val_idx = [], []
    for s in range(zs.shape[1]):
        a, b = start[s], last[s]
        w = min(W, b - a + 1)
        for t0 in range(a, b - w + 2):
            (val_idx if t0 + w - 1 >= cut else train_idx).append((s, t0, w))
    if not train_idx:
        raise ValueError("no training window before the validation part; lower validation_fraction")
    dtype = np.dtype(dtype)

    def build(idx):
        n = len(idx)
        feats = zs.shape[2] + (0 if cov is None else cov.shape[2])
        x = np.zeros((W - 1, n, feats), dtype=dtype)
        y = np.zeros((W - 1, n, zs.shape[2]), dtype=dtype)
        weight = np.zeros((W - 1, n), dtype=dtype)
        lengths = np.empty(n, dtype=np.int64)
        for i, (s, t0, w) in enumerate(idx):
            x[:w - 1, i, :zs.shape[2]] = zs[t0:t0 + w - 1, s]
            if cov is not None:
                x[:w - 1, i, zs.shape[2]:] = cov[t0 + 1:t0 + w, min(s, cov.shape[1] - 1)]
            y[:w - 1, i] = zs[t0 + 1:t0 + w, s]
            weight[:w - 1, i] = 1
            lengths[i] = w - 1
        return x, y, lengths, weight

    return build(train_idx), (build(val_idx) if val_idx else None)


def _stepper(model):
    """``step(x, state) -> (pred, state)`` for a model with ``forward`` or for such a callable."""
    if hasattr(model, "forward"):
        def step(x, state):
            pred, state, _ = model.forward(x, state, record=False)
            return pred, state
        return step
    return model


def sample_paths(model, z, last, steps, lookback, draw, known=None, n_paths=1, dtype="float32"):
    """Run the model over each series' last ``lookback`` steps, then ``steps`` steps autoregressively.

    Each series is run as ``n_paths`` consecutive batch columns (column ``s * n_paths + p``); every
    next step is ``draw(pred)`` of the model's output, fed back as the next input.

    Parameters
    ----------
    model : an object with ``forward(x, state, record=False) -> (pred, state, tape)`` (such as
        :class:`numbarnn.nn.SequenceModel`), or a callable ``(x, state) -> (pred, state)``;
        ``x`` is (steps, N, F + C), ``pred`` (steps, N, outputs), ``state`` ``None`` at first.
    z : numpy.ndarray, (T, S, F), the scaled (differenced) modelled channels.
    last : numpy.ndarray of int, (S,), the last valid time index of each series.
    steps : int >= 1.
    lookback : int, context steps.
    draw : callable ``(pred) -> next``: (N, outputs) model output -> (N, F) next step (the mean,
        or a sample: the caller owns the random stream).
    known : numpy.ndarray or None, (T + steps, S, C), scaled known covariates; the input at time
        ``t`` carries those of time ``t + 1``.
    n_paths : int, paths per series.
    dtype : the model's dtype.

    Returns
    -------
    numpy.ndarray, float64, (steps, S * n_paths, F): the scaled (differenced) forecasts.
    """
    step = _stepper(model)
    L, P = lookback, n_paths
    T, S, F = z.shape
    dtype = np.dtype(dtype)
    ctx = np.stack([z[last[s] - L + 1:last[s] + 1, s] for s in range(S)], axis=1)  # (L, S, F)
    C = 0 if known is None else known.shape[2]
    x = np.zeros((L, S, F + C), dtype=dtype)
    x[:, :, :F] = ctx
    if known is not None:
        for s in range(S):
            x[:, s, F:] = known[last[s] - L + 2:last[s] + 2, s]
    x = np.repeat(x, P, axis=1)  # paths are consecutive per series: index s * P + p
    pred, state = step(x, None)
    nxt = draw(pred[-1])
    zs = np.empty((steps, S * P, F))
    for k in range(steps):
        zs[k] = nxt
        if k == steps - 1:
            break
        step_in = np.zeros((1, S * P, F + C), dtype=dtype)
        step_in[0, :, :F] = nxt
        if known is not None:
            for s in range(S):
                step_in[0, s * P:(s + 1) * P, F:] = known[last[s] + k + 2, s]
        pred, state = step(step_in, state)
        nxt = draw(pred[-1])
    return zs


def forecast_paths(model, values, last, steps, lookback, lag, mean, std, draw, known=None, n_paths=1,
                   dtype="float32"):
    """Forecast paths in data units: difference and scale ``values``, :func:`sample_paths`, then unscale
    and :func:`integrate`.

    Parameters
    ----------
    model, last, steps, lookback, draw, known, n_paths, dtype : as for :func:`sample_paths`.
    values : numpy.ndarray, (T, S, F), the modelled channels in data units.
    lag : int, the differencing lag the model was fitted with.
    mean, std : numpy.ndarray, (F,), the scaler of the (differenced) channels.

    Returns
    -------
    numpy.ndarray, (n_paths, steps, S, F): the forecasts of the ``steps`` steps after each series'
        ``last`` step.
    """
    T, S, F = values.shape
    P = n_paths
    z = scale(difference(values, lag), mean, std)
    zs = unscale(sample_paths(model, z, last, steps, lookback, draw, known, P, dtype), mean, std)
    history = None
    if lag:
        history = np.repeat(np.stack([values[last[s] - lag + 1:last[s] + 1, s] for s in range(S)], axis=1), P,
                            axis=1)
    levels = integrate(zs, history, lag)
    return levels.reshape(steps, S, P, F).transpose(2, 0, 1, 3)


def forecast_window(paths, gap, horizon, n_targets):
    """The ``horizon`` steps after the end of the common time axis, for the target channels.

    Parameters
    ----------
    paths : numpy.ndarray, (P, steps, S, F), from :func:`forecast_paths`, starting after each
        series' last valid step.
    gap : numpy.ndarray of int, (S,), steps between each series' last valid step and the end of the
        time axis (its trailing padding).
    horizon : int.
    n_targets : int, the leading channels that are targets (the rest are forecast covariates).

    Returns
    -------
    numpy.ndarray, (P, horizon, S, n_targets).
    """
    S = paths.shape[2]
    idx = gap[None, :] + np.arange(horizon)[:, None]  # (horizon, S)
    return paths[:, idx, np.arange(S)[None, :], :n_targets]


# -- the direct strategy: level-normalised windows, one readout of every horizon step ---------------


def seasonal_test(z, m):
    """Whether ``z`` (1-d, no NaN) is seasonal at period ``m``: its autocorrelation at lag ``m`` lies
    outside the 90% limits of white noise (Bartlett's formula over lags 1 .. m-1), the test of the
    M4 competition's statistical benchmarks. False for ``m <= 1`` or fewer than three seasons."""
    n = z.shape[0]
    if m <= 1 or n < 3 * m:
        return False
    c = z - z.mean()
    denom = float(np.dot(c, c))
    if denom == 0:
        return False
    r = np.array([np.dot(c[k:], c[:-k]) / denom for k in range(1, m + 1)])
    limit = 1.645 * np.sqrt((1 + 2 * np.sum(r[:-1] ** 2)) / n)
    return bool(abs(r[-1]) > limit)


def detrended(z, m):
    """``z`` (1-d, no NaN, at least ``m + 1`` values) less its trend, the centred moving average of order
    ``m`` (2 x m for even ``m``); NaN at the ends, where the average does not reach.

    >>> detrended(np.arange(8.0) + np.tile([1.0, -1.0], 4), 2).tolist()   # a line plus a 2-step swing
    [nan, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, nan]
    """
    w = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    trend = np.convolve(z, w, mode="valid")
    off = (w.shape[0] - 1) // 2
    out = np.full(z.shape[0], np.nan)
    out[off:off + trend.shape[0]] = z[off:off + trend.shape[0]] - trend
    return out


def seasonal_indices(z, m):
    """Additive seasonal indices of ``z`` (1-d, no NaN) by classical decomposition.

    Index ``i`` is the mean of :func:`detrended` ``z`` over the steps ``i, i + m, ...``, and the ``m``
    indices sum to zero.

    Returns
    -------
    numpy.ndarray, (m,): the index of each position ``t % m`` of ``z``.
    """
    return _indices(detrended(z, m), m)


def _indices(rest, m):
    """The seasonal indices of a detrended series ``rest`` (NaN where its trend is unknown)."""
    idx = np.array([np.nanmean(rest[i::m]) for i in range(m)])
    return idx - idx.mean()


def seasonal_strength(z, m):
    """The share of the variance of :func:`detrended` ``z`` (1-d, no NaN) that its seasonal indices
    explain, ``max(0, 1 - var(remainder) / var(detrended))`` (Wang, Smith and Hyndman's 2006 seasonal
    strength, on a classical decomposition): 0 for a seasonally adjusted or aseasonal series, near 1
    for a stable seasonal pattern. 0 for ``m <= 1`` or fewer than three seasons.

    >>> t = np.arange(60)
    >>> bool(seasonal_strength(0.1 * t + np.sin(2 * np.pi * t / 12), 12) > 0.99)
    True
    >>> float(seasonal_strength(0.1 * t, 12))
    0.0
    """
    if m <= 1 or z.shape[0] < 3 * m:
        return 0.0
    rest = detrended(z, m)
    valid = ~np.isnan(rest)
    remainder = rest - _indices(rest, m)[np.arange(z.shape[0]) % m]
    total = np.var(rest[valid])
    if total <= 1e-12 * np.var(z):  # nothing but the trend, to rounding
        return 0.0
    return max(0.0, 1.0 - float(np.var(remainder[valid]) / total))


def box_cox_lambda(z, m):
    """Guerrero's (1993) Box-Cox parameter for the strictly positive series ``z`` (1-d) of period ``m``:
    of :data:`BOX_COX_LAMBDAS`, the one that makes each block's standard deviation over its mean to the
    power ``1 - lambda`` most nearly constant (the smallest coefficient of variation across blocks), the
    blocks being the last whole runs of ``max(m, 2)`` steps (R's ``forecast::BoxCox.lambda(x,
    "guerrero")`` on a grid). 0 (the log) with fewer than two blocks or no spread within them.

    >>> rng = np.random.default_rng(0)
    >>> level = np.exp(np.linspace(0, 3, 120))          # growth, the noise in proportion to the level
    >>> box_cox_lambda(level * np.exp(0.05 * rng.standard_normal(120)), 12)
    0.0
    >>> trend = np.linspace(20, 100, 240)                # a trend, the noise of one size throughout
    >>> box_cox_lambda(trend + 5 * rng.standard_normal(240), 12)
    0.9
    """
    n = max(int(m), 2)
    k = z.shape[0] // n
    if k < 2:
        return 0.0
    blocks = z[z.shape[0] - k * n:].reshape(k, n)
    mean, sd = blocks.mean(axis=1), blocks.std(axis=1, ddof=1)
    best, chosen = np.inf, 0.0
    for lam in BOX_COX_LAMBDAS:
        ratio = sd / mean ** (1.0 - lam)
        if ratio.mean() > 0:
            cv = ratio.std(ddof=1) / ratio.mean()
            if cv < best:
                best, chosen = cv, float(lam)
    return chosen


def box_cox(z, lam):
    """The Box-Cox transform ``(z ** lam - 1) / lam`` of positive ``z``; the log at ``lam == 0``."""
    return np.log(z) if lam == 0 else (z ** lam - 1.0) / lam


def inverse_box_cox(z, lam):
    """The inverse of :func:`box_cox`, elementwise with ``lam`` broadcast against ``z``: ``exp(z)`` where
    ``lam`` is 0, ``(lam z + 1) ** (1 / lam)`` where it is positive (0 where ``lam z + 1 <= 0``, the
    transform's floor), ``z`` itself where ``lam`` is NaN (no transform).

    >>> x = np.array([0.5, 2.0, 30.0])
    >>> [bool(np.allclose(inverse_box_cox(box_cox(x, lam), lam), x)) for lam in (0.0, 0.35, 1.0)]
    [True, True, True]
    """
    lam = np.broadcast_to(lam, np.shape(z))
    positive = lam > 0
    safe = np.where(positive, lam, 1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        power = np.maximum(safe * z + 1.0, 0.0) ** (1.0 / safe)
        return np.where(positive, power, np.where(lam == 0, np.exp(z), z))


def direct_prepare(values, first, last, season_length, transform, deseasonalize, auto_box_cox=True):
    """Per series and channel: an optional Box-Cox transform (or log), seasonal indices removed, and the
    scale of the windows.

    Parameters
    ----------
    values : numpy.ndarray, (T, S, F), NaN outside each series' valid span.
    first, last : numpy.ndarray of int, (S,), the valid span of each series (:func:`valid_span`).
    season_length : int, the seasonal period m (1: none).
    transform : ``"auto"`` (a Box-Cox transform, its parameter by :func:`box_cox_lambda`, where a
        channel is strictly positive; untransformed elsewhere), ``"box-cox"`` or ``"log"`` (every
        channel, which must be positive) or ``None``.
    deseasonalize : ``"auto"`` (where :func:`seasonal_test` finds seasonality), ``True`` (wherever
        there are three seasons) or ``False``.
    auto_box_cox : bool, what ``"auto"`` does to a positive channel: Box-Cox (``True``) or the log
        (``False``: what it did before, for models fitted then).

    Returns
    -------
    adjusted : numpy.ndarray, (T, S, F): the (transformed) series less its seasonal indices, NaN outside
        the valid spans.
    prep : dict of ``lambda`` (S, F), the Box-Cox parameter of each channel (0: the log; NaN: not
        transformed), ``seasonal`` (S, F, max(m, 1)) indices by absolute time index modulo m, and
        ``scale`` (S, F): the mean absolute first difference of ``adjusted`` (1 where it is 0), so one
        unit of a window is a typical step of its series.
    """
    T, S, F = values.shape
    m = max(int(season_length), 1)
    lam = np.full((S, F), np.nan)
    seasonal = np.zeros((S, F, m))
    scale = np.ones((S, F))
    adjusted = np.full(values.shape, np.nan)
    for s in range(S):
        span = slice(first[s], last[s] + 1)
        positions = np.arange(first[s], last[s] + 1) % m
        for f in range(F):
            z = values[span, s, f]
            if transform in ("log", "box-cox") and np.any(z <= 0):
                raise ValueError(f"transform={transform!r} needs positive data; series {s} has values <= 0: "
                                 "use transform='auto' (only where a series is positive) or None")
            if transform in ("log", "box-cox") or (transform == "auto" and np.all(z > 0)):
                box = transform == "box-cox" or (transform == "auto" and auto_box_cox)
                lam[s, f] = box_cox_lambda(z, m) if box else 0.0
                z = box_cox(z, lam[s, f])
            if m > 1 and z.shape[0] >= 3 * m and (deseasonalize is True or
                                                  (deseasonalize == "auto" and seasonal_test(z, m))):
                seasonal[s, f] = np.roll(seasonal_indices(z, m), first[s] % m)
            z = z - seasonal[s, f, positions]
            step = np.mean(np.abs(np.diff(z))) if z.shape[0] > 1 else 0.0
            scale[s, f] = step if step > 0 else 1.0
            adjusted[span, s, f] = z
    return adjusted, {"lambda": lam, "seasonal": seasonal, "scale": scale}


def bootstrap(adjusted, first, last, season_length, rng):
    """A moving-block bootstrap copy of every adjusted series: its smooth trend plus blocks of its remainder
    drawn with replacement (Bergmeir, Hyndman and Benitez 2016, "Bagging exponential smoothing methods
    using STL decomposition and Box-Cox transformation"; as training data for a recurrent network:
    Bandara, Hewamalage, Liu, Kang and Bergmeir 2021).

    The trend is the centred moving mean over ``max(m, 2)`` steps on each side (fewer at the ends),
    the remainder what is left; blocks of ``2m`` steps (4 without a season; at most a quarter of the
    series) keep the remainder's short-range structure, and the channels of a series share the blocks.

    Parameters
    ----------
    adjusted : numpy.ndarray, (T, S, F), from :func:`direct_prepare` (NaN outside the valid spans).
    first, last : numpy.ndarray of int, (S,), the valid spans.
    season_length : int, the seasonal period m (1: none).
    rng : numpy.random.Generator.

    Returns
    -------
    numpy.ndarray, (T, S, F): the copy, NaN where ``adjusted`` is.

    Examples
    --------
    >>> z = np.full((30, 1, 1), np.nan)
    >>> z[2:, 0, 0] = np.arange(28.0) + np.tile([1.0, -1.0], 14)   # a trend and an alternating remainder
    >>> copy = bootstrap(z, np.array([2]), np.array([29]), 1, np.random.default_rng(0))
    >>> copy.shape, bool(np.isnan(copy[:2]).all()), bool(np.isfinite(copy[2:]).all())
    ((30, 1, 1), True, True)
    >>> bool(np.allclose(copy[2:].mean(), z[2:].mean(), atol=1))   # the trend is kept
    True
    """
    m = max(int(season_length), 1)
    half = max(m, 2)
    out = np.full(adjusted.shape, np.nan)
    for s in range(adjusted.shape[1]):
        z = adjusted[first[s]:last[s] + 1, s]  # (n, F)
        n = z.shape[0]
        sums = np.concatenate([np.zeros((1, z.shape[1])), np.cumsum(z, axis=0)])
        lo = np.maximum(np.arange(n) - half, 0)
        hi = np.minimum(np.arange(n) + half + 1, n)
        trend = (sums[hi] - sums[lo]) / (hi - lo)[:, None]
        block = max(1, min(2 * m if m > 1 else 4, n // 4))
        starts = rng.integers(0, n - block + 1, size=-(-n // block))
        idx = (starts[:, None] + np.arange(block)).ravel()[:n]
        out[first[s]:last[s] + 1, s] = trend + (z - trend)[idx]
    return out


def _window(adjusted, scale, s, t, lookback, out):
    """The window of series ``s`` ending at ``t``, relative to its level at ``t``, into ``out`` (L, F);
    returns its length."""
    lo = max(t - lookback + 1, 0)
    w = adjusted[lo:t + 1, s]
    w = w[~np.isnan(w).any(axis=1)]
    out[:w.shape[0]] = (w - adjusted[t, s]) / scale[s]
    return w.shape[0]


def direct_windows(adjusted, scale, first, last, lookback, horizon, min_length, dtype):
    """Training samples of the direct strategy: every window of at least ``min_length`` steps whose
    ``horizon`` following steps are observed, with those steps as targets.

    Inputs and targets are relative to the level at the window's last step and in units of
    ``scale``, so one model serves series of any level and scale.

    Parameters
    ----------
    adjusted, scale : from :func:`direct_prepare`.
    first, last : numpy.ndarray of int, (S,).
    lookback : int, the longest window.
    horizon : int.
    min_length : int, the shortest window (windows start at each series' first valid step).
    dtype : the model's dtype.

    Returns
    -------
    data : ``(x, y, lengths, None)``: ``x`` (lookback, N, F) (zero past each window's length), ``y``
        (N, horizon * F) step-major, ``lengths`` (N,) int64; ``None`` when no window fits.
    ends : numpy.ndarray of int, (N,), the time index each window ends at (for time-ordered splits).
    """
    T, S, F = adjusted.shape
    ends = [(s, t) for s in range(S) for t in range(first[s] + min_length - 1, last[s] - horizon + 1)]
    if not ends:
        return None, None
    x = np.zeros((lookback, len(ends), F), dtype=dtype)
    y = np.empty((len(ends), horizon, F), dtype=dtype)
    lengths = np.empty(len(ends), dtype=np.int64)
    for i, (s, t) in enumerate(ends):
        lengths[i] = _window(adjusted, scale, s, t, lookback, x[:, i])
        y[i] = (adjusted[t + 1:t + 1 + horizon, s] - adjusted[t, s]) / scale[s]
    return (x, y.reshape(len(ends), horizon * F), lengths, None), np.array([t for _, t in ends], dtype=np.int64)


def direct_context(adjusted, scale, last, lookback, dtype):
    """The window ending at each series' last valid step: ``(x, lengths)``, ``x`` (lookback, S, F)."""
    T, S, F = adjusted.shape
    x = np.zeros((lookback, S, F), dtype=dtype)
    lengths = np.array([_window(adjusted, scale, s, last[s], lookback, x[:, s]) for s in range(S)], dtype=np.int64)
    return x, lengths


def direct_extend(adjusted, last, scale, pred):
    """Write the direct model's output after each series' last step, in place; return the new ends.

    Parameters
    ----------
    adjusted : numpy.ndarray, (T', S, F), from :func:`direct_prepare`, with room after ``last``.
    last : numpy.ndarray of int, (S,), each series' last filled step.
    scale : numpy.ndarray, (S, F).
    pred : numpy.ndarray, (S, horizon, F), the model's output for :func:`direct_context` at ``last``.

    Returns
    -------
    numpy.ndarray of int, (S,): ``last + horizon``.
    """
    S, horizon, F = pred.shape
    for s in range(S):
        adjusted[last[s] + 1:last[s] + 1 + horizon, s] = adjusted[last[s], s] + scale[s] * pred[s]
    return last + horizon


def linear_forecast(adjusted, first, last, steps, seasonal):
    """Each adjusted series' next ``steps`` values by its own automatic ARIMA (:mod:`._arima`), fitted
    here to the series' valid span. Seasonal AR and MA terms (at the period ``m``) are searched where
    the seasonal indices explain at least :data:`SEASONAL_ARMA_STRENGTH` of the detrended series
    before they were removed (:func:`seasonal_strength`): there they follow how the seasonal pattern
    drifts from the fixed indices; elsewhere (seasonally adjusted series, those without a season) the
    criterion would pick seasonal terms from noise.

    Parameters
    ----------
    adjusted : numpy.ndarray, (T, S, F), from :func:`direct_prepare`.
    first, last : numpy.ndarray of int, (S,), each series' valid span (:func:`valid_span`).
    steps : int.
    seasonal : numpy.ndarray, (S, F, m), the seasonal indices :func:`direct_prepare` removed (its
        ``prep["seasonal"]``).

    Returns
    -------
    numpy.ndarray, (steps, S, F): the forecasts in adjusted units; NaN for a series of fewer than 3
    values.
    """
    T, S, F = adjusted.shape
    m = seasonal.shape[2]
    out = np.full((steps, S, F), np.nan)
    for s in range(S):
        if last[s] - first[s] + 1 < 3:
            continue
        positions = np.arange(first[s], last[s] + 1) % m
        for f in range(F):
            z = adjusted[first[s]:last[s] + 1, s, f]
            strong = seasonal_strength(z + seasonal[s, f, positions], m) >= SEASONAL_ARMA_STRENGTH
            out[:, s, f] = _arima.forecast(_arima.fit(z, period=m if strong else 1), z, steps)
    return out


def combine_linear(block, centre, linear, base, scale, levels):
    """The networks' forecast averaged with the linear one, in window units.

    The point forecast becomes the mean of the two; an interval becomes the union of the networks'
    interval and the same interval around the linear forecast: each level moves by half the distance
    from ``centre`` to ``linear``, and then by another half of it away from the median (down below
    0.5, up above). Where the two forecasts disagree the outcome is less certain than either says.

    Parameters
    ----------
    block : numpy.ndarray, (S, horizon, F, Q), the networks' values at the quantile ``levels`` (Q,).
    centre : numpy.ndarray, (S, horizon, F), the networks' point forecast (their median).
    linear : numpy.ndarray, (horizon, S, F), :func:`linear_forecast` in adjusted units; NaN leaves a
        series' block as it is.
    base, scale : numpy.ndarray, (S, F), the adjusted value the windows are relative to and their unit.
    levels : array-like, (Q,), the quantile level of each value in ``block``.

    Examples
    --------
    >>> block = np.array([-1.0, 0.0, 1.0]).reshape(1, 1, 1, 3)   # a 10%-90% interval around 0
    >>> out = combine_linear(block, np.zeros((1, 1, 1)), np.full((1, 1, 1), 4.0), np.zeros((1, 1)),
    ...                      np.ones((1, 1)), [0.1, 0.5, 0.9])
    >>> out.ravel().tolist()   # the mean, 2, within the union of [-1, 1] and [3, 5]
    [-1.0, 2.0, 5.0]
    """
    units = (linear.transpose(1, 0, 2) - base[:, None, :]) / scale[:, None, :]
    half = np.where(np.isnan(units), 0.0, (units - centre) / 2)
    side = np.sign(np.asarray(levels, dtype=np.float64) - 0.5)
    return block + half[..., None] + np.abs(half)[..., None] * side


def direct_levels(adjusted, last, steps, prep):
    """The ``steps`` values after each series' ``last`` step of ``adjusted`` back in data units
    (seasonal indices added back, the Box-Cox transform or log undone).

    Returns
    -------
    numpy.ndarray, (steps, S, F).
    """
    S = last.shape[0]
    m = prep["seasonal"].shape[2]
    idx = last[None, :] + 1 + np.arange(steps)[:, None]  # (steps, S)
    z = adjusted[idx, np.arange(S)[None, :]]  # (steps, S, F)
    seasonal = np.take_along_axis(prep["seasonal"], (idx.T % m)[:, None, :], axis=2)  # (S, F, steps)
    z = z + seasonal.transpose(2, 0, 1)
    return inverse_box_cox(z, prep["lambda"][None])
