"""The figures draw what they are given (matplotlib's Agg backend; skipped without matplotlib)."""

import numpy as np
import pytest

import numbarnn
from numbarnn import plotting
from numbarnn.analysis import gradient_flow, lyapunov_spectrum

pytest.importorskip("matplotlib")


def test_analysis_figures(tmp_path):
    net = numbarnn.LSTM(1, 8, seed=0)
    x = np.random.default_rng(0).standard_normal((30, 1))
    flow = gradient_flow(net, x, max_lag=20)
    rnn_flow = gradient_flow(numbarnn.RNN(1, 8, seed=0), x, max_lag=20)
    fig = plotting.plot_eigenvalues(net, path=tmp_path / "eig.png")
    assert len(fig.axes[0].collections) == 4  # one scatter per gate
    fig = plotting.plot_gradient_flow({"lstm": flow, "rnn": rnn_flow}, path=tmp_path / "flow.png")
    assert len(fig.axes[0].lines) == 3  # two curves and the RNN's bound
    plotting.plot_lag_heatmap(flow, path=tmp_path / "heat.png")
    plotting.plot_lyapunov({"lstm": lyapunov_spectrum(net, x, warmup=5)}, path=tmp_path / "lyap.png")
    for name in ("eig", "flow", "heat", "lyap"):
        assert (tmp_path / f"{name}.png").read_bytes()[:4] == b"\x89PNG"


def test_backtest_figure(tmp_path):
    import pandas as pd
    import xarray as xr
    t = pd.date_range("2000-01-01", periods=48, freq="MS", name="time")
    y = xr.DataArray(10 + np.sin(np.arange(48) / 2), dims="time", coords={"time": t}, name="level")
    f = numbarnn.Forecaster(hidden_size=4, horizon=3, epochs=2, n_models=1, random_state=0)
    bt = numbarnn.backtest(f, y[:42], start=30, stride=3, retrain=False)
    forecast = f.fit(y[:42]).predict()
    bands = {f"{level:.0%}": numbarnn.conformal_interval(bt, forecast, level) for level in (0.8, 0.95)}
    fig = plotting.plot_backtest(y[:42], bt, forecast=forecast, intervals=bands, path=tmp_path / "bt.png")
    assert len(fig.axes[0].lines) == 2 + bt.sizes["origin"] and len(fig.axes[0].collections) == 2
    assert (tmp_path / "bt.png").read_bytes()[:4] == b"\x89PNG"


def test_attention_map(tmp_path):
    w = np.full((4, 3), 1 / 3)
    fig = plotting.plot_attention(w, "abc", "cba", path=tmp_path / "att.png")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["c", "b", "a", "<eos>"]
    assert (tmp_path / "att.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match=r"expected \(4, 2\)"):
        plotting.plot_attention(w, "ab", "cba")
