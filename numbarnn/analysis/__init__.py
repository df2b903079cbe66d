"""Why gradients vanish or explode, in numbers: spectra, Jacobians, gradient flow, Lyapunov exponents.

Results are labelled xarray objects; :mod:`numbarnn.plotting` draws them.
"""

from .flow import gradient_flow, jacobians
from .lyapunov import kaplan_yorke, lyapunov_spectrum, qr_exponents
from .meanfield import edge_of_chaos
from .spectral import set_spectral_radius, spectral_radius
from .trajectory import Trajectory

__all__ = ["Trajectory", "edge_of_chaos", "gradient_flow", "jacobians", "kaplan_yorke", "lyapunov_spectrum",
           "qr_exponents", "set_spectral_radius", "spectral_radius"]
