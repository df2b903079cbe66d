"""
The Lyapunov spectrum and the edge of chaos
===========================================

Lyapunov exponents measure how fast nearby trajectories of a network's state
separate (positive: chaos) or merge (negative: a network that forgets). A
tanh RNN driven by small inputs crosses from order to chaos as its spectral
radius grows; the top exponent crosses zero at the edge of chaos, where
information neither dies nor explodes. Linear theory puts the edge at 1;
tanh's saturation pulls the gain of a large state down, which moves it
higher (here near 1.3). A few seconds on 2 cores.
"""

import numpy as np

import numbarnn
from numbarnn import plotting
from numbarnn.analysis import lyapunov_spectrum, set_spectral_radius
import matplotlib.pyplot as plt

x = 0.05 * np.random.default_rng(0).standard_normal((1000, 1))
rhos = (0.5, 0.8, 0.95, 1.05, 1.3, 1.8)
spectra = {}
for rho in rhos:
    net = set_spectral_radius(numbarnn.RNN(1, 32, dtype="float64", seed=0), rho)
    spectra[f"rho = {rho}"] = lyapunov_spectrum(net, x, warmup=200, n_exponents=8)
    print(f"rho={rho}: top exponent {float(spectra[f'rho = {rho}'].exponents[0]):+.3f} nats per step")

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4))
plotting.plot_lyapunov(spectra, ax=ax0)
ax1.plot(rhos, [float(s.exponents[0]) for s in spectra.values()], marker="o")
ax1.axhline(0, color="0.4", lw=1)
ax1.set_xlabel("spectral radius rho")
ax1.set_ylabel("top exponent (nats / step)")
ax1.set_title("order below, chaos above")
fig.tight_layout()
