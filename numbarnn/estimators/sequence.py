"""SequenceRegressor and SequenceClassifier: one target per sequence, or one per timestep (tagging).

``X`` is (sample, time, feature), or (sample, time) for univariate sequences
(``layout="sample_feature_time"`` reads a 3-d array as sktime's ``numpy3D``,
(sample, channel, time); a DataArray's named dimensions need no layout),
as an xarray DataArray, a NumPy array or a pandas DataFrame (rows are
samples, columns timesteps). Sequences of unequal length are NaN-padded at the
end; NaN inside a sequence is a missing value, filled with the feature's
training mean. The target is one value (or label) per sequence, shape
(sample,) or (sample, k), or one per timestep, shape (sample, time) (NaN, or
any label at padded steps, is ignored).

A 2-D ``X`` is a set of univariate sequences of fixed length: like a
scikit-learn feature matrix, its number of columns (timesteps) is
``n_features_in_`` and must match at predict time. For 3-D input
``n_features_in_`` counts features and the length may vary.
"""

import sys
import warnings

import numpy as np

from .._validation import check_option, check_positive_int
from ..training import SequenceModel, get_loss, history_dataset, train
from ..training.losses import CrossEntropy
from ..training.loop import slice_batch
from ..training.optimizers import OPTIMIZERS
from ..training.schedules import make_schedule
from ._base import BaseEstimator, check_training_params, class_probabilities
from ._ensemble import Ensemble
from ._lazy import blockwise, is_chunked
from ._labels import label_sequences, sequence_values, sorted_labels, target_values
from ._persistence import save


#: Recurrent steps a long sequence is folded into when ``patch`` is ``None``: ``patch`` consecutive
#: timesteps become one input vector, so a 250-step series is 32 steps for the network, whose gradients
#: fade over long spans (see :doc:`/analysis`).
PATCHED_STEPS = 32
#: Optimizer steps the default ``epochs`` aims at (within ``EPOCH_RANGE``): a small labelled set gets
#: more passes, a large one fewer.
TARGET_STEPS = 1000
EPOCH_RANGE = (50, 200)
#: Networks whose class probabilities a classifier averages when ``n_models`` is ``None``.
CLASSIFIER_MODELS = 5

#: How a 3-d array (not a DataArray, whose dimensions are named) lays out its axes: ours, or sktime's
#: ``numpy3D`` (sample, channel, time).
LAYOUTS = ("sample_time_feature", "sample_feature_time")


