r"""Losses with hand-written gradients.

Each loss is called as ``value, grad = loss(pred, target, weight=None)`` on
flat arrays: ``pred`` is (N, K) and ``target`` (N, K) (class indices (N,)
for :class:`CrossEntropy`). ``weight`` (N,) marks which rows count (0 for
padding or a missing target); the value is the weighted mean over counted
elements and ``grad`` is its gradient with respect to ``pred``.
"""

import numpy as np
from scipy import special, stats

from .._validation import check_option
from ..kernels.cpu import losses as kernels


def _row_weight(weight, n, dtype):
    if weight is None:
        return np.ones(n, dtype=dtype)
    return np.asarray(weight, dtype=dtype)


_NO_WEIGHT = np.zeros(0)


def _kernel_weight(weight, n):
    """The ``n`` row weights as the kernels of :mod:`numbarnn.kernels.cpu.losses` take them (empty: all
    ones), or a ValueError when ``weight`` has another number of entries."""
    if weight is None:
        return _NO_WEIGHT
    w = np.ascontiguousarray(weight, dtype=np.float64).reshape(-1)
    if w.shape[0] != n:
        raise ValueError(f"weight has {w.shape[0]} entries; expected {n}, one per row of pred")
    return w


class Loss:
    """Base class: ``outputs_per_target`` is how many prediction columns one target column needs."""

    outputs_per_target = 1
    #: the value is a weighted sum over the counted entries divided by ``max(count, min_count)``
    min_count = 1.0

    def count(self, pred, target, weight=None):
        """How many entries the value averages over (weighted): a batch cut in pieces is the sum of the
        pieces' values times ``max(count, min_count)`` over the whole batch's, which is how sharded
        gradients are combined (:mod:`numbarnn.training.parallel`)."""
        return float(_row_weight(weight, pred.shape[0], np.float64).sum()) * target.shape[1] * self._per_target()

    def _per_target(self):
        return 1

    def __call__(self, pred, target, weight=None):
        w = _row_weight(weight, pred.shape[0], pred.dtype)[:, None]
        count = max(self.count(pred, target, weight), self.min_count)
        diff = pred - target
        value, grad = self._elementwise(np.where(w > 0, diff, 0))
        return float((w * value).sum() / count), (w * grad / count).astype(pred.dtype)

    def __repr__(self):
        return f"{type(self).__name__}()"


class MSE(Loss):
    r"""Mean squared error, :math:`\frac{1}{N}\sum (p - t)^2` (value and gradient in one kernel pass,
    :func:`numbarnn.kernels.cpu.losses.squared_error`)."""

    def __call__(self, pred, target, weight=None):
        if np.ndim(pred) != 2 or np.shape(target) != np.shape(pred):
            raise ValueError(f"pred and target must be (N, K) arrays of one shape; got {np.shape(pred)} and "
                             f"{np.shape(target)}")
        w = _kernel_weight(weight, pred.shape[0])
        count = max(self.count(pred, target, weight), self.min_count)
        grad = np.empty(pred.shape, dtype=pred.dtype)
        value = kernels.squared_error(np.ascontiguousarray(pred), np.ascontiguousarray(target, dtype=pred.dtype),
                                      w, count, grad)
        return float(value), grad


class MAE(Loss):
    r"""Mean absolute error, :math:`\frac{1}{N}\sum |p - t|` (gradient ``sign(p - t)``)."""

    def _elementwise(self, d):
        return np.abs(d), np.sign(d)


class Huber(Loss):
    r"""Huber loss: :math:`\frac12 d^2` for :math:`|d| \le \delta`, else :math:`\delta(|d| - \frac12\delta)`."""

    def __init__(self, delta=1.0):
        if not delta > 0:
            raise ValueError(f"Huber delta must be positive, got {delta!r}")
        self.delta = float(delta)

    def _elementwise(self, d):
        a = np.abs(d)
        small = a <= self.delta
        value = np.where(small, 0.5 * d * d, self.delta * (a - 0.5 * self.delta))
        grad = np.where(small, d, self.delta * np.sign(d))
        return value, grad

    def __repr__(self):
        return f"Huber(delta={self.delta})"


def softplus(x):
    """``log(1 + exp(x))`` without overflow."""
    return np.logaddexp(0, x)


def _sigmoid(x):
    return 0.5 * np.tanh(0.5 * x) + 0.5


