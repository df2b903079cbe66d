"""The :class:`Forecaster`: hyperparameters, checks and labels; the numbers come from ``_forecast_core``.

``__init__`` only stores hyperparameters; ``fit`` returns ``self`` and sets
attributes ending in ``_``; ``random_state`` seeds everything; refitting
forgets the old fit.
"""

import numpy as np
import pandas as pd

from .._validation import check_option, check_positive_int
from ..metrics import seasonal_naive_error
from ..training import SequenceModel, get_loss, history_dataset, train
from ..training.loop import concat_batches, slice_batch
from ..training.losses import GaussianNLL, Pinball, StudentTNLL
from ..training.optimizers import OPTIMIZERS
from ..training.schedules import make_schedule
from . import _forecast_core as core
from ._base import BaseEstimator, check_training_params
from ._ensemble import Ensemble
from ._lazy import blockwise, coords_without, is_chunked
from ._labels import as_dataarray, covariate_feature_dim, from_panel, future_time, season_length, to_panel
from ._persistence import save

#: Models of a direct forecaster's ensemble unless ``n_models`` says otherwise.
DEFAULT_MODELS = 5
#: Epochs of the recursive strategy unless ``epochs`` says otherwise; the direct strategy trains for as
#: many steps, ``DEFAULT_EPOCHS / (1 + augment)`` passes over its windows and their bootstrapped copies.
DEFAULT_EPOCHS = 100
#: Lookbacks of the direct ensemble's members, as multiples of the default lookback, taken in turn
#: (only when ``lookback`` is ``None``).
MEMBER_LOOKBACK_SCALES = (1.0, 0.5, 1.5, 0.75, 1.25)
#: Lookback of the recursive strategy unless ``lookback`` says otherwise.
RECURSIVE_LOOKBACK = 24
#: Levels of the quantile heads unless ``quantiles`` says otherwise: the 50, 80, 90 and 95% intervals.
DEFAULT_QUANTILES = (0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975)


