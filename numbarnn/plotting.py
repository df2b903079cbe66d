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
