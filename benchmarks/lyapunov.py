"""Lyapunov spectra of random tanh networks: theory against measurement, and the time of a full spectrum.

Usage: ``python benchmarks/lyapunov.py``. For W ~ N(0, g^2/N), N = 500, zero
input, 2000 steps after 500 of warm-up: the top exponent for seeds 0-5 beside
the mean-field value, then the full 500-exponent spectrum's wall time.
"""

import time

import numpy as np

import numbarnn
from numbarnn.analysis import edge_of_chaos, lyapunov_spectrum


def random_tanh(N, g, seed):
    net = numbarnn.RNN(1, N, bias=False, dtype="float64", seed=seed)
    net.params["weight_hh_l0"] = g * np.random.default_rng(seed).standard_normal((N, N)) / np.sqrt(N)
    return net


def main():
    for g in (0.8, 2.0, 3.0):
        vals = [float(lyapunov_spectrum(random_tanh(500, g, s), steps=2000, warmup=500, n_exponents=1,
                                        seed=s).exponents[0]) for s in range(6)]
        print(f"g={g}: mean field {edge_of_chaos(g)[0]:.4f}; measured {min(vals):.4f} .. {max(vals):.4f} "
              f"(mean {np.mean(vals):.4f})")
    for t_ons in (1, 5):
        start = time.perf_counter()
        spec = lyapunov_spectrum(random_tanh(500, 2.0, 0), steps=2000, warmup=500, t_ons=t_ons)
        print(f"full spectrum, N=500, 2000 steps, t_ons={t_ons}: {time.perf_counter() - start:.1f} s "
              f"(lambda_1 {float(spec.exponents[0]):.4f}, Kaplan-Yorke {float(spec.kaplan_yorke_dimension):.1f}, "
              f"entropy rate {float(spec.entropy_rate):.3f} nats/step)")


if __name__ == "__main__":
    main()
