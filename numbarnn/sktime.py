"""sktime adapters: a numbarnn :class:`~numbarnn.Forecaster` and :class:`~numbarnn.SequenceClassifier`
inside sktime's pipelines, tuners and benchmarks.

Needs sktime (``pip install "numbarnn[sktime]"``); nothing else in numbarnn imports it. Each adapter
wraps an estimator whose settings it keeps (``None``: the defaults), so every numbarnn parameter is
reachable through sktime's nested ``get_params`` / ``set_params`` (``forecaster__hidden_size``).
"""

try:
    from sktime.classification.base import BaseClassifier
    from sktime.forecasting.base import BaseForecaster
except ImportError as err:  # pragma: no cover - exercised only without sktime
    raise ImportError("numbarnn.sktime needs sktime: pip install 'numbarnn[sktime]'") from err

import numpy as np
import pandas as pd

from .estimators import Forecaster, SequenceClassifier, clone

__all__ = ["NumbarnnClassifier", "NumbarnnForecaster"]


def _frame(obj):
    """A pandas DataFrame of ``obj`` with its index kept (sktime's inner type for ``y`` and ``X``)."""
    return obj if isinstance(obj, pd.DataFrame) else obj.to_frame()


class NumbarnnForecaster(BaseForecaster):
    """A numbarnn :class:`~numbarnn.Forecaster` as an sktime forecaster.

    Every column of ``y`` is a channel of one series (normalised on its own); ``X`` holds known
    covariates, given in ``predict`` for the forecast times. A horizon given to ``fit`` sets the
    forecaster's ``horizon`` (the longest step asked for); without one the wrapped ``horizon`` is
    used. Forecasts after ``update`` start from the latest data, with the fitted weights
    (``update_params=True`` refits). A forecaster with ``probabilistic=True`` also gives
    ``predict_quantiles`` and ``predict_interval`` (its quantile heads, or its predicted
    distribution); the tag ``capability:pred_int`` says which.

    Parameters
    ----------
    forecaster : :class:`numbarnn.Forecaster` or ``None`` (``Forecaster()``); it is cloned, never changed.

    Examples
    --------
    >>> import numpy as np, pandas as pd, numbarnn
    >>> from numbarnn.sktime import NumbarnnForecaster
    >>> y = pd.Series(np.sin(np.arange(120) / 3) + 5, index=pd.period_range("2000-01", periods=120, freq="M"))
    >>> f = NumbarnnForecaster(numbarnn.Forecaster(hidden_size=8, epochs=5, n_models=1, random_state=0))
    >>> pred = f.fit(y, fh=[1, 2, 3]).predict()
    >>> pred.index.astype(str).tolist()
    ['2010-01', '2010-02', '2010-03']
    """

    _tags = {
        "authors": "numbarnn developers",
        "maintainers": "numbarnn developers",
        "python_dependencies": "numbarnn",
        "y_inner_mtype": "pd.DataFrame",
        "X_inner_mtype": "pd.DataFrame",
        "capability:multivariate": True,
        "capability:exogenous": True,
        "capability:insample": False,
        "capability:pred_int": False,  # set per instance: True for a probabilistic forecaster
        "capability:pred_int:insample": False,
        "capability:missing_values": False,
        "capability:non_contiguous_X": False,  # the recursive strategy reads X at every step up to the horizon
        "requires-fh-in-fit": False,
        "X-y-must-have-same-index": True,
    }

    def __init__(self, forecaster=None):
        self.forecaster = forecaster
        super().__init__()
        self.set_tags(**{"capability:pred_int": bool(getattr(forecaster, "probabilistic", False))})

    def _fit(self, y, X, fh):
        est = clone(self.forecaster) if self.forecaster is not None else Forecaster()
        est.set_params(time_dim="time", feature_dim=None)
        if fh is not None:
            est.set_params(horizon=int(np.max(fh.to_relative(self.cutoff))))
        est.fit(_frame(y), None if X is None else _frame(X))
        self.forecaster_ = est
        return self

    def _update(self, y, X=None, update_params=True):
        if update_params:
            self._fit(self._y, self._X, self._fh)
        return self

    def _forecast(self, fh, X, quantiles=None):
        """The wrapped forecast at the steps of ``fh``: (steps, columns[, quantiles])."""
        steps = np.asarray(fh.to_relative(self.cutoff), dtype=np.int64)
        if steps.min() < 1:
            raise NotImplementedError("NumbarnnForecaster forecasts future steps only (fh > 0), not in-sample")
        covariates = None
        if X is not None or self._X is not None:
            parts = [_frame(p) for p in (self._X, X) if p is not None]
            covariates = pd.concat(parts)
            covariates = covariates[~covariates.index.duplicated(keep="last")]
        forecast = self.forecaster_.predict(horizon=int(steps.max()), y=_frame(self._y), X=covariates,
                                            quantiles=quantiles)
        shape = (int(steps.max()), len(self._y.columns)) + (() if quantiles is None else (len(quantiles),))
        return np.asarray(forecast, dtype=np.float64).reshape(shape)[steps - 1]

    def _predict(self, fh, X):
        return pd.DataFrame(self._forecast(fh, X), index=fh.to_absolute_index(self.cutoff),
                            columns=self._y.columns)

    def _predict_quantiles(self, fh, X, alpha):
        alpha = [float(a) for a in alpha]
        values = self._forecast(fh, X, quantiles=alpha)  # (steps, columns, quantiles)
        columns = pd.MultiIndex.from_product([self._get_varnames(), alpha])
        return pd.DataFrame(values.reshape(values.shape[0], -1), index=fh.to_absolute_index(self.cutoff),
                            columns=columns)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Small, fast settings for sktime's estimator checks."""
        small = dict(hidden_size=4, epochs=2, random_state=0)
        return [{"forecaster": Forecaster(n_models=1, **small)},
                {"forecaster": Forecaster(cell="gru", strategy="recursive", lookback=4, **small)},
                {"forecaster": Forecaster(n_models=1, probabilistic=True, likelihood="student_t", **small)}]


