"""
Why tanh RNNs forget
====================

Backpropagation through time multiplies one Jacobian per step, so the
gradient that reaches back k steps shrinks or grows roughly geometrically in
k. Rescale a tanh RNN's recurrent weights to spectral radius rho and measure
``||dh_T / dh_(T-k)||`` along a real trajectory: below 1 the signal dies,
around 1 it survives, and Pascanu's bound ``(gamma sigma_max)^k`` (dotted)
always holds. About 5 seconds on 2 cores.
"""

import numpy as np

import numbarnn
from numbarnn import plotting
from numbarnn.analysis import gradient_flow, set_spectral_radius, spectral_radius
import matplotlib.pyplot as plt

x = 0.1 * np.random.default_rng(0).standard_normal((120, 1))
flows = {}
for rho in (0.5, 0.9, 1.0, 1.1, 1.5):
    net = set_spectral_radius(numbarnn.RNN(1, 64, dtype="float64", seed=0), rho)
    flows[f"rho = {rho}"] = gradient_flow(net, x, max_lag=100)
    at = flows[f"rho = {rho}"].jacobian_norm.sel(time=119)
    print(f"rho={rho}: gradient reaching back 10 steps {float(at.sel(lag=10)):.0e}, 100 steps "
          f"{float(at.sel(lag=100)):.0e}")

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4))
plotting.plot_gradient_flow(flows, ax=ax0)
net = set_spectral_radius(numbarnn.RNN(1, 64, dtype="float64", seed=0), 0.9)
plotting.plot_eigenvalues(net, ax=ax1)
print("spectral radius of the right-hand network:", round(float(spectral_radius(net).spectral_radius.max()), 3))
fig.tight_layout()

# %%
# The whole picture: every end time t against every lag k, for rho = 1.1.
plotting.plot_lag_heatmap(flows["rho = 1.1"])
