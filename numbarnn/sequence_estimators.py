"""SequenceRegressor and SequenceClassifier: one target per sequence, or one per timestep (tagging).

``X`` is (sample, time, feature), or (sample, time) for univariate sequences,
as an xarray DataArray, a NumPy array or a pandas DataFrame (rows are
samples, columns timesteps). Sequences of unequal length are NaN-padded at the
end. The target is one value (or label) per sequence, shape (sample,) or
(sample, k), or one per timestep, shape (sample, time) (NaN, or any label at
padded steps, is ignored).
"""

import numpy as np
import xarray as xr

from . import _validation as v
from ._base import BaseEstimator, check_training_params
from .training import SequenceModel, get_loss, train
from .training.losses import CrossEntropy
from .training.loop import slice_batch
from .training.optimizers import OPTIMIZERS
from .training.schedules import make_schedule


def _as_array(X, sample_dim, time_dim, feature_dim):
    """(N, T, F) float64 array and a description of the input's labels."""
    if isinstance(X, xr.DataArray):
        missing = [d for d in (sample_dim, time_dim) if d not in X.dims]
        if missing:
            raise ValueError(f"X needs dimensions {sample_dim!r} and {time_dim!r}; it has {X.dims}")
        dims = [sample_dim, time_dim] + ([feature_dim] if feature_dim in X.dims else [])
        if set(X.dims) - set(dims):
            raise ValueError(f"X has unexpected dimensions {sorted(set(X.dims) - set(dims))}")
        arr = X.transpose(*dims).values
        labels = {"kind": "xarray", "sample": X[sample_dim].values if sample_dim in X.coords else None,
                  "time": X[time_dim].values if time_dim in X.coords else None}
    else:
        if hasattr(X, "to_numpy"):
            X = X.to_numpy()
        arr = np.asarray(X)
        labels = {"kind": "numpy", "sample": None, "time": None}
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"X must hold numbers, got dtype {arr.dtype}")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise ValueError(f"X must be (sample, time, feature) or (sample, time); got shape {arr.shape}")
    return arr.astype(np.float64), labels


def _lengths(arr):
    """Valid steps per sequence: NaN padding is allowed only at the end."""
    ok = ~np.isnan(arr).any(axis=2)  # (N, T)
    lengths = ok.sum(axis=1)
    for n in range(arr.shape[0]):
        if lengths[n] == 0:
            raise ValueError(f"X: sample {n} has no valid timestep (all NaN)")
        if not ok[n, :lengths[n]].all():
            raise ValueError(f"X: sample {n} has NaN inside the sequence; NaN may only pad the end")
    return lengths.astype(np.int64)