class GaussianNLL(Loss):
    r"""Gaussian negative log-likelihood for a mean head and a variance head.

    ``pred`` has two columns per target column: the means, then raw variances
    mapped through softplus (plus ``min_var``) so the variance stays positive:

    .. math:: \frac{1}{N}\sum \tfrac12 \left(\log \sigma^2 + (t - \mu)^2 / \sigma^2\right)
    """

    outputs_per_target = 2

    def __init__(self, min_var=1e-6):
        self.min_var = float(min_var)

    def __call__(self, pred, target, weight=None):
        k = target.shape[1]
        mu, raw = pred[:, :k], pred[:, k:]
        var = softplus(raw) + self.min_var
        w = _row_weight(weight, pred.shape[0], pred.dtype)[:, None]
        count = max(self.count(pred, target, weight), self.min_count)
        d = np.where(w > 0, mu - target, 0)
        value = 0.5 * (np.log(var) + d * d / var)
        d_mu = d / var
        d_var = 0.5 * (1 / var - d * d / (var * var))
        grad = np.concatenate([d_mu, d_var * _sigmoid(raw)], axis=1)
        return float((w * value).sum() / count), (w * grad / count).astype(pred.dtype)

    @staticmethod
    def split(pred, k):
        """Mean and standard deviation from a prediction with ``2k`` columns."""
        return pred[..., :k], np.sqrt(softplus(pred[..., k:]))

    def quantiles(self, pred, k, levels):
        """The predicted distribution's quantiles at ``levels`` (Q,): (..., k, Q)."""
        mu, std = self.split(pred, k)
        return mu[..., None] + std[..., None] * stats.norm.ppf(levels)

    def sample(self, pred, k, rng):
        """One draw per target column: (..., k)."""
        mu, std = self.split(pred, k)
        return mu + std * rng.standard_normal(mu.shape)

    def __repr__(self):
        return f"GaussianNLL(min_var={self.min_var})"


class StudentTNLL(Loss):
    r"""Student-t negative log-likelihood: a location, a scale and a degrees-of-freedom head.

    ``pred`` has three columns per target column: locations :math:`\mu`, raw scales mapped to
    :math:`\sigma = \mathrm{softplus}(r) + ` ``min_scale``, and raw degrees of freedom mapped to
    :math:`\nu = 2 + \mathrm{softplus}(r)` (above 2, so the variance is finite). With
    :math:`z = (t - \mu) / \sigma`:

    .. math:: \frac{1}{N}\sum \log\Gamma(\tfrac{\nu}{2}) - \log\Gamma(\tfrac{\nu + 1}{2})
              + \tfrac12 \log(\nu\pi) + \log\sigma + \tfrac{\nu + 1}{2}\log(1 + z^2/\nu)

    Heavy tails make it robust to outliers that would drag a Gaussian's mean and inflate its variance.
    """

    outputs_per_target = 3

    def __init__(self, min_scale=1e-3):
        self.min_scale = float(min_scale)

    def split(self, pred, k):
        """Location, scale and degrees of freedom from a prediction with ``3k`` columns."""
        return (pred[..., :k], softplus(pred[..., k:2 * k]) + self.min_scale, 2.0 + softplus(pred[..., 2 * k:]))

    def __call__(self, pred, target, weight=None):
        k = target.shape[1]
        p = pred.astype(np.float64)
        mu, sigma, nu = self.split(p, k)
        w = _row_weight(weight, pred.shape[0], np.float64)[:, None]
        count = max(self.count(pred, target, weight), self.min_count)
        z = np.where(w > 0, (target - mu) / sigma, 0)
        u = nu + z * z
        value = (special.gammaln(nu / 2) - special.gammaln((nu + 1) / 2) + 0.5 * np.log(nu * np.pi)
                 + np.log(sigma) + 0.5 * (nu + 1) * np.log1p(z * z / nu))
        d_mu = -(nu + 1) * z / (sigma * u)
        d_sigma = 1 / sigma - (nu + 1) * z * z / (sigma * u)
        d_nu = 0.5 * (special.digamma(nu / 2) - special.digamma((nu + 1) / 2) + 1 / nu + np.log1p(z * z / nu)
                      - (nu + 1) * z * z / (nu * u))
        grad = np.concatenate([d_mu, d_sigma * _sigmoid(p[:, k:2 * k]), d_nu * _sigmoid(p[:, 2 * k:])], axis=1)
        return float((w * value).sum() / count), (w * grad / count).astype(pred.dtype)

    def quantiles(self, pred, k, levels):
        """The predicted distribution's quantiles at ``levels`` (Q,): (..., k, Q)."""
        mu, sigma, nu = self.split(pred, k)
        return mu[..., None] + sigma[..., None] * stats.t.ppf(np.asarray(levels), nu[..., None])

    def sample(self, pred, k, rng):
        """One draw per target column: (..., k)."""
        mu, sigma, nu = self.split(pred, k)
        return mu + sigma * rng.standard_t(nu)

    def __repr__(self):
        return f"StudentTNLL(min_scale={self.min_scale})"


