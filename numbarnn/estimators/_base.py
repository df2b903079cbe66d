"""scikit-learn manners without scikit-learn: get_params/set_params, clone, a not-fitted error."""

import contextlib
import copy
import inspect
import sys

import numpy as np

from ..cells import CELLS
from .._validation import check_device, check_dtype, check_option, check_positive_int
from ..training.optimizers import OPTIMIZERS
from ..training.schedules import SCHEDULES


class NotFittedError(ValueError, AttributeError):
    """Raised when an estimator is used before ``fit`` (compatible with scikit-learn's)."""


def _not_fitted_error():
    """Our NotFittedError, also scikit-learn's when scikit-learn is in use (we never import it ourselves)."""
    sk = sys.modules.get("sklearn.exceptions")
    if sk is None:
        return NotFittedError
    return type("NotFittedError", (NotFittedError, sk.NotFittedError), {})


class BaseEstimator:
    """Hyperparameters are exactly the ``__init__`` arguments, stored under their own names."""

    @classmethod
    def _param_names(cls):
        sig = inspect.signature(cls.__init__)
        return sorted(p.name for p in sig.parameters.values() if p.name != "self")

    def get_params(self, deep=True):
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        valid = self._param_names()
        for key, value in params.items():
            if key not in valid:
                raise ValueError(f"invalid parameter {key!r} for {type(self).__name__}; "
                                 f"valid parameters: {', '.join(valid)}")
            setattr(self, key, value)
        return self

    def __repr__(self):
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if defaults.get(k) is not v
                   and defaults.get(k) != v]
        return f"{type(self).__name__}({', '.join(changed)})"

    def _forget(self):
        """Remove every fitted attribute (the names ending in ``_``)."""
        for attr in [a for a in vars(self) if a.endswith("_")]:
            delattr(self, attr)

    @contextlib.contextmanager
    def _fitting(self):
        """Forget the last fit now, and whatever the block fitted if it raises: nothing half-fitted is left."""
        self._forget()
        try:
            yield
        except BaseException:
            self._forget()
            raise

    def _check_fitted(self):
        if not getattr(self, "is_fitted_", False):
            raise _not_fitted_error()(f"this {type(self).__name__} is not fitted yet; call fit(...) before using it")


def clone(estimator):
    """A new unfitted estimator with the same hyperparameters."""
    return type(estimator)(**copy.deepcopy(estimator.get_params()))


def check_training_params(est, positive_ints):
    """The checks every recurrent estimator shares: cell, optimizer, schedule, dtype, device, sizes, validation
    split."""
    check_option("cell", est.cell, tuple(CELLS))
    check_option("optimizer", est.optimizer, tuple(OPTIMIZERS))
    check_option("schedule", est.schedule, tuple(SCHEDULES))
    check_dtype(est.dtype)
    check_device(est.device)
    for name in positive_ints:
        if getattr(est, name) is not None or name not in ("batch_size", "epochs"):
            check_positive_int(name, getattr(est, name))
    if not 0 <= est.validation_fraction < 1:
        raise ValueError(f"validation_fraction must be in [0, 1), got {est.validation_fraction!r}")


def class_probabilities(logits):
    """Softmax over the last axis, in float64 (the classifiers' ``predict_proba``).

    >>> class_probabilities(np.array([[0.0, 0.0], [1000.0, 0.0]], dtype="float32")).tolist()
    [[0.5, 0.5], [1.0, 0.0]]
    """
    z = np.asarray(logits, dtype=np.float64)
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)
