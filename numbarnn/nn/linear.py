"""A linear layer (the readout on top of the recurrent stack), with its own backward."""

import math

from ..backends.cpu import linear, linear_grads


class Linear:
    r"""``y = h W^T + b`` applied at every timestep.

    Parameters
    ----------
    in_features, out_features : int
    dtype : NumPy floating dtype.
    rng : numpy Generator for the initialisation U(-1/sqrt(in), 1/sqrt(in)) (PyTorch's rule).

    Attributes
    ----------
    params : ``{"weight": (out, in), "bias": (out,)}``
    """

    def __init__(self, in_features, out_features, dtype, rng):
        k = 1 / math.sqrt(in_features)
        self.params = {"weight": rng.uniform(-k, k, (out_features, in_features)).astype(dtype),
                       "bias": rng.uniform(-k, k, out_features).astype(dtype)}

    def forward(self, h):
        """``h`` (..., in) -> (..., out); each row's result is the same whatever the other rows (so a
        chunk of a batch gives the numbers of the whole batch)."""
        out = linear(h.reshape(-1, h.shape[-1]), self.params["weight"], self.params["bias"])
        return out.reshape(h.shape[:-1] + (out.shape[-1],))

    def backward(self, h, grad_y):
        """Gradients of ``weight``, ``bias`` and ``h`` from ``grad_y`` (..., out)."""
        d_weight, d_bias, d_h = linear_grads(h.reshape(-1, h.shape[-1]), self.params["weight"],
                                             grad_y.reshape(-1, grad_y.shape[-1]))
        return {"weight": d_weight, "bias": d_bias}, d_h.reshape(h.shape)