class Forecaster(BaseEstimator):
    """Recurrent forecaster for one or many series.

    Every dimension of ``y`` other than time (and the optional feature
    dimension) is a set of independent series sharing one model: a
    (time, lat, lon) grid trains one model over all cells.

    Two strategies:

    - **direct** (the default without covariates): each series is put on a
      common footing, then a recurrent encoder reads a window of history and
      one linear readout gives all ``horizon`` steps at once. Per series and
      channel: a Box-Cox transform where the series is positive (``transform``), classical
      seasonal indices removed where the autocorrelation at the seasonal
      period says the series is seasonal (``deseasonalize``; the period comes
      from the time coordinate's frequency), then every window is taken
      relative to its last value and divided by the series' mean absolute
      step, so trend, level and scale never have to be learned. ``n_models``
      networks with different seeds (and, unless ``lookback`` is given,
      lookbacks of 1, 0.5, 1.5, 0.75 and 1.25 times the default) are trained
      and their forecasts combined by the median, which steadies a forecast
      learned from a short series; that median is then averaged with the
      forecast of an automatic ARIMA of the same adjusted series (``combine``),
      a linear model that errs differently from the networks. Each network also trains on ``augment``
      bootstrapped copies of every series (its trend plus blocks of its
      remainder drawn at random), different for each network, so it sees
      more of how the series might have gone.
      It trains on every window (no early-stopping hold-out: on a short series
      the last windows are the most informative and the most noisy). With
      ``probabilistic=True`` the readout gives a distribution for every step
      (Student-t heads by default), and ``predict(quantiles=...)`` reads it.
    - **recursive** (with covariates ``X`` or ``difference > 0``): one-step-ahead
      training on (differenced) standardised series, forecasts fed back step by
      step; with ``probabilistic=True`` sampled paths give quantiles.

    Parameters
    ----------
    cell : ``"lstm"``, ``"gru"`` or ``"rnn"``.
    hidden_size, num_layers, dropout : network size.
    lookback : int, steps of history the forecast is conditioned on; ``None``:
        the direct strategy reads ``max(3 * horizon, 3 * season_length, 8)`` steps
        (fewer when the series is short), the recursive 24 (fewer when the series is short).
    horizon : int, default number of steps to forecast (the direct strategy
        forecasts at most this many).
    strategy : ``"auto"``, ``"direct"`` or ``"recursive"`` (see above; ``"auto"``
        is direct unless ``X``, ``probabilistic`` or ``difference`` asks for recursive).
    season_length : int, the seasonal period; ``None`` reads it from the time
        coordinate (12 monthly, 4 quarterly, 52 weekly, 7 daily, 24 hourly; 1 for
        yearly or unlabelled data).
    transform : ``"auto"`` (a Box-Cox transform of every strictly positive series, its parameter
        chosen per series by Guerrero's method between the log, 0, and none, 1), ``"box-cox"`` or
        ``"log"`` (of every series, which must be positive) or ``None`` (direct strategy).
    deseasonalize : ``"auto"``, ``True`` or ``False`` (direct strategy).
    n_models : int, networks in the direct strategy's median ensemble; ``None``: 5.
    augment : int >= 0, moving-block bootstrap copies of each series added to each network's training
        windows (direct strategy; 0: none; see :func:`numbarnn.estimators._forecast_core.bootstrap`).
    difference : int, model differences at this lag (0: levels, 1: first
        differences, 12: seasonal differences of a monthly series); forecasts are
        integrated back (recursive strategy).
    probabilistic : bool, train a predictive distribution (``likelihood``);
        ``predict(quantiles=...)`` then gives its quantiles.
    likelihood : ``None``, ``"quantile"``, ``"gaussian"`` or ``"student_t"``: the
        distribution of a probabilistic model. ``"quantile"`` (direct strategy)
        trains one head per level of ``quantiles`` by pinball loss, free of any
        assumed shape; ``"gaussian"`` and ``"student_t"`` (heavy tails, learned
        degrees of freedom) train location and scale heads by negative
        log-likelihood. ``None``: ``"student_t"`` for the direct strategy (its
        intervals cover best, :doc:`/forecasting`), ``"quantile"`` there when
        ``quantiles`` are given, ``"gaussian"`` for the recursive strategy.
    quantiles : levels of the quantile heads; ``None``: 0.025, 0.05, 0.1, 0.25, 0.5,
        0.75, 0.9, 0.95, 0.975 (0.5 is always added: it is the point forecast).
    covariates : ``"known"`` (``X`` is known over the forecast horizon and must
        be given to ``predict``) or ``"past"`` (``X`` is only observed; it is
        forecast jointly with ``y``).
    loss : ``"mse"``, ``"mae"`` or ``"huber"`` (ignored when ``probabilistic``).
        Without ``probabilistic``, the direct strategy's ``predict(quantiles=...)``
        is refused: use :func:`numbarnn.conformal_interval` for intervals from
        backtest errors.
    optimizer, learning_rate, weight_decay, schedule : training
        (``"adam"``/``"adamw"``/``"sgd"``; ``"constant"``/``"step"``/``"cosine"``/``"plateau"``).
    batch_size, epochs, clip_norm, patience : training; ``patience`` epochs
        without validation improvement stop training (best weights restored).
        ``epochs=None``: 100 for the recursive strategy, ``100 / (1 + augment)`` for the
        direct one (the same number of steps as 100 epochs without copies).
    validation_fraction : the last part of the time span, held out for
        validation (never shuffled across time); 0 by default (see above).
    n_samples : paths drawn for quantiles.
    dtype, time_dim, feature_dim, random_state, verbose : as named.
    fill : ``None`` (a gap inside a series is an error) or ``"linear"`` (gaps are
        interpolated linearly in time; leading and trailing padding is left).
    combine : ``"arima"`` (direct strategy): the networks' median forecast is averaged
        with that of an automatic ARIMA fitted to the same adjusted series when
        forecasting (at most one difference, ``p, q <= 3`` by the corrected AIC, a
        seasonal AR and MA term where the series is seasonal, conditional least
        squares); an interval becomes the union of the networks' interval and the
        same interval around the ARIMA forecast; ``None``: the networks alone.
    device : ``"cpu"`` or ``"cuda"``: where the recurrent network runs (see
        :doc:`/gpu`); the readout, the loss and the optimizer stay on the host.

    Attributes
    ----------
    model_ : the fitted :class:`numbarnn.nn.SequenceModel` (recursive), or the
        ensemble of them (direct; ``model_.members``).
    strategy_, lookback_, season_length_, epochs_, likelihood_ : what ``"auto"`` and ``None``
        resolved to (``likelihood_``: ``None`` for a point forecaster).
    auto_box_cox_ : bool, what ``transform="auto"`` does to a positive series: a Box-Cox transform
        (``True``), or the log of a model loaded from a file written before Box-Cox (``False``).
    member_lookbacks_ : list of int, the lookback of each member of the direct ensemble.
    history_ : :class:`xarray.Dataset` over ``epoch`` (train/validation loss,
        mean pre-clip gradient norm, learning rate, skipped steps, seconds, threads) and
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

    def __init__(self, cell="lstm", hidden_size=16, num_layers=1, lookback=None, horizon=12, strategy="auto",
                 season_length=None, transform="auto", deseasonalize="auto", n_models=None, augment=1, difference=0,
                 probabilistic=False, likelihood=None, quantiles=None, covariates="known", loss="mae",
                 optimizer="adam", learning_rate=3e-3, weight_decay=0.0, schedule="plateau", batch_size=32,
                 epochs=None, clip_norm=1.0, patience=20, validation_fraction=0.0, dropout=0.0, n_samples=200,
                 dtype="float32", device="cpu", time_dim="time", feature_dim=None, random_state=None, verbose=None,
                 fill=None, combine="arima"):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lookback = lookback
        self.horizon = horizon
        self.strategy = strategy
        self.season_length = season_length
        self.transform = transform
        self.deseasonalize = deseasonalize
        self.n_models = n_models
        self.augment = augment
        self.difference = difference
        self.probabilistic = probabilistic
        self.likelihood = likelihood
        self.quantiles = quantiles
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
        self.fill = fill
        self.combine = combine

    # -- checks --------------------------------------------------------------------

    def _check_params(self):
        check_training_params(self, ("hidden_size", "num_layers", "horizon", "batch_size", "epochs",
                                     "n_samples"))
        for name in ("lookback", "season_length", "n_models"):
            if getattr(self, name) is not None:
                check_positive_int(name, getattr(self, name))
        check_option("covariates", self.covariates, ("known", "past"))
        check_option("loss", self.loss, ("mse", "mae", "huber"))
        check_option("strategy", self.strategy, ("auto", "direct", "recursive"))
        check_option("transform", self.transform, ("auto", "box-cox", "log", None))
        check_option("deseasonalize", self.deseasonalize, ("auto", True, False))
        check_option("fill", self.fill, (None, "linear"))
        check_option("combine", self.combine, ("arima", None))
        check_positive_int("difference", self.difference, minimum=0)
        check_positive_int("augment", self.augment, minimum=0)
        check_option("likelihood", self.likelihood, (None, "quantile", "gaussian", "student_t"))
        if self.quantiles is not None:
            Pinball(self.quantiles)  # raises for levels outside (0, 1) or repeated

    def _resolve_strategy(self, has_covariates):
        """The strategy ``"auto"`` stands for, and a clear error for a combination that cannot work."""
        needs = [reason for reason, present in (("covariates X", has_covariates),
                                                (f"difference={self.difference}", self.difference > 0)) if present]
        strategy = self.strategy
        if strategy == "auto":
            strategy = "recursive" if needs else "direct"
        elif strategy == "direct" and needs:
            raise ValueError(f"strategy='direct' does not take {' or '.join(needs)}; "
                             "use strategy='recursive' (or 'auto')")
        if strategy == "recursive" and (self.n_models or 1) > 1:
            raise ValueError(f"n_models={self.n_models} needs strategy='direct'; the recursive strategy "
                             "fits one network")
        if strategy == "recursive" and self.probabilistic and self.likelihood == "quantile":
            raise ValueError("likelihood='quantile' needs the direct strategy (the recursive strategy samples "
                             "paths from a distribution); use likelihood='gaussian' or 'student_t'")
        return strategy

    def _panel(self, y, name="y"):
        panel = to_panel(y, self.time_dim, self.feature_dim, name=name)
        if self.fill == "linear":
            panel.values = core.fill_gaps(panel.values)
        return panel

    def _covariate_panel(self, X, y_panel, name="X"):
        xp = to_panel(X, self.time_dim, covariate_feature_dim(X), name=name)
        if xp.values.shape[1] not in (1, y_panel.values.shape[1]):
            raise ValueError(f"X has {xp.values.shape[1]} series but y has {y_panel.values.shape[1]}; "
                             "give X the same non-time dimensions as y, or none (shared by all series)")
        fitted = getattr(self, "n_covariates_", None) if getattr(self, "is_fitted_", False) else None
        if fitted and xp.values.shape[2] != fitted:
            raise ValueError(f"{name} has {xp.values.shape[2]} covariate(s) (features); the model was fitted with "
                             f"{fitted}: give the same covariates, in the same order")
        return xp

    def _aligned_covariates(self, X, y_panel):
        """X on y's exact time coordinate, broadcast to y's series: (T, S, C)."""
        xp = self._covariate_panel(X, y_panel)
        if len(xp.time) != len(y_panel.time) or not np.array_equal(np.asarray(xp.time), np.asarray(y_panel.time)):
            raise ValueError("X must have the same time coordinate as y")
        return np.broadcast_to(xp.values, y_panel.values.shape[:2] + (xp.values.shape[2],))

    # -- fit -------------------------------------------------------------------------

    def fit(self, y, X=None, client=None):
        """Fit on ``y`` (time[, series dims][, feature]) with optional covariates ``X``; return ``self``.

        ``client``: a ``dask.distributed.Client`` to train data-parallel on its workers (one shard of
        every batch per worker, gradients combined in a fixed order: :mod:`numbarnn.training.parallel`);
        ``None`` trains here. For one model per group of series see :func:`numbarnn.fit_groups`.
        """
        self._check_params()
        with self._fitting():
            return self._fit(y, X, client)

    def _fit(self, y, X, client=None):
        rng = self._fit_structure(y, X)
        if self.strategy_ == "direct":
            return self._fit_direct(rng, client)
        values, cov = self.panel_.values, self.covariates_values_
        first, last = core.valid_span(values)
        needed = self.lookback_ + self.difference + 1
        short = np.flatnonzero(last - first + 1 < needed)
        if short.size:
            raise ValueError(f"y: series {short[0]} has {last[short[0]] - first[short[0]] + 1} valid steps; "
                             f"lookback={self.lookback_} with difference={self.difference} needs at least "
                             f"{needed}: lower lookback or give more data")
        joint = self._joint(values, cov)
        z = core.difference(joint, self.difference)
        self.mean_, self.std_ = core.fit_scaler(z)
        zs = core.scale(z, self.mean_, self.std_)
        cov_s, self.cov_mean_, self.cov_std_ = None, None, None
        if cov is not None and self.covariates == "known":
            self.cov_mean_, self.cov_std_ = core.fit_scaler(cov, skipna=False)
            cov_s = core.scale(cov, self.cov_mean_, self.cov_std_)
        train_data, val_data = core.training_windows(zs, cov_s, first + self.difference, last, self.lookback_,
                                                     self.horizon, self.validation_fraction, self.dtype)
        self.history_ = history_dataset(self._train(self.model_, train_data, val_data, rng, client))
        self.is_fitted_ = True
        return self

    def _train(self, model, train_data, val_data, rng, client=None):
        opt = OPTIMIZERS[self.optimizer](lr=self.learning_rate, weight_decay=self.weight_decay)
        schedule = make_schedule(self.schedule, opt, self.epochs_)
        return train(model, self._loss(), opt, train_data, val_data, epochs=self.epochs_,
                     batch_size=self.batch_size, schedule=schedule, clip_norm=self.clip_norm,
                     patience=self.patience, rng=rng, verbose=self.verbose, client=client)

    def _direct_data(self, values):
        """The direct strategy's view of ``values`` (T, S, F): spans, adjusted series and their prep."""
        first, last = core.valid_span(values)
        adjusted, prep = core.direct_prepare(values, first, last, self.season_length_, self.transform,
                                             self.deseasonalize, auto_box_cox=self.auto_box_cox_)
        return first, last, adjusted, prep

    def _fit_direct(self, rng, client=None):
        first, last, adjusted, prep = self._direct_data(self.panel_.values)
        data = {lookback: self._direct_training_data(adjusted, prep, first, last, lookback)
                for lookback in sorted(set(self.member_lookbacks_))}
        histories = []
        for model, lookback in zip(self.model_.members, self.member_lookbacks_):
            train_data, val_data = data[lookback]
            if self.augment:  # each network its own copies
                copies_rng = np.random.default_rng(int(rng.integers(2**31)))
                train_data = concat_batches([train_data] + [
                    self._copy_windows(adjusted, prep, first, last, lookback, copies_rng)
                    for _ in range(self.augment)])
            histories.append(self._train(model, train_data, val_data, rng, client))
        self.history_ = history_dataset(histories)
        self.is_fitted_ = True
        return self

    def _copy_windows(self, adjusted, prep, first, last, lookback, rng):
        """The training windows of one bootstrapped copy of every series (:func:`._forecast_core.bootstrap`)."""
        copy = core.bootstrap(adjusted, first, last, self.season_length_, rng)
        return self._direct_training_data(copy, prep, first, last, lookback)[0]

    def _direct_training_data(self, adjusted, prep, first, last, lookback):
        """``(train, validation)`` windows of the direct strategy for a member reading ``lookback`` steps."""
        min_length = max(2, lookback // 2)
        windows, ends = core.direct_windows(adjusted, prep["scale"], first, last, lookback, self.horizon,
                                            min_length, self.dtype)
        if windows is None:
            longest = int((last - first).max() + 1)
            raise ValueError(f"y: no series is long enough for the direct strategy: horizon={self.horizon} "
                             f"after at least {min_length} steps of history needs {min_length + self.horizon} "
                             f"valid steps, the longest series has {longest}; lower horizon or lookback")
        n_val = int(round(self.validation_fraction * ends.shape[0]))
        if not n_val:
            return windows, None
        if n_val >= ends.shape[0]:
            raise ValueError("no training window before the validation part; lower validation_fraction")
        order = np.argsort(ends, kind="stable")  # the windows that end latest: a time-ordered split
        return slice_batch(windows, order[:-n_val]), slice_batch(windows, order[-n_val:])

    def _resolve_likelihood(self, default_direct="student_t"):
        """The distribution a probabilistic model learns (``None`` for a point forecaster)."""
        if not self.probabilistic:
            return None
        if self.likelihood is not None:
            return self.likelihood
        if self.strategy_ != "direct":
            return "gaussian"
        return "quantile" if self.quantiles is not None else default_direct

    def _loss(self):
        if not self.probabilistic:
            return get_loss(self.loss)
        if self.likelihood_ == "quantile":
            levels = DEFAULT_QUANTILES if self.quantiles is None else self.quantiles
            return Pinball(np.union1d(np.asarray(levels, dtype=float), [0.5]))
        return GaussianNLL() if self.likelihood_ == "gaussian" else StudentTNLL()

    def _joint(self, values, cov):
        """The modelled channels: the target, plus past-only covariates forecast jointly."""
        if cov is None or self.covariates == "known":
            return values
        return np.concatenate([values, cov], axis=2)

    def _fit_structure(self, y, X, strategy=None, likelihood=None, default_direct="student_t", auto_box_cox=True):
        """Read the data and build an untrained model of the right shape; return the training RNG.

        ``strategy``, ``likelihood``: those resolved when the model was fitted (a model file says which);
        ``default_direct``: what ``likelihood=None`` means for the direct strategy; ``auto_box_cox``: what
        ``transform="auto"`` does to a positive series (Box-Cox, or the log of models fitted before)."""
        panel = self._panel(y)
        future_time(panel.time, 1, self.time_dim)  # an irregular time axis fails now, not after training
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
        self.strategy_ = strategy or self._resolve_strategy(X is not None)
        self.likelihood_ = likelihood or self._resolve_likelihood(default_direct)
        self.auto_box_cox_ = auto_box_cox
        self.season_length_ = self.season_length or season_length(panel.time)
        self.epochs_ = self.epochs or (DEFAULT_EPOCHS if self.strategy_ == "recursive"
                                       else max(1, round(DEFAULT_EPOCHS / (1 + self.augment))))
        rng = np.random.default_rng(self.random_state)
        if self.strategy_ == "direct":
            self.lookback_ = self.lookback or self._direct_lookback(panel.values)
            n_models = self.n_models or DEFAULT_MODELS
            self.member_lookbacks_ = self._member_lookbacks(panel.values, n_models)
            F = self.n_features_in_
            n_out = self.horizon * F * self._loss().outputs_per_target
            self.model_ = Ensemble([self._network(F, n_out, "sequence", rng) for _ in range(n_models)])
            return rng
        self.lookback_ = self.lookback or self._recursive_lookback(panel.values)
        n_joint = self.n_features_in_ + (self.n_covariates_ if self.covariates == "past" else 0)
        n_in = n_joint + (self.n_covariates_ if self.covariates == "known" else 0)
        self.model_ = self._network(n_in, n_joint * self._loss().outputs_per_target, "timestep", rng)
        return rng

    def _network(self, n_in, n_out, readout, rng):
        return SequenceModel(self.cell, n_in, self.hidden_size, n_out, readout=readout, num_layers=self.num_layers,
                             dropout=self.dropout, dtype=self.dtype, device=self.device,
                             seed=int(rng.integers(2**31)))

    def _recursive_lookback(self, values):
        """24 steps, or what the longest series allows beside one target after ``difference``."""
        first, last = core.valid_span(values)
        room = int((last - first).max() + 1) - self.difference - 1
        return max(1, min(RECURSIVE_LOOKBACK, room))

    def _direct_room(self, values):
        """The longest window the longest series allows beside its ``horizon`` targets."""
        first, last = core.valid_span(values)
        return int((last - first).max() + 1) - self.horizon

    def _direct_lookback(self, values):
        """Three horizons or three seasons of history (at least 8 steps), within what the longest series
        allows beside its targets."""
        return max(2, min(max(3 * self.horizon, 3 * self.season_length_, 8), self._direct_room(values)))

    def _member_lookbacks(self, values, n_models):
        """Each member's lookback: ``lookback`` for all when it is given, else the default scaled by
        ``MEMBER_LOOKBACK_SCALES`` in turn (members that read different spans of history err differently,
        which the median evens out)."""
        if self.lookback is not None:
            return [self.lookback_] * n_models
        room = self._direct_room(values)
        scales = MEMBER_LOOKBACK_SCALES
        return [max(2, min(int(round(self.lookback_ * scales[k % len(scales)])), max(room, 2)))
                for k in range(n_models)]

    def save(self, path):
        """Write the fitted forecaster to ``path`` as one netCDF file (atomically); see :func:`numbarnn.load`."""
        save(self, path)

    def _persist(self):
        arrays = {name: getattr(self, name, None) for name in ("mean_", "std_", "cov_mean_", "cov_std_")}
        state = {"input_kind": self.panel_.kind, "strategy": self.strategy_, "index_name": self.panel_.index_name,
                 "combine": self.combine, "likelihood": self.likelihood_, "auto_box_cox": self.auto_box_cox_}
        if self.strategy_ == "direct":
            state["member_lookbacks"] = [int(v) for v in self.member_lookbacks_]
        return arrays, {"y": self.train_data_, "X": self.train_X_}, state

    def _restore(self, arrays, frames, state):
        # files written before the strategy was recorded: "auto" then meant recursive for a probabilistic model
        legacy = "recursive" if self.strategy == "auto" and self.probabilistic else None
        # files written before the likelihood was recorded: None then meant quantile heads (direct)
        # files written before Box-Cox: transform="auto" then meant the log of a positive series
        self._fit_structure(frames["y"], frames.get("X"), state.get("strategy", legacy), state.get("likelihood"),
                            default_direct="student_t" if "likelihood" in state else "quantile",
                            auto_box_cox=state.get("auto_box_cox", False))
        self.combine = state.get("combine")  # files written before forecasts were combined: the networks alone
        if "member_lookbacks" in state:  # as fitted, whatever this version's rule for them
            self.member_lookbacks_ = [int(v) for v in state["member_lookbacks"]]
        for name in ("mean_", "std_", "cov_mean_", "cov_std_"):
            setattr(self, name, arrays.get(name))
        self.panel_.kind = state.get("input_kind", "xarray")
        self.panel_.index_name = state.get("index_name", self.time_dim)  # older files: the time dim's name

    # -- predict -----------------------------------------------------------------------

    def predict(self, horizon=None, y=None, X=None, quantiles=None):
        """Forecast ``horizon`` steps after the end of the training data, or of ``y`` when given.

        Returns the forecast in the caller's labels: future time coordinates at
        the series' own frequency, other coordinates and attrs kept. With
        ``quantiles`` (needs ``probabilistic=True``) a ``quantile`` dimension is
        added: the direct strategy reads its quantile heads (or the quantiles of its
        predicted distribution) for the first ``horizon`` steps, the recursive one
        estimates them from ``n_samples`` sampled paths.
        """
        self._check_fitted()
        horizon = self.horizon if horizon is None else check_positive_int("horizon", horizon)
        if quantiles is not None and not self.probabilistic:
            raise ValueError("quantiles need a probabilistic model: fit with probabilistic=True")
        if is_chunked(y):
            return self._predict_lazy(horizon, y, X, quantiles)
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
        if self.strategy_ == "direct":
            return self._predict_direct(panel, horizon, quantiles)
        values = panel.values
        first, last = core.valid_span(values)
        needed = self.lookback_ + self.difference
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
        q = _levels(quantiles)
        qs = np.quantile(out, q, axis=0)  # (Q, horizon, S, F)
        return from_panel(np.moveaxis(qs, 0, -1), panel, future, extra_dim=("quantile", q))

    def score(self, y, X=None):
        """Negative mean absolute scaled error of the forecast of ``y``, the steps that follow the training data.

        ``y`` holds the observed values of the steps right after those the forecaster was fitted on (a
        held-out continuation); the forecast covers as many steps. The scale of each series is its
        in-sample seasonal-naive error (period ``season_length_``); series are averaged. Higher is
        better, so scikit-learn's model selection can maximise it: ``GridSearchCV(Forecaster(),
        grid, cv=TimeSeriesSplit(3)).fit(y)`` fits on the earlier part of each split and scores on the
        next.
        """
        self._check_fitted()
        actual = self._panel(y).values
        horizon = actual.shape[0]
        forecast = self._panel(self.predict(horizon=horizon, X=X)).values
        scale = seasonal_naive_error(self.panel_.values, self.season_length_)  # (S, F)
        error = np.nanmean(np.abs(actual - forecast), axis=0)
        return -float(np.mean(error / np.where(scale > 0, scale, 1.0)))

    def __sklearn_tags__(self):
        """Estimator tags for scikit-learn's model-selection tools (imported only when asked)."""
        from sklearn.utils import InputTags, RegressorTags, Tags, TargetTags
        # fit(y) takes the series as its first argument, as scikit-learn passes X: no separate target
        return Tags(estimator_type="regressor", target_tags=TargetTags(required=False),
                    input_tags=InputTags(allow_nan=True), regressor_tags=RegressorTags(poor_score=True),
                    transformer_tags=None)

    def _predict_lazy(self, horizon, y, X, quantiles):
        """The forecast of a dask-backed ``y`` as a dask-backed DataArray: every chunk of series forecast
        on its own (time and features whole), equal to the in-memory forecast; nothing computed."""
        if X is not None:
            raise ValueError("predict(y=...) with a dask-backed y takes no X yet; give y.compute() for "
                             "covariates")
        whole = [self.time_dim] + ([self.feature_dim] if self.feature_dim else [])
        if self.time_dim not in y.dims:
            raise ValueError(f"no time dimension {self.time_dim!r} in dims {y.dims}; name it with time_dim=...")
        index = y.indexes.get(self.time_dim, pd.RangeIndex(y.sizes[self.time_dim]))
        # positions where a dimension has no coordinate, as the in-memory forecast labels it (each block
        # then carries its own rows' positions)
        y = y.assign_coords({d: np.arange(y.sizes[d]) for d in y.dims if d not in y.coords and d not in whole})
        coords = coords_without(y, [self.time_dim])
        coords[self.time_dim] = future_time(index, horizon, self.time_dim)
        dims = list(y.dims)
        if quantiles is not None:
            dims.append("quantile")
            coords["quantile"] = _levels(quantiles)
        return blockwise(lambda block: self.predict(horizon, y=block, quantiles=quantiles), y, whole, dims,
                         coords, y.name, y.attrs)

    def _direct_block(self, adjusted, scale, end, levels):
        """The ensemble's next ``self.horizon`` steps after ``end`` at quantile ``levels`` (Q,), in window
        units: (S, horizon, F, Q), the members' median per level. Quantile heads are read all together and
        sorted (so they never cross, and a level reads the same whatever else is asked for)."""
        S, F = adjusted.shape[1], adjusted.shape[2]
        K = self.horizon * F
        loss = self._loss()
        heads = loss.heads(levels) if isinstance(loss, Pinball) else None
        read = levels if heads is None else loss.levels
        per_member = []
        for model, lookback in zip(self.model_.members, self.member_lookbacks_):
            x, lengths = core.direct_context(adjusted, scale, end, lookback, self.dtype)
            pred = model.forward(x, lengths=lengths, record=False)[0].astype(np.float64)
            q = loss.quantiles(pred, K, read) if self.probabilistic else pred[..., None]
            per_member.append(q.reshape(S, self.horizon, F, -1))
        out = np.median(np.stack(per_member), axis=0)
        return out if heads is None else np.sort(out, axis=-1)[..., heads]

    def _combined_block(self, adjusted, scale, end, levels, linear, b):
        """:meth:`_direct_block` averaged with block ``b`` of the ``linear`` forecast (None: not)."""
        pred = self._direct_block(adjusted, scale, end, levels)
        if linear is None:
            return pred
        point = len(levels) == 1 and levels[0] == 0.5
        centre = pred[..., 0] if point else self._direct_block(adjusted, scale, end, [0.5])[..., 0]
        base = adjusted[end, np.arange(end.shape[0])]
        return core.combine_linear(pred, centre, linear[b * self.horizon:(b + 1) * self.horizon], base, scale, levels)

    def _predict_direct(self, panel, horizon, quantiles):
        """Forecast blocks of ``self.horizon`` steps; past the first block (a longer ``horizon``, or series
        that end before the time axis does) each block reads the median of the ones before as history."""
        values = panel.values
        T, S, F = values.shape
        first, last, adjusted, prep = self._direct_data(values)
        gap = (T - 1) - last
        steps = int(gap.max()) + horizon
        future = future_time(panel.time, horizon, self.time_dim)
        blocks = -(-steps // self.horizon)
        if quantiles is not None and blocks > 1:  # refused before any ARIMA is fitted
            raise ValueError(f"quantiles from the direct strategy cover the {self.horizon} steps it was fitted "
                             f"for (horizon=...), and this forecast needs {steps} (the horizon plus the steps "
                             "since a series ended); fit with a longer horizon")
        linear = (core.linear_forecast(adjusted, first, last, blocks * self.horizon, prep["seasonal"])
                  if self.combine == "arima" else None)
        adjusted = np.concatenate([adjusted, np.full((blocks * self.horizon, S, F), np.nan)])
        if quantiles is None:
            end = last
            for b in range(blocks):
                pred = self._combined_block(adjusted, prep["scale"], end, [0.5], linear, b)[..., 0]
                end = core.direct_extend(adjusted, end, prep["scale"], pred)
            paths = core.direct_levels(adjusted, last, steps, prep)[None]  # (1, steps, S, F)
            return from_panel(core.forecast_window(paths, gap, horizon, F)[0], panel, future)
        q = _levels(quantiles)
        order = np.argsort(q)
        pred = self._combined_block(adjusted, prep["scale"], last, q[order], linear, 0)
        paths = np.empty((q.size, steps, S, F))
        for j, k in enumerate(order):  # each level's path through the (monotone) inverse transforms
            core.direct_extend(adjusted, last, prep["scale"], pred[..., j])
            paths[k] = core.direct_levels(adjusted, last, steps, prep)
        qs = core.forecast_window(paths, gap, horizon, F)  # (Q, horizon, S, F)
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
        loss = self._loss()

        def draw(pred):
            if not self.probabilistic:
                return pred
            pred = pred.astype(np.float64)
            return loss.sample(pred, F, rng) if sample else pred[..., :F]  # the location heads come first

        return core.forecast_paths(self.model_, joint, last, steps, self.lookback_, self.difference, self.mean_,
                                   self.std_, draw, known=known, n_paths=self.n_samples if sample else 1,
                                   dtype=self.dtype)


def _levels(quantiles):
    """``quantiles`` as a 1-d float array, checked to lie in [0, 1]."""
    q = np.atleast_1d(np.asarray(quantiles, dtype=float))
    if np.any((q < 0) | (q > 1)) or q.ndim != 1:
        raise ValueError(f"quantiles must lie in [0, 1], got {q.tolist()}")
    return q