class _SequenceEstimator(BaseEstimator):
    def __init__(self, cell="lstm", hidden_size=32, num_layers=1, bidirectional=False, dropout=0.0,
                 optimizer="adam", learning_rate=5e-3, weight_decay=0.0, schedule="constant", batch_size=32,
                 epochs=50, clip_norm=1.0, patience=10, validation_fraction=0.1, dtype="float32",
                 sample_dim="sample", time_dim="time", feature_dim="feature", random_state=None, verbose=None):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.schedule = schedule
        self.batch_size = batch_size
        self.epochs = epochs
        self.clip_norm = clip_norm
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.dtype = dtype
        self.sample_dim = sample_dim
        self.time_dim = time_dim
        self.feature_dim = feature_dim
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self):
        check_training_params(self, ("hidden_size", "num_layers", "batch_size", "epochs"))

    def _inputs(self, X, fitting):
        arr, labels = _as_array(X, self.sample_dim, self.time_dim, self.feature_dim)
        lengths = _lengths(arr)
        if fitting:
            self.n_features_in_ = arr.shape[2]
            valid = arr.reshape(-1, arr.shape[2])[~np.isnan(arr).any(axis=2).reshape(-1)]
            if not np.all(np.isfinite(valid)):
                raise ValueError("X holds infinite values")
            self.x_mean_ = valid.mean(axis=0)
            self.x_std_ = valid.std(axis=0)
            self.x_std_[~(self.x_std_ > 0)] = 1.0
        elif arr.shape[2] != self.n_features_in_:
            raise ValueError(f"X has {arr.shape[2]} features; the model was fitted on {self.n_features_in_}")
        x = np.nan_to_num((arr - self.x_mean_) / self.x_std_)
        return np.ascontiguousarray(x.transpose(1, 0, 2), dtype=self.dtype), lengths, labels

    def fit(self, X, y):
        """Fit on sequences ``X`` and targets ``y``; return ``self``."""
        self._check_params()
        for attr in [a for a in vars(self) if a.endswith("_")]:
            delattr(self, attr)
        try:
            x, lengths, _ = self._inputs(X, fitting=True)
            target, weight, n_out = self._targets(y, x.shape[1], x.shape[0], lengths)
            rng = np.random.default_rng(self.random_state)
            self.per_timestep_ = target.ndim == 3
            self.model_ = SequenceModel(self.cell, x.shape[2], self.hidden_size, n_out,
                                        readout="timestep" if self.per_timestep_ else "sequence",
                                        num_layers=self.num_layers, bidirectional=self.bidirectional,
                                        dropout=self.dropout, dtype=self.dtype, seed=int(rng.integers(2**31)))
            data = (x, target, lengths, weight)
            n = x.shape[1]
            n_val = int(round(self.validation_fraction * n))
            order = rng.permutation(n)
            tr, va = order[n_val:], order[:n_val]
            opt = OPTIMIZERS[self.optimizer](lr=self.learning_rate, weight_decay=self.weight_decay)
            schedule = make_schedule(self.schedule, opt, self.epochs)
            hist = train(self.model_, self._loss(), opt, slice_batch(data, tr),
                         slice_batch(data, va) if n_val else None,
                         epochs=self.epochs, batch_size=self.batch_size, schedule=schedule,
                         clip_norm=self.clip_norm, patience=self.patience, rng=rng, verbose=self.verbose)
            from .estimators import _history_dataset
            self.history_ = _history_dataset(hist)
            self.is_fitted_ = True
        except BaseException:
            for attr in [a for a in vars(self) if a.endswith("_")]:
                delattr(self, attr)
            raise
        return self

    def _raw_predict(self, X):
        self._check_fitted()
        x, lengths, labels = self._inputs(X, fitting=False)
        outs = []
        for start in range(0, x.shape[1], 256):
            pred, _, _ = self.model_.forward(x[:, start:start + 256], lengths=lengths[start:start + 256],
                                             record=False)
            outs.append(pred)
        pred = np.concatenate(outs, axis=1 if self.per_timestep_ else 0)
        if self.per_timestep_:
            pred = pred.transpose(1, 0, 2)  # (N, T, out)
            mask = np.arange(pred.shape[1])[None, :] < lengths[:, None]
            return pred, mask, labels
        return pred, None, labels

    def _wrap(self, values, mask, labels, extra=None):
        if mask is not None:
            values = np.where(mask.reshape(mask.shape + (1,) * (values.ndim - 2)), values, np.nan) \
                if values.dtype.kind == "f" else values
        if labels["kind"] != "xarray":
            return values
        dims = [self.sample_dim] + ([self.time_dim] if mask is not None else [])
        coords = {}
        if labels["sample"] is not None:
            coords[self.sample_dim] = labels["sample"]
        if mask is not None and labels["time"] is not None:
            coords[self.time_dim] = labels["time"]
        if extra is not None:
            dims.append(extra[0])
            coords[extra[0]] = extra[1]
        return xr.DataArray(values, dims=dims[:values.ndim], coords=coords)


class SequenceRegressor(_SequenceEstimator):
    """Recurrent regression on sequences: one value (or vector) per sequence, or one per timestep.

    Parameters are those of the recurrent model and of training (see
    :class:`numbarnn.Forecaster`), plus ``loss`` (``"mse"``, ``"mae"``, ``"huber"``).
    Targets are scaled internally and unscaled on output.

    Examples
    --------
    >>> import numpy as np, numbarnn
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((400, 15, 1))
    >>> y = X.sum(axis=(1, 2))                       # the sum of each sequence
    >>> reg = numbarnn.SequenceRegressor(hidden_size=16, epochs=40, random_state=0).fit(X, y)
    >>> pred = reg.predict(X[:5])
    >>> pred.shape, bool(np.abs(pred - y[:5]).max() < 1.0)
    ((5,), True)
    """

    def __init__(self, cell="lstm", hidden_size=32, num_layers=1, bidirectional=False, dropout=0.0, loss="mse",
                 optimizer="adam", learning_rate=5e-3, weight_decay=0.0, schedule="constant", batch_size=32,
                 epochs=50, clip_norm=1.0, patience=10, validation_fraction=0.1, dtype="float32",
                 sample_dim="sample", time_dim="time", feature_dim="feature", random_state=None, verbose=None):
        super().__init__(cell, hidden_size, num_layers, bidirectional, dropout, optimizer, learning_rate,
                         weight_decay, schedule, batch_size, epochs, clip_norm, patience, validation_fraction,
                         dtype, sample_dim, time_dim, feature_dim, random_state, verbose)
        self.loss = loss

    def _check_params(self):
        super()._check_params()
        v.check_option("loss", self.loss, ("mse", "mae", "huber"))

    def _loss(self):
        return get_loss(self.loss)

    def _targets(self, y, N, T, lengths):
        y = np.asarray(y.values if isinstance(y, xr.DataArray) else y, dtype=np.float64)
        if y.shape[0] != N:
            raise ValueError(f"y has {y.shape[0]} samples; X has {N}")
        if y.ndim == 2 and y.shape[1] == T:  # per timestep, univariate
            y = y[:, :, None]
        self.y_ndim_ = y.ndim
        if y.ndim == 1:
            y = y[:, None]
        valid = ~np.isnan(y)
        self.y_mean_ = np.nanmean(y.reshape(-1, y.shape[-1]), axis=0)
        self.y_std_ = np.nanstd(y.reshape(-1, y.shape[-1]), axis=0)
        self.y_std_[~(self.y_std_ > 0)] = 1.0
        ys = np.nan_to_num((y - self.y_mean_) / self.y_std_)
        if y.ndim == 3:
            step = np.arange(T)[None, :] < lengths[:, None]
            weight = (step & valid.all(axis=2)).T.astype(self.dtype)
            return np.ascontiguousarray(ys.transpose(1, 0, 2), dtype=self.dtype), weight, y.shape[2]
        if not valid.all():
            raise ValueError("y holds NaN; per-sequence targets must be complete")
        return ys.astype(self.dtype), None, y.shape[1]

    def predict(self, X):
        """Predictions: (sample,) / (sample, k) per sequence, (sample, time[, k]) per timestep (NaN at padding)."""
        pred, mask, labels = self._raw_predict(X)
        values = pred.astype(np.float64) * self.y_std_ + self.y_mean_
        if self.y_ndim_ in (1, 2) and not self.per_timestep_ or (self.per_timestep_ and values.shape[-1] == 1):
            values = values[..., 0] if self.y_ndim_ != 2 or self.per_timestep_ else values
        return self._wrap(values, mask, labels)


