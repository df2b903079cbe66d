"""Loss values and their gradients in one pass over a batch's rows.

The NumPy forms make a handful of temporaries per call; at the batch sizes of training (32
rows, a few columns) that cost more than the arithmetic: softmax cross-entropy took 28 us a step,
more than the optimizer. Each function here reads the predictions once and writes the gradient
once, summing in float64 in row order. Rows of zero weight count nothing, whatever they hold, and
get a zero gradient.
"""

import numpy as np
from numba import njit

from ...config import JIT_OPTIONS


@njit(**JIT_OPTIONS)
def squared_error(pred, target, weight, count, grad):
    """``sum(w * (pred - target)**2) / count``, and its gradient written into ``grad``.

    pred, target, grad : (N, K); weight : (N,) float64, or empty for all ones; count : the divisor
    (the weighted number of entries, at least the loss's minimum count).
    """
    total = 0.0
    scale = 2.0 / count
    for n in range(pred.shape[0]):
        w = 1.0 if weight.shape[0] == 0 else weight[n]
        for k in range(pred.shape[1]):
            if w > 0.0:
                d = np.float64(pred[n, k]) - np.float64(target[n, k])
                total += w * d * d
                grad[n, k] = w * scale * d
            else:
                grad[n, k] = 0.0
    return total / count


@njit(**JIT_OPTIONS)
def softmax_cross_entropy(pred, labels, weight, class_weight, ignore_index, min_count, grad):
    """Softmax cross-entropy of logits ``pred`` (N, C) against integer ``labels`` (N,), weighted.

    Each row counts ``weight[n] * class_weight[label]`` (either empty for ones; 0 for a row labelled
    ``ignore_index``); the value is the weighted sum of ``-log softmax(pred[n])[label]`` over the
    weighted count (at least ``min_count``), and ``grad`` (N, C) its gradient. Returns
    ``(value, count, bad)``: ``bad`` is the first row whose label (not ``ignore_index``) is outside
    ``[0, C)``, or -1 (nothing is computed then).
    """
    N, C = pred.shape
    count = 0.0
    for n in range(N):
        label = labels[n]
        if label != ignore_index and (label < 0 or label >= C):
            return np.nan, 0.0, n
        count += _row_weight(n, label, weight, class_weight, ignore_index)
    divisor = max(count, min_count)
    total = 0.0
    for n in range(N):
        label = labels[n]
        w = _row_weight(n, label, weight, class_weight, ignore_index)
        if w == 0.0:
            grad[n, :] = 0.0
            continue
        top = np.float64(pred[n, 0])
        for c in range(1, C):
            top = max(top, np.float64(pred[n, c]))
        z = 0.0
        for c in range(C):
            z += np.exp(np.float64(pred[n, c]) - top)
        logz = np.log(z)
        total -= w * (np.float64(pred[n, label]) - top - logz)
        scale = w / divisor
        for c in range(C):
            p = np.exp(np.float64(pred[n, c]) - top - logz)
            grad[n, c] = scale * (p - (1.0 if c == label else 0.0))
    return total / divisor, count, -1


@njit(inline="always", **JIT_OPTIONS)
def _row_weight(n, label, weight, class_weight, ignore_index):
    # What row n counts: weight[n] * class_weight[label], either empty for ones; 0 when ignored.
    if label == ignore_index:
        return 0.0
    w = 1.0 if weight.shape[0] == 0 else weight[n]
    return w * (1.0 if class_weight.shape[0] == 0 else class_weight[label])
