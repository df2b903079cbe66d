"""The NumPy peer timed in benchmarks/ computes what numbarnn computes (float64)."""

import numpy as np
import pytest

from helpers import make_net
from numpy_peer import backward as np_backward, forward as np_forward


@pytest.mark.parametrize("cell,nonlinearity", [("rnn", "tanh"), ("rnn", "relu"), ("lstm", None), ("gru", None)])
def test_numpy_peer_matches_numbarnn(cell, nonlinearity):
    rng = np.random.default_rng(0)
    net = make_net(cell, nonlinearity, 3, 5, num_layers=2, dtype="float64", seed=1)
    x = rng.standard_normal((6, 4, 3))
    g = rng.standard_normal((6, 4, 5))
    out, _, tape = net.forward(x)
    grads = net.backward(tape, g)
    p_out, caches = np_forward(cell, net.params, x, 2, nonlinearity or "tanh")
    p_grads, p_dx = np_backward(cell, net.params, caches, g, nonlinearity or "tanh")
    np.testing.assert_allclose(out, p_out, rtol=1e-12, atol=1e-13)
    for name, value in p_grads.items():
        np.testing.assert_allclose(grads[name], value, rtol=1e-10, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(grads["input"], p_dx, rtol=1e-10, atol=1e-12)


def test_gpu_table_renders_saved_results():
    """benchmarks/gpu.py renders a saved H100 run, with the recurrence-kernel column where it was measured."""
    import json
    import pathlib

    import gpu
    path = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "gpu-h100.json"
    results = json.loads(path.read_text())
    results["rows"][0]["numbarnn"]["kernel_ms"] = 1.5
    lines = gpu.render(results).splitlines()
    assert "of which recurrence kernels" in lines[2]
    rows = [line for line in lines if line.startswith("| lstm |")]
    assert len(rows) == sum(r["cell"] == "lstm" for r in results["rows"])
    assert "| 1.500 |" in rows[0] and "| - |" in rows[1]


def test_kernel_table_sets_each_ratio_beside_the_lowest_the_peak_allows(tmp_path):
    """benchmarks/render.py: numbarnn / torch, and what that ratio would be at the run's sgemm peak."""
    import json

    import render
    from shapes import flops
    work = flops("gru", "wide", "forward_backward")

    def bench(peer, seconds, **info):
        return {"stats": {"median": seconds}, "extra_info": dict(info, peer=peer)}
    runs = {"numbarnn": [bench("numbarnn", 0.2, cell="gru", shape="wide", mode="forward_backward", flops=work)],
            "torch": [bench("torch", 0.25, cell="gru", shape="wide", mode="forward_backward", flops=work),
                      bench("torch", 2e9 / 100e9, kind="peak", flops=2e9)]}   # a 100 GFLOP/s peak
    for peer, benchmarks in runs.items():
        (tmp_path / f"{peer}-t2-unset-r0.json").write_text(json.dumps({"benchmarks": benchmarks}))
    row = [line for line in render.render(tmp_path).splitlines() if line.startswith("| gru |")]
    cells = [c.strip() for c in row[0].strip("|").split("|")]
    assert cells[-2] == "0.80"   # numbarnn / torch
    assert cells[-1] == f"{work / 100e9 / 0.25:.2f}"   # at 100 GFLOP/s numbarnn would take work / 1e11 s
    assert cells[-3] == f"{100 * work / 0.2 / 1e9 / 100:.0f}%"
