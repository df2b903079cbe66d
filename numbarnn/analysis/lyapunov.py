r"""Lyapunov exponents by the QR (Benettin) method.

:math:`\lambda_i = \lim_{T\to\infty} \frac1T \ln \sigma_i(J_T \cdots J_1)`, in
nats per step. A random orthonormal frame Q (N, k) is pushed through the step
Jacobians, ``Q <- J_t Q``, and re-orthonormalised every ``t_ons`` steps
(``Q = Q'R`` with ``diag(R) > 0``); after a frame warm-up the logs of
``|R_ii|`` are summed and divided by the number of steps counted.
"""

import numpy as np
import xarray as xr

from .trajectory import Trajectory


def qr_exponents(apply, n, steps, k=None, t_ons=1, frame_warmup=0, seed=0):
    """Exponents of the product of step maps ``apply(t, Q) -> J_t Q`` (t = 0 .. steps-1), sorted descending.

    Parameters
    ----------
    apply : callable (t, Q) -> J_t Q for an (n, k) frame.
    n : int, state dimension. k : number of exponents (default n).
    steps, t_ons, frame_warmup : steps in all, re-orthonormalisation interval, steps not counted at the start.
    seed : seeds the random initial frame.

    Examples
    --------
    >>> import numpy as np
    >>> from numbarnn.analysis import qr_exponents
    >>> W = np.diag([0.5, 2.0])
    >>> np.round(qr_exponents(lambda t, Q: W @ Q, 2, 200, frame_warmup=20), 6).tolist()   # ln 2, ln 0.5
    [0.693147, -0.693147]
    """
    k = n if k is None else int(k)
    if not 1 <= k <= n:
        raise ValueError(f"the number of exponents must be in [1, {n}], got {k}")
    if not 1 <= t_ons:
        raise ValueError(f"t_ons must be >= 1, got {t_ons}")
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, k)))
    total = np.zeros(k)
    counted = 0
    for t in range(steps):
        Q = apply(t, Q)
        if (t + 1) % t_ons == 0 or t == steps - 1:
            Q, R = np.linalg.qr(Q)
            d = np.diag(R).copy()
            signs = np.where(d < 0, -1.0, 1.0)
            Q *= signs  # keep diag(R) > 0 so the frame stays continuous
            if t >= frame_warmup:
                total += np.log(np.abs(d) + 1e-300)
                span = (t + 1) - max(frame_warmup, (t + 1) - ((t % t_ons) + 1))
                counted += span
    return np.sort(total / max(counted, 1))[::-1]


def kaplan_yorke(exponents):
    r"""Kaplan-Yorke dimension of a descending spectrum, :math:`k + \sum_{i \le k} \lambda_i / |\lambda_{k+1}|`.

    ``k`` is the largest index whose partial sum is still >= 0 (0 if the top exponent is negative,
    the full length if every partial sum is >= 0).

    Examples
    --------
    >>> import numpy as np
    >>> from numbarnn.analysis import kaplan_yorke
    >>> kaplan_yorke(np.array([0.2, -0.1, -0.4]))   # 2 + 0.1 / 0.4
    2.25
    """
    s = np.cumsum(exponents)
    if exponents[0] < 0:
        return 0.0
    if np.all(s >= 0):
        return float(len(exponents))
    k = int(np.flatnonzero(s >= 0)[-1]) + 1
    return float(k + s[k - 1] / abs(exponents[k]))


def lyapunov_spectrum(net, x=None, state=None, steps=2000, warmup=500, n_exponents=None, t_ons=1,
                      frame_warmup=None, seed=0):
    """Lyapunov spectrum of a network along its input-driven trajectory, or autonomously (zero input).

    Parameters
    ----------
    net : a unidirectional :class:`numbarnn.RNN`, ``LSTM`` or ``GRU``.
    x : (T, input_size) inputs, or ``None`` for zero input over ``warmup + steps`` steps.
        With inputs, the first ``warmup`` of them warm the state up and the rest are analysed.
    state : initial state (``None``: zeros, or a small random state for autonomous runs so a
        zero fixed point does not hide the dynamics).
    n_exponents : how many exponents (default: the full state dimension N).
    t_ons : re-orthonormalisation interval (small keeps Q well conditioned).
    frame_warmup : steps at the start not counted while the frame aligns (default 10 %).
    seed : seeds the random initial frame (and the autonomous initial state).

    Returns
    -------
    xarray.Dataset: ``exponents`` (index), ``kaplan_yorke_dimension``, ``entropy_rate`` (the sum of
    the positive exponents, the Kolmogorov-Sinai entropy by Pesin's formula), all in nats per step.

    Examples
    --------
    >>> import numbarnn
    >>> from numbarnn.analysis import lyapunov_spectrum, set_spectral_radius, spectral_radius
    >>> net = set_spectral_radius(numbarnn.RNN(1, 20, bias=False, dtype="float64", seed=0), 0.8)
    >>> spec = lyapunov_spectrum(net, steps=3000, warmup=200, n_exponents=3)
    >>> round(float(spec.exponents[0]), 4)  # = ln 0.8: the trajectory sits at the origin, where J = W
    -0.2231
    """
    rng = np.random.default_rng(seed)
    if x is None:
        if state is None:
            shape = (net.num_layers, net.hidden_size)
            h = 0.5 * rng.standard_normal(shape)
            state = (h, 0.5 * rng.standard_normal(shape)) if net.cell.has_cell_state else h
        x_all = np.zeros((warmup + steps, net.input_size))
    else:
        x_all = np.asarray(x, dtype=np.float64)
        if x_all.ndim != 2:
            raise ValueError(f"x must be one sequence (T, input_size); got shape {x_all.shape}")
        if x_all.shape[0] <= warmup:
            raise ValueError(f"x has {x_all.shape[0]} steps; more than warmup={warmup} are needed")
        steps = x_all.shape[0] - warmup
    if warmup:
        pre = Trajectory(net, x_all[:warmup], state)
        state = pre.final
    traj = Trajectory(net, x_all[warmup:], state)
    frame_warmup = int(0.1 * steps) if frame_warmup is None else frame_warmup
    exps = qr_exponents(traj.apply, traj.N, steps, n_exponents, t_ons, frame_warmup, seed)
    return xr.Dataset({"exponents": ("index", exps),
                       "kaplan_yorke_dimension": kaplan_yorke(exps),
                       "entropy_rate": float(exps[exps > 0].sum())},
                      coords={"index": np.arange(1, len(exps) + 1)},
                      attrs={"units": "nats per step", "steps": steps, "warmup": warmup, "t_ons": t_ons,
                             "state_dimension": traj.N, "autonomous": int(x is None)})