class SequenceClassifier(_SequenceEstimator):
    """Recurrent classification of sequences (one label each) or of every timestep (sequence tagging).

    ``class_weight`` may be ``None``, ``"balanced"`` or a dict label -> weight.

    Examples
    --------
    >>> import numpy as np, numbarnn
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 12, 1))
    >>> y = np.where(X[:, :, 0].mean(axis=1) > 0, "up", "down")
    >>> clf = numbarnn.SequenceClassifier(hidden_size=16, epochs=30, random_state=0).fit(X, y)
    >>> clf.classes_.tolist(), clf.predict_proba(X[:3]).shape
    (['down', 'up'], (3, 2))
    >>> bool((clf.predict(X) == y).mean() > 0.9)
    True
    """

    def __init__(self, cell="lstm", hidden_size=32, num_layers=1, bidirectional=False, dropout=0.0,
                 class_weight=None, optimizer="adam", learning_rate=5e-3, weight_decay=0.0, schedule="constant",
                 batch_size=32, epochs=50, clip_norm=1.0, patience=10, validation_fraction=0.1, dtype="float32",
                 sample_dim="sample", time_dim="time", feature_dim="feature", random_state=None, verbose=None):
        super().__init__(cell, hidden_size, num_layers, bidirectional, dropout, optimizer, learning_rate,
                         weight_decay, schedule, batch_size, epochs, clip_norm, patience, validation_fraction,
                         dtype, sample_dim, time_dim, feature_dim, random_state, verbose)
        self.class_weight = class_weight

    def _loss(self):
        return CrossEntropy(class_weight=self.class_weights_)

    def _targets(self, y, N, T, lengths):
        y = np.asarray(y.values if isinstance(y, xr.DataArray) else y)
        if y.shape[0] != N:
            raise ValueError(f"y has {y.shape[0]} samples; X has {N}")
        per_step = y.ndim == 2 and y.shape[1] == T
        step = np.arange(T)[None, :] < lengths[:, None]
        counted = y[step] if per_step else y.reshape(-1)
        self.classes_ = np.unique(counted)
        codes = np.full(y.shape, -1, dtype=np.int64)
        inside = step if per_step else np.ones(y.shape, bool)
        codes[inside] = np.searchsorted(self.classes_, y[inside])
        counts = np.bincount(codes[inside], minlength=len(self.classes_)).astype(float)
        if self.class_weight is None:
            self.class_weights_ = None
        elif self.class_weight == "balanced":
            self.class_weights_ = counts.sum() / (len(self.classes_) * counts)
        elif isinstance(self.class_weight, dict):
            self.class_weights_ = np.array([float(self.class_weight.get(c, 1.0)) for c in self.classes_])
        else:
            raise ValueError(f"unknown class_weight {self.class_weight!r}; expected None, 'balanced' or a dict")
        if per_step:
            return np.ascontiguousarray(codes.T[:, :, None]), None, len(self.classes_)
        return codes[:, None], None, len(self.classes_)

    def predict_proba(self, X):
        """Class probabilities, (sample, class) or (sample, time, class) (NaN at padding)."""
        logits, mask, labels = self._raw_predict(X)
        z = logits.astype(np.float64)
        z = np.exp(z - z.max(axis=-1, keepdims=True))
        proba = z / z.sum(axis=-1, keepdims=True)
        return self._wrap(proba, mask, labels, extra=("class", self.classes_))

    def predict(self, X):
        """Labels, (sample,) or (sample, time) (padded steps get the first class)."""
        logits, mask, labels = self._raw_predict(X)
        out = self.classes_[np.argmax(logits, axis=-1)]
        return self._wrap(out, mask, labels)