class NumbarnnClassifier(BaseClassifier):
    """A numbarnn :class:`~numbarnn.SequenceClassifier` as an sktime time-series classifier.

    sktime hands over ``numpy3D`` arrays (sample, channel, time); the wrapped classifier reads them
    with ``layout="sample_feature_time"``.

    Parameters
    ----------
    classifier : :class:`numbarnn.SequenceClassifier` or ``None`` (``SequenceClassifier()``); cloned.

    Examples
    --------
    >>> import numpy as np, numbarnn
    >>> from numbarnn.sktime import NumbarnnClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 2, 10))                  # (sample, channel, time)
    >>> y = np.where(X[:, 0].mean(axis=1) > 0, "up", "down")
    >>> clf = NumbarnnClassifier(numbarnn.SequenceClassifier(hidden_size=8, epochs=20, random_state=0))
    >>> clf.fit(X, y).predict_proba(X[:4]).shape
    (4, 2)
    """

    _tags = {
        "authors": "numbarnn developers",
        "maintainers": "numbarnn developers",
        "python_dependencies": "numbarnn",
        "X_inner_mtype": "numpy3D",
        "capability:multivariate": True,
        "capability:predict_proba": True,
        "capability:missing_values": False,
        "capability:unequal_length": False,
    }

    def __init__(self, classifier=None):
        self.classifier = classifier
        super().__init__()

    def _fit(self, X, y):
        est = clone(self.classifier) if self.classifier is not None else SequenceClassifier()
        est.set_params(layout="sample_feature_time")
        self.classifier_ = est.fit(X, y)
        return self

    def _predict(self, X):
        return np.asarray(self.classifier_.predict(X))

    def _predict_proba(self, X):
        proba = np.asarray(self.classifier_.predict_proba(X), dtype=np.float64)
        # sktime orders columns by its own classes_; a class absent from training gets probability 0
        out = np.zeros((proba.shape[0], len(self.classes_)))
        out[:, np.searchsorted(self.classes_, self.classifier_.classes_)] = proba
        return out

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Small, fast settings for sktime's estimator checks."""
        small = dict(hidden_size=4, epochs=3, random_state=0)
        return [{"classifier": SequenceClassifier(**small)},
                {"classifier": SequenceClassifier(cell="gru", bidirectional=True, **small)}]
