r"""Spectral radius and largest singular value of the recurrent weights.

For each layer and direction, :func:`spectral_radius` reports
:math:`\rho(W_{hh}) = \max |\lambda_i|` and :math:`\sigma_{max}(W_{hh})` for
the whole stacked matrix (its square part is not defined for gated cells, so
there the whole (G*H, H) block is summarised by its singular value, and each
H x H gate block by both). :math:`\rho \le \sigma_{max}` always; for a tanh
RNN :math:`\sigma_{max} < 1` is sufficient for vanishing gradients (Pascanu et al. 2013).
"""

import numpy as np
import xarray as xr


def _names(net, layer, direction):
    return f"weight_hh_l{layer}" + ("_reverse" if direction else "")


def spectral_radius(net):
    """Spectral radius and largest singular value of every recurrent weight block.

    Returns
    -------
    xarray.Dataset with dims ``(layer, direction, gate)``: ``spectral_radius``
    and ``sigma_max`` of each H x H gate block of ``weight_hh`` (the whole
    matrix for the RNN), and ``sigma_max_stacked`` (layer, direction) of the
    full (G*H, H) matrix.

    Examples
    --------
    >>> import numpy as np, numbarnn
    >>> from numbarnn.analysis import spectral_radius, set_spectral_radius
    >>> net = set_spectral_radius(numbarnn.RNN(1, 50, seed=0), 0.9)
    >>> float(spectral_radius(net)["spectral_radius"].sel(layer=0, direction=0, gate="hidden").round(6))
    0.9
    """
    gates = net.cell.gate_names
    H = net.hidden_size
    dirs = net.num_directions
    rho = np.zeros((net.num_layers, dirs, len(gates)))
    smax = np.zeros_like(rho)
    stacked = np.zeros((net.num_layers, dirs))
    for layer in range(net.num_layers):
        for d in range(dirs):
            W = net.params[_names(net, layer, d)].astype(np.float64)
            stacked[layer, d] = np.linalg.norm(W, 2)
            for g in range(len(gates)):
                block = W[g * H:(g + 1) * H]
                rho[layer, d, g] = np.abs(np.linalg.eigvals(block)).max()
                smax[layer, d, g] = np.linalg.norm(block, 2)
    coords = {"layer": np.arange(net.num_layers), "direction": np.arange(dirs), "gate": list(gates)}
    return xr.Dataset({"spectral_radius": (("layer", "direction", "gate"), rho),
                       "sigma_max": (("layer", "direction", "gate"), smax),
                       "sigma_max_stacked": (("layer", "direction"), stacked)}, coords=coords,
                      attrs={"cell": type(net).__name__, "hidden_size": H})


def set_spectral_radius(net, rho, gate=None):
    """Rescale recurrent weights in place so each (gate) block has spectral radius ``rho``; return ``net``.

    ``gate`` picks one block of a gated cell (e.g. ``"f"``); by default every
    block of every layer and direction is rescaled. A block with radius 0 is
    left unchanged.
    """
    if not rho >= 0:
        raise ValueError(f"the target spectral radius must be >= 0, got {rho!r}")
    gates = net.cell.gate_names
    if gate is not None and gate not in gates:
        raise ValueError(f"unknown gate {gate!r} for {type(net).__name__}; expected one of {gates}")
    H = net.hidden_size
    for layer in range(net.num_layers):
        for d in range(net.num_directions):
            W = net.params[_names(net, layer, d)]
            for g, name in enumerate(gates):
                if gate is not None and name != gate:
                    continue
                block = W[g * H:(g + 1) * H]
                current = np.abs(np.linalg.eigvals(block.astype(np.float64))).max()
                if current > 0:
                    block *= block.dtype.type(rho / current)
    return net