class Pinball(Loss):
    r"""Quantile (pinball) loss for one head per quantile level.

    ``pred`` has ``len(quantiles)`` blocks of columns, one per level in the order given, each with one
    column per target column. With :math:`d = t - p_q`:

    .. math:: \frac{1}{NQ}\sum_q \sum \max(q\,d,\ (q - 1)\,d)

    At the level 0.5 it is half the absolute error, so the median head is an MAE-trained forecast.
    """

    def __init__(self, quantiles=(0.1, 0.5, 0.9)):
        q = np.asarray(quantiles, dtype=np.float64).reshape(-1)
        if q.size == 0 or np.any(~((q > 0) & (q < 1))) or np.unique(q).size != q.size:
            raise ValueError(f"quantiles must be distinct levels strictly between 0 and 1, got {list(quantiles)}")
        self.levels = q

    @property
    def outputs_per_target(self):
        return self.levels.size

    def _per_target(self):
        return self.levels.size

    def __call__(self, pred, target, weight=None):
        k, Q = target.shape[1], self.levels.size
        w = _row_weight(weight, pred.shape[0], np.float64)[:, None, None]
        count = max(self.count(pred, target, weight), self.min_count)
        p = pred.astype(np.float64).reshape(pred.shape[0], Q, k)
        d = np.where(w > 0, target[:, None, :] - p, 0)
        q = self.levels[None, :, None]
        value = np.maximum(q * d, (q - 1) * d)
        grad = np.where(d > 0, -q, np.where(d < 0, 1 - q, 0.0))
        return float((w * value).sum() / count), (w * grad / count).reshape(pred.shape).astype(pred.dtype)

    def quantiles(self, pred, k, levels):
        """The heads at ``levels`` (each must be a trained level): (..., k, Q)."""
        blocks = pred.reshape(pred.shape[:-1] + (self.levels.size, k))
        return np.moveaxis(blocks[..., self.heads(levels), :], -2, -1)

    def heads(self, levels):
        """The position among ``self.levels`` of each of ``levels``; a clear error for an untrained one."""
        levels = np.asarray(levels, dtype=np.float64).reshape(-1)
        missing = [float(v) for v in levels if not np.any(np.isclose(self.levels, v))]
        if missing:
            raise ValueError(f"quantiles {missing} were not trained; this model has heads at "
                             f"{self.levels.tolist()} (set quantiles=... before fit)")
        return [int(np.argmin(np.abs(self.levels - v))) for v in levels]

    def __repr__(self):
        return f"Pinball(quantiles={self.levels.tolist()})"


class CrossEntropy(Loss):
    r"""Softmax cross-entropy on logits ``pred`` (N, C) and integer labels ``target`` (N,).

    Rows with label ``ignore_index`` (default -1) or zero weight do not count.
    With ``class_weight`` (C,) each row counts ``class_weight[label]`` times,
    and the value is the weighted mean (as ``torch.nn.CrossEntropyLoss``):

    .. math:: -\frac{\sum_n w_{y_n} \log \mathrm{softmax}(p_n)_{y_n}}{\sum_n w_{y_n}}
    """

    min_count = 1e-12

    def __init__(self, class_weight=None, ignore_index=-1):
        self.class_weight = (None if class_weight is None
                             else np.ascontiguousarray(class_weight, dtype=np.float64).reshape(-1))
        self.ignore_index = int(ignore_index)

    def _kernel(self, pred, target, weight):
        """``(value, count, grad)`` from :func:`numbarnn.kernels.cpu.losses.softmax_cross_entropy`."""
        labels = np.ascontiguousarray(np.asarray(target).reshape(-1), dtype=np.int64)
        if np.ndim(pred) != 2 or labels.shape[0] != pred.shape[0]:
            raise ValueError(f"pred must be (N, C) logits and target N class labels; got shapes {np.shape(pred)} "
                             f"and {np.shape(target)}")
        class_weight = _NO_WEIGHT if self.class_weight is None else self.class_weight
        if class_weight.shape[0] not in (0, pred.shape[1]):
            raise ValueError(f"class_weight has {class_weight.shape[0]} entries; pred has {pred.shape[1]} classes")
        grad = np.empty(pred.shape, dtype=pred.dtype)
        value, count, bad = kernels.softmax_cross_entropy(np.ascontiguousarray(pred), labels,
                                                          _kernel_weight(weight, pred.shape[0]), class_weight,
                                                          self.ignore_index, self.min_count, grad)
        if bad >= 0:
            raise ValueError(f"class labels must lie in [0, {pred.shape[1]}) (or be {self.ignore_index} to "
                             f"ignore); row {bad} has {labels[bad]}")
        return float(value), count, grad

    def count(self, pred, target, weight=None):
        return self._kernel(pred, target, weight)[1]

    def __call__(self, pred, target, weight=None):
        value, _, grad = self._kernel(pred, target, weight)
        return value, grad

    def __repr__(self):
        return f"CrossEntropy(class_weight={self.class_weight}, ignore_index={self.ignore_index})"


LOSSES = {"mse": MSE, "mae": MAE, "huber": Huber, "gaussian_nll": GaussianNLL, "student_t_nll": StudentTNLL,
          "pinball": Pinball, "cross_entropy": CrossEntropy}


def get_loss(loss):
    """A :class:`Loss` from an instance or one of the names in ``LOSSES``."""
    if isinstance(loss, Loss):
        return loss
    return LOSSES[check_option("loss", loss, tuple(LOSSES))]()
