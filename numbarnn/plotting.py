"""Matplotlib figures (matplotlib is imported only when a function here is called)."""


def _pyplot():
    try:
        import matplotlib
        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise ImportError("plotting needs matplotlib: pip install 'numbarnn[plot]'") from err
    return plt


def plot_forecast(history, forecast, actual=None, baseline=None, title=None, path=None):
    """Plot the end of ``history``, the ``forecast`` and optionally the held-out ``actual`` and a ``baseline``.

    All arguments are 1-D DataArrays with a ``time`` coordinate. Writes a PNG
    to ``path`` when given; returns the matplotlib figure.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.plot(history.time.values, history.values, color="0.3", lw=1, label="history")
    if actual is not None:
        ax.plot(actual.time.values, actual.values, color="k", lw=1.5, label="held out")
    if baseline is not None:
        ax.plot(forecast.time.values, baseline, color="tab:orange", lw=1, ls="--", label="seasonal naive")
    ax.plot(forecast.time.values, forecast.values, color="tab:blue", lw=2, label="numbarnn forecast")
    units = history.attrs.get("units", "")
    ax.set_ylabel(f"{history.name or ''} [{units}]" if units else (history.name or ""))
    ax.set_title(title or "")
    ax.legend(loc="upper left")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def plot_backtest(y, bt, forecast=None, intervals=None, title=None, path=None):
    """The series ``y`` (1-D DataArray over ``time``) with the forecast from every origin of a backtest.

    ``bt`` is a :func:`numbarnn.backtest` Dataset of one series (dims ``origin``, ``step``), its
    ``origin`` coordinate the time stamps of ``y``. ``forecast`` is an optional forecast past the
    end of ``y`` (a DataArray over ``time``); ``intervals`` optionally maps a label to
    ``(lower, upper)`` DataArrays over ``time`` (e.g. from :func:`numbarnn.conformal_interval`),
    drawn as shaded bands. Writes a PNG to ``path`` when given; returns the figure.
    """
    import numpy as np
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 4))
    times = y.time.values
    ax.plot(times, y.values, color="0.3", lw=1, label="observed")
    position = {t: i for i, t in enumerate(times)}
    for k, origin in enumerate(bt.origin.values):
        i = position[origin]
        steps = times[i:i + bt.sizes["step"]]
        colour = plt.cm.viridis(k / max(1, bt.sizes["origin"] - 1))
        ax.plot(steps, bt.forecast.values[k, :steps.shape[0]], color=colour, lw=1.5,
                label="forecast from each origin" if k == 0 else None)
    for alpha, (label, (lower, upper)) in zip(np.linspace(0.35, 0.15, max(1, len(intervals or {}))),
                                              (intervals or {}).items()):
        ax.fill_between(lower.time.values, lower.values, upper.values, color="tab:blue", alpha=alpha, lw=0,
                        label=label)
    if forecast is not None:
        ax.plot(forecast.time.values, forecast.values, color="tab:blue", lw=2, label="forecast")
    units = y.attrs.get("units", "")
    ax.set_ylabel(f"{y.name or ''} [{units}]" if units else (y.name or ""))
    ax.set_title(title or "")
    ax.legend(loc="upper left", fontsize=8)
    return _finish(fig, path)


def _finish(fig, path):
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def plot_eigenvalues(net, layer=0, direction=0, ax=None, path=None):
    """Eigenvalues of each H x H recurrent block (one colour per gate) in the complex plane, with the unit circle."""
    import numpy as np
    plt = _pyplot()
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(4.5, 4.5))
    H = net.hidden_size
    W = net.params[f"weight_hh_l{layer}" + ("_reverse" if direction else "")].astype(float)
    theta = np.linspace(0, 2 * np.pi, 400)
    ax.plot(np.cos(theta), np.sin(theta), color="0.5", lw=1, ls="--", label="unit circle")
    for g, name in enumerate(net.cell.gate_names):
        ev = np.linalg.eigvals(W[g * H:(g + 1) * H])
        ax.scatter(ev.real, ev.imag, s=10, label=name if name != "hidden" else "W_hh")
    ax.set_aspect("equal")
    ax.set_xlabel("Re")
    ax.set_ylabel("Im")
    ax.set_title(f"eigenvalues of W_hh (layer {layer})")
    ax.legend(loc="upper right", fontsize=8)
    return _finish(fig, path)


def plot_gradient_flow(flows, time=None, ax=None, path=None):
    """``||ds_t/ds_(t-k)||`` against lag k on a log scale, with Pascanu's bound where defined.

    ``flows``: one result of :func:`numbarnn.analysis.gradient_flow`, or a dict label -> result.
    ``time``: the end step t (default: the last).
    """
    import numpy as np
    plt = _pyplot()
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(6, 4))
    flows = flows if isinstance(flows, dict) else {"": flows}
    for label, flow in flows.items():
        t = flow.time.values[-1] if time is None else time
        line, = ax.semilogy(flow.lag, flow.jacobian_norm.sel(time=t), label=label or "||ds_t/ds_(t-k)||")
        if np.isfinite(flow.bound).any():
            ax.semilogy(flow.lag, flow.bound, ls=":", color=line.get_color(), lw=1)
    ax.set_xlabel("lag k (steps)")
    ax.set_ylabel("Jacobian product norm")
    ax.set_title("gradient flow (dotted: Pascanu bound)")
    ax.legend(fontsize=8)
    return _finish(fig, path)


def plot_lag_heatmap(flow, ax=None, path=None):
    """log10 ``||ds_t/ds_(t-k)||`` as a (time, lag) heatmap."""
    import numpy as np
    plt = _pyplot()
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(6, 4))
    im = ax.pcolormesh(flow.time, flow.lag, np.log10(flow.jacobian_norm.T), shading="auto", cmap="viridis")
    fig.colorbar(im, ax=ax, label="log10 norm")
    ax.set_xlabel("time t")
    ax.set_ylabel("lag k")
    ax.set_title("||ds_t / ds_(t-k)||")
    return _finish(fig, path)


def plot_lyapunov(spectra, ax=None, path=None):
    """Lyapunov exponents against their index (one result or a dict label -> result), with zero marked."""
    plt = _pyplot()
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(6, 4))
    spectra = spectra if isinstance(spectra, dict) else {"": spectra}
    for label, spec in spectra.items():
        ax.plot(spec.index, spec.exponents, marker=".", label=label or None)
    ax.axhline(0, color="0.4", lw=1)
    ax.set_xlabel("index i")
    ax.set_ylabel("lambda_i (nats / step)")
    ax.set_title("Lyapunov spectrum")
    if any(spectra):
        ax.legend(fontsize=8)
    return _finish(fig, path)


def plot_attention(weights, source, target, ax=None, path=None):
    """An attention map: ``weights`` (target steps, source steps) from
    :meth:`numbarnn.Seq2Seq.attention_weights`, the source symbols along x and the target's
    (with ``<eos>`` last) along y; a bright cell is where the decoder looked while writing."""
    plt = _pyplot()
    source, target = list(source), list(target) + ["<eos>"]
    if weights.shape != (len(target), len(source)):
        raise ValueError(f"weights has shape {weights.shape}; for {len(source)} source symbols and {len(target)} "
                         f"target symbols (with <eos>) expected ({len(target)}, {len(source)})")
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(0.4 * len(source) + 2,
                                                                           0.4 * len(target) + 1.5))
    im = ax.imshow(weights, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(source)), source)
    ax.set_yticks(range(len(target)), target)
    ax.set_xlabel("source")
    ax.set_ylabel("output")
    fig.colorbar(im, ax=ax, label="attention weight")
    return _finish(fig, path)