def _as_array(X, sample_dim, time_dim, feature_dim):
    """(N, T, F) float64 array and a description of the input's labels."""
    if hasattr(X, "toarray") or type(X).__module__.startswith("scipy.sparse"):
        raise TypeError("sparse input is not supported: sequences are dense; convert with X.toarray()")
    arr, labels = sequence_values(X, sample_dim, time_dim, feature_dim)
    if arr.dtype.kind == "c":
        raise ValueError("Complex data not supported")
    if arr.dtype.kind == "O":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as err:
            raise TypeError(f"X must hold numbers: {err}") from None
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"X must hold numbers, got dtype {arr.dtype}")
    labels["ndim"] = arr.ndim
    if arr.ndim == 1:
        raise ValueError(f"X must be (sample, time, feature) or (sample, time); got a 1-d array of shape "
                         f"{arr.shape}. Reshape your data, e.g. X.reshape(1, -1) for one sequence")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise ValueError(f"X must be (sample, time, feature) or (sample, time); got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"Found array with 0 sample(s) (shape={arr.shape}) while a minimum of 1 is required.")
    if arr.shape[1] == 0 or arr.shape[2] == 0:
        raise ValueError(f"Found array with 0 feature(s) (shape={arr.shape[:2]}) while a minimum of 1 is "
                         "required (X needs at least one timestep and one feature).")
    return arr.astype(np.float64), labels


def _lengths(arr):
    """Steps per sequence: trailing all-NaN steps are padding (NaN inside a sequence is a missing value)."""
    present = ~np.isnan(arr).all(axis=2)  # (N, T)
    lengths = np.where(present.any(axis=1), present.shape[1] - np.argmax(present[:, ::-1], axis=1), 0)
    empty = np.flatnonzero(lengths == 0)
    if empty.size:
        raise ValueError(f"X: sample {empty[0]} has no valid timestep (all NaN)")
    return lengths.astype(np.int64)


def _warn_column_vector():
    sk = sys.modules.get("sklearn.exceptions")
    category = UserWarning if sk is None else sk.DataConversionWarning
    warnings.warn("A column-vector y was passed when a 1d array was expected. Please change the shape of y "
                  "to (n_samples,), for example using ravel().",
                  category, stacklevel=4)


class _SequenceEstimator(BaseEstimator):
    def __init__(self, cell="lstm", hidden_size=32, num_layers=1, bidirectional=False, dropout=0.0,
                 optimizer="adam", learning_rate=5e-3, weight_decay=0.0, schedule="constant", batch_size=32,
                 epochs=50, clip_norm=1.0, patience=10, validation_fraction=0.1, dtype="float32",
                 device="cpu", sample_dim="sample", time_dim="time", feature_dim="feature", random_state=None,
                 verbose=None, layout="sample_time_feature", patch=None):
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
        self.device = device
        self.sample_dim = sample_dim
        self.time_dim = time_dim
        self.feature_dim = feature_dim
        self.random_state = random_state
        self.verbose = verbose
        self.layout = layout
        self.patch = patch

    def _check_params(self):
        check_training_params(self, ("hidden_size", "num_layers", "batch_size", "epochs"))
        check_option("layout", self.layout, LAYOUTS)
        if self.patch is not None:
            check_positive_int("patch", self.patch)

    def _resolve_patch(self, lengths):
        """Timesteps per recurrent step: ``patch``, or enough to fold the longest sequence into
        ``PATCHED_STEPS`` steps; 1 for per-timestep targets, which need every step."""
        if self.per_timestep_:
            if (self.patch or 1) > 1:
                raise ValueError(f"patch={self.patch} folds timesteps together, but y has one target per "
                                 "timestep; leave patch=None (or 1) for tagging")
            return 1
        return self.patch or max(1, -(-int(lengths.max()) // PATCHED_STEPS))

    def _training_schedule(self, n):
        """``batch_size`` and ``epochs``, or their defaults for ``n`` training sequences: batches of
        n / 8 (8 to 32), and epochs for about ``TARGET_STEPS`` optimizer steps."""
        batch = self.batch_size or int(np.clip(n // 8, 8, 32))
        steps_per_epoch = -(-n // batch)
        epochs = self.epochs or int(np.clip(-(-TARGET_STEPS // steps_per_epoch), *EPOCH_RANGE))
        return batch, epochs

    def _inputs(self, X, fitting):
        arr, labels = _as_array(X, self.sample_dim, self.time_dim, self.feature_dim)
        if self.layout == "sample_feature_time" and labels["kind"] != "xarray" and labels["ndim"] == 3:
            arr = arr.transpose(0, 2, 1)
        lengths = _lengths(arr)
        width = arr.shape[1] if labels["ndim"] == 2 else arr.shape[2]
        if fitting:
            self.n_features_in_ = width
            self.fixed_length_ = labels["ndim"] == 2
            valid = arr.reshape(-1, arr.shape[2])
            valid = valid[~np.isnan(valid).any(axis=1)]
            if not np.all(np.isfinite(valid)):
                raise ValueError("Input X contains infinity")
            self.x_mean_ = valid.mean(axis=0) if valid.size else np.zeros(arr.shape[2])
            self.x_std_ = valid.std(axis=0) if valid.size else np.ones(arr.shape[2])
            self.x_std_[~(self.x_std_ > 0)] = 1.0
        elif width != self.n_features_in_ or (labels["ndim"] == 2) != self.fixed_length_:
            unit = "timesteps (the columns of a 2-d X)" if self.fixed_length_ else "features"
            raise ValueError(f"X has {width} features, but {type(self).__name__} is expecting "
                             f"{self.n_features_in_} features as input ({unit}; 2-d and 3-d X do not mix)")
        x = np.nan_to_num((arr - self.x_mean_) / self.x_std_)  # missing values -> the training mean
        return x, lengths, labels

    def _network_input(self, x, lengths):
        """(N, T, F) inputs as the network reads them: ``patch_`` steps folded into one, time-major."""
        p = self.patch_
        if p > 1:
            N, T, F = x.shape
            steps = -(-T // p)
            folded = np.zeros((N, steps * p, F))
            folded[:, :T] = x
            x = folded.reshape(N, steps, p * F)
            lengths = -(-lengths // p)
        return np.ascontiguousarray(x.transpose(1, 0, 2), dtype=self.dtype), lengths

    def fit(self, X, y, client=None):
        """Fit on sequences ``X`` and targets ``y``; return ``self``.

        ``client``: a ``dask.distributed.Client`` to train data-parallel on its workers (one shard of
        every batch per worker, gradients combined in a fixed order: :mod:`numbarnn.training.parallel`);
        ``None`` trains here.
        """
        self._check_params()
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        with self._fitting():
            x, lengths, _ = self._inputs(X, fitting=True)
            target, weight, n_out = self._targets(y, x.shape[0], x.shape[1], lengths)
            rng = np.random.default_rng(self.random_state)
            self.per_timestep_ = target.ndim == 3
            self.patch_ = self._resolve_patch(lengths)
            x, lengths = self._network_input(x, lengths)
            first = int(rng.integers(2**31))  # further members' seeds from the first: member 0 is a one-model fit
            extra = np.random.default_rng(first).integers(2**31, size=self._n_models() - 1)
            self._build_model(x.shape[2], n_out, [first] + [int(v) for v in extra])
            data = (x, target, lengths, weight)
            n = x.shape[1]
            n_val = int(round(self.validation_fraction * n))
            order = rng.permutation(n)
            tr, va = order[n_val:], order[:n_val]
            batch_size, epochs = self._training_schedule(len(tr))
            hists = []
            for model in self._members():  # in turn, each with a fresh optimizer, drawing from one rng
                opt = OPTIMIZERS[self.optimizer](lr=self.learning_rate, weight_decay=self.weight_decay)
                schedule = make_schedule(self.schedule, opt, epochs)
                hists.append(train(model, self._loss(), opt, slice_batch(data, tr),
                                   slice_batch(data, va) if n_val else None,
                                   epochs=epochs, batch_size=batch_size, schedule=schedule,
                                   clip_norm=self.clip_norm, patience=self.patience, rng=rng,
                                   verbose=self.verbose, client=client))
            self.history_ = history_dataset(hists if len(hists) > 1 else hists[0])
            self.is_fitted_ = True
        return self

    def _n_models(self):
        return 1

    def _members(self):
        return getattr(self.model_, "members", [self.model_])

    def _build_model(self, n_in, n_out, seeds):
        """One network per seed; several make an :class:`Ensemble` (``model_.members``)."""
        members = [SequenceModel(self.cell, n_in, self.hidden_size, n_out,
                                 readout="timestep" if self.per_timestep_ else "sequence",
                                 num_layers=self.num_layers, bidirectional=self.bidirectional,
                                 dropout=self.dropout, dtype=self.dtype, device=self.device, seed=seed)
                   for seed in seeds]
        self.model_ = members[0] if len(members) == 1 else Ensemble(members)

    _STATE_ARRAYS = ("x_mean_", "x_std_")
    _STATE_FLAGS = ("n_features_in_", "fixed_length_", "per_timestep_", "patch_")

    def save(self, path):
        """Write the fitted estimator to ``path`` as one netCDF file (atomically); see :func:`numbarnn.load`."""
        save(self, path)

    def _persist(self):
        arrays = {name: getattr(self, name) for name in self._STATE_ARRAYS}
        state = {name: getattr(self, name) for name in self._STATE_FLAGS}
        state["n_in"] = self.model_.net.input_size
        state["n_out"] = self._members()[0].head.params["bias"].shape[0]
        state["n_models"] = len(self._members())
        return arrays, {}, state

    def _restore(self, arrays, frames, state):
        for name in self._STATE_ARRAYS:
            value = arrays.get(name)
            setattr(self, name, None if value is None or (value.ndim == 0) else value)
        for name in self._STATE_FLAGS:
            setattr(self, name, state.get(name, 1) if name == "patch_" else state[name])  # older files: 1
        self._build_model(state["n_in"], state["n_out"], [0] * state.get("n_models", 1))  # older files: 1

    def __sklearn_tags__(self):
        """Estimator tags for scikit-learn's model-selection tools (imported only when asked)."""
        from sklearn.utils import ClassifierTags, InputTags, RegressorTags, Tags, TargetTags
        classifier = isinstance(self, SequenceClassifier)
        return Tags(estimator_type="classifier" if classifier else "regressor",
                    target_tags=TargetTags(required=True, multi_output=not classifier,
                                           single_output=True),
                    input_tags=InputTags(allow_nan=True, three_d_array=True),
                    # a recurrent net reading a feature matrix's columns as timesteps is no tabular model
                    classifier_tags=ClassifierTags(poor_score=True) if classifier else None,
                    regressor_tags=None if classifier else RegressorTags(poor_score=True),
                    transformer_tags=None)

    def _lazy(self, X, method, dtype=np.float64, extra=None):
        """``method`` over a dask-backed DataArray ``X``, lazily: one task per chunk of samples (time and
        features whole), equal to the in-memory result."""
        self._check_fitted()
        if not self.per_timestep_ and not getattr(self, "squeeze_output_", True):  # a regressor's k outputs
            raise ValueError("a chunked X is predicted lazily for one output per sequence or per timestep; "
                             "give X.compute() for several outputs")
        dims = [self.sample_dim] + ([self.time_dim] if self.per_timestep_ else [])
        coords = {d: X.indexes[d] for d in dims if d in X.indexes}
        if extra is not None:
            dims.append(extra[0])
            coords[extra[0]] = extra[1]
        return blockwise(getattr(self, method), X, [self.time_dim, self.feature_dim], dims, coords, dtype=dtype)

    def _raw_predict(self, X, transform=None):
        """The networks' outputs for ``X``, each mapped by ``transform`` and averaged over the members."""
        self._check_fitted()
        x, lengths, labels = self._inputs(X, fitting=False)
        x, lengths = self._network_input(x, lengths)
        members, total = self._members(), None
        for model in members:
            outs = []
            for start in range(0, x.shape[1], 256):
                out, _, _ = model.forward(x[:, start:start + 256], lengths=lengths[start:start + 256],
                                          record=False)
                outs.append(out)
            out = np.concatenate(outs, axis=1 if self.per_timestep_ else 0)
            out = out if transform is None else transform(out)
            total = out if total is None else total + out
        pred = total if len(members) == 1 else total / len(members)
        if self.per_timestep_:
            pred = pred.transpose(1, 0, 2)  # (N, T, out)
            mask = np.arange(pred.shape[1])[None, :] < lengths[:, None]
            return pred, mask, labels
        return pred, None, labels

    def _wrap(self, values, mask, labels, extra=None):
        if mask is not None:
            values = np.where(mask.reshape(mask.shape + (1,) * (values.ndim - 2)), values, np.nan) \
                if values.dtype.kind == "f" else values
        return label_sequences(values, labels, self.sample_dim, self.time_dim, mask is not None, extra)


class SequenceRegressor(_SequenceEstimator):
    """Recurrent regression on sequences: one value (or vector) per sequence, or one per timestep.

    Parameters are those of the recurrent model and of training (see
    :class:`numbarnn.Forecaster`), plus ``loss`` (``"mse"``, ``"mae"``, ``"huber"``)
    and ``patch`` (timesteps folded into one recurrent step; ``None``: enough to
    fold the longest sequence into 32 steps, see :class:`SequenceClassifier`).
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
                 device="cpu", sample_dim="sample", time_dim="time", feature_dim="feature", random_state=None,
                 verbose=None, layout="sample_time_feature", patch=None):
        super().__init__(cell, hidden_size, num_layers, bidirectional, dropout, optimizer, learning_rate,
                         weight_decay, schedule, batch_size, epochs, clip_norm, patience, validation_fraction,
                         dtype, device, sample_dim, time_dim, feature_dim, random_state, verbose, layout, patch)
        self.loss = loss

    _STATE_ARRAYS = ("x_mean_", "x_std_", "y_mean_", "y_std_")
    _STATE_FLAGS = ("n_features_in_", "fixed_length_", "per_timestep_", "squeeze_output_", "patch_")

    def _check_params(self):
        super()._check_params()
        check_option("loss", self.loss, ("mse", "mae", "huber"))

    def _loss(self):
        return get_loss(self.loss)

    def _targets(self, y, N, T, lengths):
        y = target_values(y)
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError) as err:
            raise ValueError(f"y must hold numbers: {err}") from None
        if y.shape[0] != N:
            raise ValueError(f"y has {y.shape[0]} samples; X has {N}")
        # 3-d X: a (n, T) target is one value per timestep; 2-d X (fixed length): (n, k) is k outputs
        per_step = (y.ndim == 2 and y.shape[1] == T and not self.fixed_length_) or y.ndim == 3
        self.squeeze_output_ = y.ndim == 1 or (per_step and y.ndim == 2)
        if per_step and y.ndim == 2:
            y = y[:, :, None]
        if not per_step and np.any(~np.isfinite(y)):
            raise ValueError("Input y contains NaN or infinity; per-sequence targets must be finite")
        if y.ndim == 1:
            y = y[:, None]
        valid = np.isfinite(y)
        self.y_mean_ = np.nanmean(np.where(valid, y, np.nan).reshape(-1, y.shape[-1]), axis=0)
        self.y_std_ = np.nanstd(np.where(valid, y, np.nan).reshape(-1, y.shape[-1]), axis=0)
        self.y_std_[~(self.y_std_ > 0)] = 1.0
        ys = np.where(valid, (y - self.y_mean_) / self.y_std_, 0.0)
        if per_step:
            step = np.arange(T)[None, :] < lengths[:, None]
            weight = (step & valid.all(axis=2)).T.astype(self.dtype)
            return np.ascontiguousarray(ys.transpose(1, 0, 2), dtype=self.dtype), weight, y.shape[2]
        return ys.astype(self.dtype), None, y.shape[1]

    def predict(self, X):
        """Predictions: (sample,) / (sample, k) per sequence, (sample, time[, k]) per timestep (NaN at padding).
        A dask-backed ``X`` gives a lazy result."""
        if is_chunked(X):
            return self._lazy(X, "predict")
        pred, mask, labels = self._raw_predict(X)
        values = pred.astype(np.float64) * self.y_std_ + self.y_mean_
        if self.squeeze_output_:
            values = values[..., 0]
        return self._wrap(values, mask, labels)

    def score(self, X, y):
        """Coefficient of determination R² of ``predict(X)`` against ``y`` (scikit-learn's regressor score)."""
        pred = np.asarray(self.predict(X), dtype=np.float64)
        y = np.asarray(y, dtype=np.float64).reshape(pred.shape)
        ok = np.isfinite(pred) & np.isfinite(y)
        ss_res = np.sum((y[ok] - pred[ok]) ** 2)
        ss_tot = np.sum((y[ok] - y[ok].mean()) ** 2)
        return float(1 - ss_res / ss_tot) if ss_tot > 0 else 0.0


class SequenceClassifier(_SequenceEstimator):
    """Recurrent classification of sequences (one label each) or of every timestep (sequence tagging).

    ``class_weight`` may be ``None``, ``"balanced"`` or a dict label -> weight.
    The defaults are chosen for the small labelled sets typical of sequence
    classification (``benchmarks/classify_ucr.py`` measures them):

    - ``validation_fraction=0`` and ``patience=None``: early stopping on a 10%
      split stopped training near chance; give both to hold out a random split.
    - ``patch=None``: a sequence longer than 32 steps is folded, ``patch``
      consecutive timesteps to one input vector, into at most 32 recurrent steps
      (GunPoint's 150 steps are 30 steps of 5); unfolded, the gradient from the
      label fades before it reaches the informative part.
    - ``batch_size=None``: an eighth of the training set, 8 to 32 sequences;
      ``epochs=None``: about 1,000 optimizer steps, 50 to 200 epochs.
    - ``n_models=None``: five networks from different seeds, trained in turn on
      the same data, whose class probabilities are averaged. On a few dozen
      labelled sequences one network's accuracy swings by 10 points from seed to
      seed; the average of five is steadier and better (the sets this was chosen
      on, OSULeaf and ACSF1: 0.607 -> 0.631 and 0.697 -> 0.757, mean test accuracy
      of seeds 0-2, ``benchmarks/classify_ucr.py --dev``) at five times the fitting time.
      ``n_models=1`` trains one network (``model_`` is then a
      :class:`~numbarnn.nn.SequenceModel`, else an ensemble with ``model_.members``).

    Examples
    --------
    >>> import numpy as np, numbarnn
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 12, 1))
    >>> y = np.where(X[:, :, 0].mean(axis=1) > 0, "up", "down")
    >>> clf = numbarnn.SequenceClassifier(hidden_size=16, epochs=30, random_state=0).fit(X, y)
    >>> clf.classes_.tolist(), clf.predict_proba(X[:3]).shape, len(clf.model_.members)
    (['down', 'up'], (3, 2), 5)
    >>> bool((clf.predict(X) == y).mean() > 0.9)
    True
    """

    def __init__(self, cell="lstm", hidden_size=32, num_layers=1, bidirectional=False, dropout=0.0,
                 class_weight=None, optimizer="adam", learning_rate=5e-3, weight_decay=0.0, schedule="constant",
                 batch_size=None, epochs=None, clip_norm=1.0, patience=None, validation_fraction=0.0,
                 dtype="float32",
                 device="cpu", sample_dim="sample", time_dim="time", feature_dim="feature", random_state=None,
                 verbose=None, layout="sample_time_feature", patch=None, n_models=None):
        super().__init__(cell, hidden_size, num_layers, bidirectional, dropout, optimizer, learning_rate,
                         weight_decay, schedule, batch_size, epochs, clip_norm, patience, validation_fraction,
                         dtype, device, sample_dim, time_dim, feature_dim, random_state, verbose, layout, patch)
        self.class_weight = class_weight
        self.n_models = n_models

    def _check_params(self):
        super()._check_params()
        if self.n_models is not None:
            check_positive_int("n_models", self.n_models)

    def _n_models(self):
        return CLASSIFIER_MODELS if self.n_models is None else self.n_models

    _STATE_ARRAYS = ("x_mean_", "x_std_", "classes_", "class_weights_")

    def _loss(self):
        return CrossEntropy(class_weight=self.class_weights_)

    def _targets(self, y, N, T, lengths):
        y = target_values(y)
        if y.shape[0] != N:
            raise ValueError(f"y has {y.shape[0]} samples; X has {N}")
        if y.ndim == 2 and y.shape[1] == 1:
            _warn_column_vector()
            y = y[:, 0]
        if y.dtype.kind == "f":
            if not np.all(np.isfinite(y)):
                raise ValueError("Input y contains NaN or infinity")
            if np.any(y != np.round(y)):
                raise ValueError("Unknown label type: continuous. A classifier needs class labels; "
                                 "use SequenceRegressor for a continuous target")
        per_step = y.ndim == 2 and y.shape[1] == T and not self.fixed_length_
        if y.ndim == 2 and not per_step:
            raise ValueError(f"y has shape {y.shape}: one label per sequence (n,) or per timestep (n, {T}) "
                             "for 3-d X")
        step = np.arange(T)[None, :] < lengths[:, None]
        counted = y[step] if per_step else y.reshape(-1)
        sorted_labels(counted.tolist())  # a missing label or labels of mixed kinds: a clear error
        self.classes_ = np.unique(counted)
        codes = np.full(y.shape, -1, dtype=np.int64)
        inside = step if per_step else np.ones(y.shape, bool)
        codes[inside] = np.searchsorted(self.classes_, y[inside])
        counts = np.bincount(codes[inside], minlength=len(self.classes_)).astype(float)
        if self.class_weight is None:
            self.class_weights_ = None
        elif isinstance(self.class_weight, str) and self.class_weight == "balanced":
            self.class_weights_ = counts.sum() / (len(self.classes_) * counts)
        elif isinstance(self.class_weight, dict):
            self.class_weights_ = np.array([float(self.class_weight.get(c, 1.0)) for c in self.classes_])
        else:
            raise ValueError(f"unknown class_weight {self.class_weight!r}; expected None, 'balanced' or a dict")
        if per_step:
            return np.ascontiguousarray(codes.T[:, :, None]), None, len(self.classes_)
        return codes[:, None], None, len(self.classes_)

    def predict_proba(self, X):
        """Class probabilities, (sample, class) or (sample, time, class) (NaN at padding). A dask-backed
        ``X`` gives a lazy result."""
        if is_chunked(X):
            return self._lazy(X, "predict_proba", extra=("class", self.classes_))
        proba, mask, labels = self._raw_predict(X, transform=class_probabilities)
        return self._wrap(proba, mask, labels, extra=("class", self.classes_))

    def predict(self, X):
        """Labels, (sample,) or (sample, time) (padded steps get the first class). A dask-backed ``X``
        gives a lazy result."""
        if is_chunked(X):
            return self._lazy(X, "predict", dtype=self.classes_.dtype)
        proba, mask, labels = self._raw_predict(X, transform=class_probabilities)
        out = self.classes_[np.argmax(proba, axis=-1)]
        return self._wrap(out, mask, labels)

    def score(self, X, y):
        """Mean accuracy of ``predict(X)`` (over valid steps for tagging)."""
        pred = np.asarray(self.predict(X))
        return float(np.mean(pred == np.asarray(y).reshape(pred.shape)))
