r"""Gradient flow: Jacobian products against lag, and per-timestep loss gradients from BPTT.

``jacobian_norm[t, k]`` is :math:`\lVert \partial s_t / \partial s_{t-k} \rVert_2
= \lVert J_t J_{t-1} \cdots J_{t-k+1} \rVert_2` along the real trajectory.
``bound[k]`` is Pascanu, Mikolov & Bengio's (2013)
:math:`(\gamma\, \sigma_{max}(W_{hh}))^k` for an Elman network (one layer;
:math:`\gamma = 1` for tanh and relu, 1/4 for a logistic nonlinearity); it is
NaN for gated cells, whose Jacobians it does not bound. ``loss_grad_norm[t]``
is :math:`\lVert \partial L / \partial h_t \rVert` (and over the whole state),
backpropagated through the same Jacobians from the gradient of a loss on the outputs.
"""

import numpy as np
import xarray as xr

from .trajectory import Trajectory


def jacobians(net, x, state=None):
    """The exact step Jacobians ``J_t = ds_t/ds_{t-1}`` along the trajectory of one sequence.

    Returns an :class:`xarray.DataArray` (time, to, from) of shape (T, N, N);
    the ``layer``, ``part`` (``"h"`` or ``"c"``) and ``unit`` coordinates say
    which state component each row and column is. The LSTM state is (h, c),
    so its Jacobian is 2H x 2H per layer.

    Examples
    --------
    >>> import numpy as np, numbarnn
    >>> from numbarnn.analysis import jacobians
    >>> J = jacobians(numbarnn.LSTM(2, 3, seed=0), np.ones((5, 2)))
    >>> J.shape, J.part.values[:4].tolist()
    ((5, 6, 6), ['h', 'h', 'h', 'c'])
    """
    traj = Trajectory(net, x, state)
    J = np.stack([traj.jacobian(t) for t in range(traj.T)])
    layer, part, unit = traj.layout()
    coords = {"time": np.arange(traj.T)}
    for dim in ("to", "from"):
        coords.update({f"layer_{dim}": (dim, layer), f"part_{dim}": (dim, part), f"unit_{dim}": (dim, unit)})
    da = xr.DataArray(J, dims=("time", "to", "from"), coords=coords, name="jacobian",
                      attrs={"cell": traj.cell, "description": "J_t = d s_t / d s_(t-1)"})
    return da.assign_coords(layer=("to", layer), part=("to", part), unit=("to", unit))


def gradient_flow(net, x, state=None, max_lag=None, grad_output=None, gamma=1.0):
    """Norms of Jacobian products against lag and time, Pascanu's bound, and per-step loss gradients.

    Parameters
    ----------
    net : a unidirectional network; x : (T, input_size) one input sequence.
    max_lag : largest lag k (default T - 1).
    grad_output : (T, H) gradient of a loss with respect to the outputs; default: the loss
        ``0.5 * ||h_T||^2`` on the last output only, the classic picture of a signal travelling back.
    gamma : bound on the nonlinearity's derivative for Pascanu's bound.

    Returns
    -------
    xarray.Dataset with ``jacobian_norm`` (time, lag) (NaN where t - k < 0),
    ``bound`` (lag), ``loss_grad_norm`` (time) (the h part) and ``loss_grad_state_norm`` (time),
    and ``loss_grad_initial`` (state) for checking against ``net.backward``.

    Examples
    --------
    >>> import numpy as np, numbarnn
    >>> from numbarnn.analysis import gradient_flow, set_spectral_radius
    >>> net = set_spectral_radius(numbarnn.RNN(1, 30, seed=0), 0.5)
    >>> flow = gradient_flow(net, np.zeros((40, 1)), max_lag=30)
    >>> bool((flow.jacobian_norm.sel(time=39) <= flow.bound * (1 + 1e-9)).all())
    True
    """
    traj = Trajectory(net, x, state)
    T, N, H = traj.T, traj.N, traj.H
    K = T - 1 if max_lag is None else int(max_lag)
    if not 0 <= K < T:
        raise ValueError(f"max_lag must be in [0, {T - 1}], got {max_lag}")
    Js = [traj.jacobian(t) for t in range(T)]
    norms = np.full((T, K + 1), np.nan)
    for t in range(T):
        M = np.eye(N)
        norms[t, 0] = 1.0
        for k in range(1, min(K, t) + 1):
            M = M @ Js[t - k + 1]
            norms[t, k] = np.linalg.norm(M, 2)
    if traj.cell == "rnn" and net.num_layers == 1:
        smax = np.linalg.norm(net.params["weight_hh_l0"].astype(np.float64), 2)
        bound = (gamma * smax) ** np.arange(K + 1)
    else:
        bound = np.full(K + 1, np.nan)
    # backpropagate dL/ds_t = (direct part on the top layer's h) + J_{t+1}^T dL/ds_{t+1}
    if grad_output is None:
        grad_output = np.zeros((T, H))
        grad_output[-1] = traj.out[-1]
    grad_output = np.asarray(grad_output, dtype=np.float64).reshape(T, H)
    top = (net.num_layers - 1) * traj.per_layer * H
    g = np.zeros(N)
    gh, gs = np.zeros(T), np.zeros(T)
    for t in reversed(range(T)):
        g = g.copy()
        g[top:top + H] += grad_output[t]
        gh[t] = np.linalg.norm(g[top:top + H])
        gs[t] = np.linalg.norm(g)
        g = Js[t].T @ g
    layer, part, unit = traj.layout()
    ds = xr.Dataset({"jacobian_norm": (("time", "lag"), norms), "bound": ("lag", bound),
                     "loss_grad_norm": ("time", gh), "loss_grad_state_norm": ("time", gs),
                     "loss_grad_initial": ("state", g)},
                    coords={"time": np.arange(T), "lag": np.arange(K + 1), "layer": ("state", layer),
                            "part": ("state", part), "unit": ("state", unit)},
                    attrs={"cell": traj.cell, "gamma": gamma,
                           "description": "jacobian_norm[t, k] = ||d s_t / d s_(t-k)||_2"})
    return ds
