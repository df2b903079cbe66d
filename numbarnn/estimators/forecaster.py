"""The :class:`Forecaster`: hyperparameters, checks and labels; the numbers come from ``_forecast_core``.

``__init__`` only stores hyperparameters; ``fit`` returns ``self`` and sets
attributes ending in ``_``; ``random_state`` seeds everything; refitting
forgets the old fit.
"""

import numpy as np

from .._validation import check_option, check_positive_int
from ..training import SequenceModel, get_loss, history_dataset, train
from ..training.losses import GaussianNLL
from ..training.optimizers import OPTIMIZERS
from ..training.schedules import make_schedule
from . import _forecast_core as core
from ._base import BaseEstimator, check_training_params
from ._labels import as_dataarray, covariate_feature_dim, from_panel, future_time, to_panel
from ._persistence import save


class Forecaster(BaseEstimator):
    """Recurrent forecaster for one or many series, trained one step ahead, forecasting autoregressively.

    Every dimension of ``y`` other than time (and the optional feature
    dimension) is a set of independent series sharing one model: a
    (time, lat, lon) grid trains one model over all cells.

    Parameters
    ----------
    cell : ``"lstm"``, ``"gru"`` or ``"rnn"``.
    hidden_size, num_layers, dropout : network size.
    lookback : int, steps of history the forecast is conditioned on.
    horizon : int, default number of steps to forecast.
    difference : int, model differences at this lag (0: levels, 1: first
        differences, 12: seasonal differences of a monthly series); forecasts are
        integrated back.
    probabilistic : bool, add a variance head trained by Gaussian negative
        log-likelihood; ``predict(quantiles=...)`` then samples paths.
    covariates : ``"known"`` (``X`` is known over the forecast horizon and must
        be given to ``predict``) or ``"past"`` (``X`` is only observed; it is
        forecast jointly with ``y``).
    loss : ``"mse"``, ``"mae"`` or ``"huber"`` (ignored when ``probabilistic``).
    optimizer, learning_rate, weight_decay, schedule : training
        (``"adam"``/``"adamw"``/``"sgd"``; ``"constant"``/``"step"``/``"cosine"``/``"plateau"``).
    batch_size, epochs, clip_norm, patience : training; ``patience`` epochs
        without validation improvement stop training (best weights restored).
    validation_fraction : the last part of the time span, held out for
        validation (never shuffled across time).
    n_samples : paths drawn for quantiles.
    dtype, time_dim, feature_dim, random_state, verbose : as named.
    device : ``"cpu"`` or ``"cuda"``: where the recurrent network runs (see
        :doc:`/gpu`); the readout, the loss and the optimizer stay on the host.

    Attributes
    ----------
    model_ : the fitted :class:`numbarnn.nn.SequenceModel`.
    history_ : :class:`xarray.Dataset` over ``epoch`` (train/validation loss,
        mean pre-clip gradient norm, learning rate, skipped steps, seconds) and
        ``step`` (pre-clip gradient norm of every step).
    n_features_in_ : int, features of ``y``.

    Examples
    --------
    >>> import numpy as np, xarray as xr, numbarnn
    >>> t = np.arange(240)
    >>> y = xr.DataArray(np.sin(2 * np.pi * t / 12), dims="time", coords={"time": t},
    ...                  attrs={"units": "m"})
    >>> f = numbarnn.Forecaster(hidden_size=16, lookback=24, horizon=6, epochs=30, random_state=0)
    >>> forecast = f.fit(y).predict()
    >>> forecast.dims, forecast.time.values.tolist(), forecast.attrs["units"]
    (('time',), [240, 241, 242, 243, 244, 245], 'm')
    >>> bool(np.abs(forecast - np.sin(2 * np.pi * forecast.time / 12)).max() < 0.2)
    True
    """

    def __init__(self, cell="lstm", hidden_size=32, num_layers=1, lookback=24, horizon=12, difference=0,
                 probabilistic=False, covariates="known", loss="mse", optimizer="adam", learning_rate=5e-3,
                 weight_decay=0.0, schedule="plateau", batch_size=32, epochs=100, clip_norm=1.0,
                 patience=20, validation_fraction=0.15, dropout=0.0, n_samples=200, dtype="float32",
                 device="cpu", time_dim="time", feature_dim=None, random_state=None, verbose=None):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lookback = lookback
        self.horizon = horizon
        self.difference = difference
        self.probabilistic = probabilistic
        self.covariates = covariates
        self.loss = loss
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.schedule = schedule
        self.batch_size = batch_size
        self.epochs = epochs
        self.clip_norm = clip_norm
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.dropout = dropout
        self.n_samples = n_samples
        self.dtype = dtype
        self.device = device
        self.time_dim = time_dim
        self.feature_dim = feature_dim
        self.random_state = random_state
        self.verbose = verbose

    # -- checks --------------------------------------------------------------------

    def _check_params(self):
        check_training_params(self, ("hidden_size", "num_layers", "lookback", "horizon", "batch_size", "epochs",
                                     "n_samples"))
        check_option("covariates", self.covariates, ("known", "past"))
        check_option("loss", self.loss, ("mse", "mae", "huber"))
        check_positive_int("difference", self.difference, minimum=0)

    def _panel(self, y, name="y"):
        return to_panel(y, self.time_dim, self.feature_dim, name=name)

    def _covariate_panel(self, X, y_panel, name="X"):
        xp = to_panel(X, self.time_dim, covariate_feature_dim(X), name=name)
        if xp.values.shape[1] not in (1, y_panel.values.shape[1]):
            raise ValueError(f"X has {xp.values.shape[1]} series but y has {y_panel.values.shape[1]}; "
                             "give X the same non-time dimensions as y, or none (shared by all series)")
        return xp

    def _aligned_covariates(self, X, y_panel):
        """X on y's exact time coordinate, broadcast to y's series: (T, S, C)."""
        xp = self._covariate_panel(X, y_panel)
        if len(xp.time) != len(y_panel.time) or not np.array_equal(np.asarray(xp.time), np.asarray(y_panel.time)):
            raise ValueError("X must have the same time coordinate as y")
        return np.broadcast_to(xp.values, y_panel.values.shape[:2] + (xp.values.shape[2],))

    # -- fit -------------------------------------------------------------------------

    def fit(self, y, X=None):
        """Fit on ``y`` (time[, series dims][, feature]) with optional covariates ``X``; return ``self``."""
        self._check_params()
        self._forget()
        try:
            return self._fit(y, X)
        except BaseException:
            self._forget()  # nothing partly fitted is left behind
            raise

    def _forget(self):
        for attr in [a for a in vars(self) if a.endswith("_")]:
            delattr(self, attr)

    def _fit(self, y, X):
        rng = self._fit_structure(y, X)
        values, cov = self.panel_.values, self.covariates_values_
        first, last = core.valid_span(values)
        needed = self.lookback + self.difference + 1
        short = np.flatnonzero(last - first + 1 < needed)
        if short.size:
            raise ValueError(f"y: series {short[0]} has {last[short[0]] - first[short[0]] + 1} valid steps; "
                             f"lookback={self.lookback} with difference={self.difference} needs at least "
                             f"{needed}: lower lookback or give more data")
        joint = self._joint(values, cov)
        z = core.difference(joint, self.difference)
        self.mean_, self.std_ = core.fit_scaler(z)
        zs = core.scale(z, self.mean_, self.std_)
        cov_s, self.cov_mean_, self.cov_std_ = None, None, None
        if cov is not None and self.covariates == "known":
            self.cov_mean_, self.cov_std_ = core.fit_scaler(cov, skipna=False)
            cov_s = core.scale(cov, self.cov_mean_, self.cov_std_)
        train_data, val_data = core.training_windows(zs, cov_s, first + self.difference, last, self.lookback,
                                                     self.horizon, self.validation_fraction, self.dtype)
        opt = OPTIMIZERS[self.optimizer](lr=self.learning_rate, weight_decay=self.weight_decay)
        schedule = make_schedule(self.schedule, opt, self.epochs)
        hist = train(self.model_, self._loss(), opt, train_data, val_data, epochs=self.epochs,
                     batch_size=self.batch_size, schedule=schedule, clip_norm=self.clip_norm,
                     patience=self.patience, rng=rng, verbose=self.verbose)
        self.history_ = history_dataset(hist)
        self.is_fitted_ = True
        return self

    def _loss(self):
        return GaussianNLL() if self.probabilistic else get_loss(self.loss)

    def _joint(self, values, cov):
        """The modelled channels: the target, plus past-only covariates forecast jointly."""
        if cov is None or self.covariates == "known":
            return values
        return np.concatenate([values, cov], axis=2)

    def _fit_structure(self, y, X):
        """Read the data and build an untrained model of the right shape; return the training RNG."""
        panel = self._panel(y)
        self.train_data_ = as_dataarray(y, self.time_dim)[0]
        self.train_X_ = None if X is None else as_dataarray(X, self.time_dim, name="X")[0]
        cov = None
        if X is not None:
            cov = self._aligned_covariates(X, panel)
            if self.covariates == "known" and np.isnan(cov).any():
                raise ValueError("X (known covariates) holds NaN; known covariates must be complete")
        self.panel_ = panel
        self.covariates_values_ = cov
        self.n_features_in_ = panel.values.shape[2]
        self.n_covariates_ = 0 if cov is None else cov.shape[2]
        n_joint = self.n_features_in_ + (self.n_covariates_ if self.covariates == "past" else 0)
        n_in = n_joint + (self.n_covariates_ if self.covariates == "known" else 0)
        rng = np.random.default_rng(self.random_state)
        self.model_ = SequenceModel(self.cell, n_in, self.hidden_size, n_joint * self._loss().outputs_per_target,
                                    num_layers=self.num_layers, dropout=self.dropout, dtype=self.dtype,
                                    device=self.device, seed=int(rng.integers(2**31)))
        return rng

    def save(self, path):
        """Write the fitted forecaster to ``path`` as one netCDF file (atomically); see :func:`numbarnn.load`."""
        save(self, path)

    def _persist(self):
        arrays = {name: getattr(self, name) for name in ("mean_", "std_", "cov_mean_", "cov_std_")}
        return arrays, {"y": self.train_data_, "X": self.train_X_}, {"input_kind": self.panel_.kind}

    def _restore(self, arrays, frames, state):
        self._fit_structure(frames["y"], frames.get("X"))
        for name in ("mean_", "std_", "cov_mean_", "cov_std_"):
            setattr(self, name, arrays.get(name))
        self.panel_.kind = state.get("input_kind", "xarray")

    # -- predict -----------------------------------------------------------------------

    def predict(self, horizon=None, y=None, X=None, quantiles=None):
        """Forecast ``horizon`` steps after the end of the training data, or of ``y`` when given.

        Returns the forecast in the caller's labels: future time coordinates at
        the series' own frequency, other coordinates and attrs kept. With
        ``quantiles`` (needs ``probabilistic=True``) a ``quantile`` dimension is
        added, estimated from ``n_samples`` sampled paths.
        """
        self._check_fitted()
        horizon = self.horizon if horizon is None else check_positive_int("horizon", horizon)
        if quantiles is not None and not self.probabilistic:
            raise ValueError("quantiles need a probabilistic model: fit with probabilistic=True")
        if y is None:
            panel, cov = self.panel_, self.covariates_values_
            if self.n_covariates_ and self.covariates == "past" and X is not None:
                raise ValueError("with covariates='past', X is taken from fit; give X only with a new y")
        else:
            panel = self._panel(y)
            if panel.values.shape[2] != self.n_features_in_:
                raise ValueError(f"y has {panel.values.shape[2]} features; the model was fitted on "
                                 f"{self.n_features_in_}")
            cov = None
            if self.n_covariates_ and self.covariates == "past":
                if X is None:
                    raise ValueError("this model was fitted with past covariates: give X with the new y")
                cov = self._aligned_covariates(X, panel)
        values = panel.values
        first, last = core.valid_span(values)
        needed = self.lookback + self.difference
        if np.any(last - first + 1 < needed):
            raise ValueError(f"y needs at least lookback + difference = {needed} valid steps per series")
        T = values.shape[0]
        future = future_time(panel.time, horizon, self.time_dim)
        gap = (T - 1) - last
        steps = int(gap.max()) + horizon
        joint = self._joint(values, cov)
        known = self._known_covariates(panel, cov if y is None else None, X, future, steps, T)
        paths = self._autoregress(joint, last, steps, known, quantiles is not None)
        out = core.forecast_window(paths, gap, horizon, self.n_features_in_)  # (P, horizon, S, F)
        if quantiles is None:
            return from_panel(out[0], panel, future)
        q = np.atleast_1d(np.asarray(quantiles, dtype=float))
        if np.any((q < 0) | (q > 1)):
            raise ValueError(f"quantiles must lie in [0, 1], got {q.tolist()}")
        qs = np.quantile(out, q, axis=0)  # (Q, horizon, S, F)
        return from_panel(np.moveaxis(qs, 0, -1), panel, future, extra_dim=("quantile", q))

    def _known_covariates(self, panel, fit_cov, X, future, steps, T):
        """Scaled known covariates for times 0 .. T + steps - 1 (None without known covariates)."""
        if not self.n_covariates_ or self.covariates != "known":
            return None
        if X is None:
            raise ValueError("this model was fitted with known covariates: give X covering the forecast times")
        xp = self._covariate_panel(X, panel)
        S = panel.values.shape[1]
        C = self.n_covariates_
        full = np.full((T + steps, S, C), np.nan)
        if fit_cov is not None:
            full[:T] = fit_cov
        times = list(panel.time) + list(future_time(panel.time, steps, self.time_dim))
        pos = {t: i for i, t in enumerate(times)}
        for j, t in enumerate(xp.time):
            if t in pos:
                full[pos[t]] = np.broadcast_to(xp.values[j], (S, C))
        need = full[:T + steps]
        if np.isnan(need[T:]).any():
            raise ValueError("X must cover every forecast time with known covariates (no NaN)")
        return core.scale(full, self.cov_mean_, self.cov_std_)

    def _autoregress(self, joint, last, steps, known, sample):
        """Forecast ``steps`` steps after each series' context; return (P, steps, S, F) paths in data units
        (``P = n_samples`` sampled paths, else the one path of means)."""
        rng = np.random.default_rng(self.random_state)
        F = joint.shape[2]

        def draw(pred):
            if not self.probabilistic:
                return pred
            mean, std = GaussianNLL.split(pred.astype(np.float64), F)
            return mean + std * rng.standard_normal(mean.shape) if sample else mean

        return core.forecast_paths(self.model_, joint, last, steps, self.lookback, self.difference, self.mean_,
                                   self.std_, draw, known=known, n_paths=self.n_samples if sample else 1,
                                   dtype=self.dtype)
