r"""Gradient clipping. Both functions change ``grads`` in place and return the global norm before clipping.

The global norm is :math:`\lVert g \rVert = \sqrt{\sum_{\text{all entries}} g^2}` (float64), the
figure that shows an exploding gradient in a training history.
"""

import math

import numpy as np

from ..kernels.cpu.optim import sum_squares


def global_norm(grads):
    """The 2-norm of all gradient entries together (inf/NaN if any entry is), summed in float64."""
    return math.sqrt(sum(sum_squares(np.ravel(g)) for g in grads.values()))


def clip_grad_norm(grads, max_norm):
    """Scale every gradient by ``max_norm / norm`` when the global norm exceeds ``max_norm``.

    Examples
    --------
    >>> import numpy as np
    >>> from numbarnn.training import clip_grad_norm
    >>> grads = {"w": np.array([3.0, 0.0]), "b": np.array([4.0])}
    >>> clip_grad_norm(grads, 1.0), grads["w"].tolist(), grads["b"].tolist()
    (5.0, [0.6, 0.0], [0.8])
    """
    norm = global_norm(grads)
    if max_norm is not None and math.isfinite(norm) and norm > max_norm:
        scale = max_norm / (norm + 1e-12)
        for g in grads.values():
            g *= g.dtype.type(scale)
    return norm


def clip_grad_value(grads, clip_value):
    """Clamp every gradient entry to ``[-clip_value, clip_value]``.

    Examples
    --------
    >>> import numpy as np
    >>> from numbarnn.training import clip_grad_value
    >>> grads = {"w": np.array([3.0, -0.5])}
    >>> round(clip_grad_value(grads, 1.0), 4), grads["w"].tolist()
    (3.0414, [1.0, -0.5])
    """
    norm = global_norm(grads)
    if clip_value is not None:
        for g in grads.values():
            np.clip(g, -clip_value, clip_value, out=g)
    return norm
