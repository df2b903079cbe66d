r"""Mean-field theory of a large random tanh network: the edge of chaos.

For :math:`h_{t+1} = \tanh(W h_t)` with :math:`W_{ij} \sim N(0, g^2/N)`
(Poole et al. 2016; Schoenholz et al. 2017), the pre-activation variance
settles at the fixed point :math:`q^* = g^2 \int Dz \tanh^2(\sqrt{q^*} z)` and
a squared perturbation grows per step by
:math:`\chi_1 = g^2 \int Dz\, [1 - \tanh^2(\sqrt{q^*} z)]^2`; the maximal
Lyapunov exponent is :math:`\lambda_{max} = \tfrac12 \ln \chi_1`. For
:math:`g \le 1`, :math:`q^* = 0` and :math:`\lambda_{max} = \ln g`; chaos sets
in at :math:`g = 1`.
"""

import numpy as np
from numpy.polynomial.hermite_e import hermegauss

_NODES, _WEIGHTS = hermegauss(100)
_WEIGHTS = _WEIGHTS / np.sqrt(2 * np.pi)  # the standard Gaussian measure Dz


def _gauss(fn):
    return float(np.sum(_WEIGHTS * fn(_NODES)))


def edge_of_chaos(g, tol=1e-12, max_iter=100_000):
    """Mean-field ``(lambda_max, q_star, chi_1)`` of a random tanh network with gain ``g``.

    Examples
    --------
    >>> from numbarnn.analysis import edge_of_chaos
    >>> round(edge_of_chaos(0.5)[0], 4), round(edge_of_chaos(2.0)[0], 3), round(edge_of_chaos(3.0)[0], 3)
    (-0.6931, 0.155, 0.31)
    """
    if not g > 0:
        raise ValueError(f"the gain g must be positive, got {g!r}")
    if g <= 1:
        return float(np.log(g)), 0.0, float(g * g)
    q = 1.0
    for _ in range(max_iter):
        q_new = g * g * _gauss(lambda z: np.tanh(np.sqrt(q) * z) ** 2)
        if abs(q_new - q) < tol:
            q = q_new
            break
        q = q_new
    chi = g * g * _gauss(lambda z: (1 - np.tanh(np.sqrt(q) * z) ** 2) ** 2)
    return 0.5 * float(np.log(chi)), float(q), float(chi)
