"""Scalar activations for the CPU kernels, exact in float64 and fast in float32.

Inside ``@njit`` code ``np.tanh``/``np.exp`` compile to scalar libm calls (no
SVML in pip's llvmlite), which keeps the fused gate loops from vectorising.
For float32 we therefore use a branch-free rational approximation of tanh
(the odd/even polynomial pair of Eigen's fast float tanh) and
``sigmoid(x) = tanh(x/2)/2 + 1/2``; LLVM vectorises both. Its maximum
absolute error against float64 ``tanh`` is below ``TANH32_MAX_ABS_ERROR``
(tested on a dense grid in ``tests/test_activations.py``). float64 keeps the
exact libm functions so gradient checks stay exact. NaN propagates and
``±inf`` saturates in both.

Each function here is plain NumPy when called from Python; inside Numba code
the ``overload`` below picks the implementation for the argument's type.
"""

import numpy as np
from numba import types
from numba.extending import overload, register_jitable

#: Bound on ``|tanh32(x) - tanh(x)|`` over all finite float32 ``x`` (measured: 3.9e-7,
#: a few float32 ulp, at |x| near 5.8; the relative error is below 4e-7 everywhere).
TANH32_MAX_ABS_ERROR = 5e-7

_CLAMP = np.float32(7.90531110763549805)
_A1 = np.float32(4.89352455891786e-03)
_A3 = np.float32(6.37261928875436e-04)
_A5 = np.float32(1.48572235717979e-05)
_A7 = np.float32(5.12229709037114e-08)
_A9 = np.float32(-8.60467152213735e-11)
_A11 = np.float32(2.00018790482477e-13)
_A13 = np.float32(-2.76076847742355e-16)
_B0 = np.float32(4.89352518554385e-03)
_B2 = np.float32(2.26843463243900e-03)
_B4 = np.float32(1.18534705686654e-04)
_B6 = np.float32(1.19825839466702e-06)
_HALF32 = np.float32(0.5)
_ONE32 = np.float32(1.0)
_ZERO32 = np.float32(0.0)


@register_jitable
def _tanh32(x):
    # Comparisons (not min/max) so that NaN falls through both branches.
    if x > _CLAMP:
        x = _CLAMP
    elif x < -_CLAMP:
        x = -_CLAMP
    x2 = x * x
    p = x2 * _A13 + _A11
    p = x2 * p + _A9
    p = x2 * p + _A7
    p = x2 * p + _A5
    p = x2 * p + _A3
    p = x2 * p + _A1
    p = x * p
    q = x2 * _B6 + _B4
    q = x2 * q + _B2
    q = x2 * q + _B0
    return p / q


def tanh(x):
    """Hyperbolic tangent: exact for float64, rational approximation for float32."""
    return np.tanh(x)


def sigmoid(x):
    """Logistic function ``1 / (1 + exp(-x))``."""
    return 1.0 / (1.0 + np.exp(-x))


def relu(x):
    """``max(x, 0)`` that keeps NaN."""
    return np.where(x < 0, 0.0, x)


def one_minus_square(y):
    """``1 - y**2``: the derivative of tanh given its output ``y``."""
    return (1.0 - y) * (1.0 + y)


def one_minus(y):
    """``1 - y`` in the type of ``y``."""
    return 1.0 - y


def relu_grad(y):
    """Derivative of relu given its output ``y``: 1 where ``y > 0``, else 0."""
    return np.where(y > 0, 1.0, 0.0)


@overload(tanh)
def _tanh_overload(x):
    if x == types.float32:
        return _tanh32
    return lambda x: np.tanh(x)


@overload(sigmoid)
def _sigmoid_overload(x):
    if x == types.float32:
        def impl(x):
            return _HALF32 * _tanh32(_HALF32 * x) + _HALF32
        return impl

    def impl64(x):
        return 1.0 / (1.0 + np.exp(-x))
    return impl64


@overload(relu)
def _relu_overload(x):
    zero = _ZERO32 if x == types.float32 else 0.0

    def impl(x):
        return zero if x < zero else x
    return impl


@overload(one_minus_square)
def _one_minus_square_overload(y):
    one = _ONE32 if y == types.float32 else 1.0

    def impl(y):
        return (one - y) * (one + y)
    return impl


@overload(one_minus)
def _one_minus_overload(y):
    one = _ONE32 if y == types.float32 else 1.0

    def impl(y):
        return one - y
    return impl


@overload(relu_grad)
def _relu_grad_overload(y):
    one, zero = (_ONE32, _ZERO32) if y == types.float32 else (1.0, 0.0)

    def impl(y):
        return one if y > zero else zero
    return impl
