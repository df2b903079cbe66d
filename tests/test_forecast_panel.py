"""benchmarks/forecast_panel.py: the earlier split that --origin-back holds out, the short series of --max-train."""

import json

import pytest

import forecast_panel

QUICK = ["--series", "co2_annual", "--no-baselines", "--seeds", "0",
         "--forecaster-kwargs", '{"epochs": 1, "n_models": 1}']


def _record(tmp_path, *extra):
    out = tmp_path / f"panel{len(extra)}.json"
    assert forecast_panel.main(QUICK + ["--out", str(out), *extra]) == 0
    return json.loads(out.read_text())


def test_origin_back_holds_out_an_earlier_horizon(tmp_path):
    default, earlier = _record(tmp_path), _record(tmp_path, "--origin-back", "1")
    a, b = default["series"][0], earlier["series"][0]
    assert (default["origin_back"], earlier["origin_back"]) == (0, 1)
    assert a["h"] == b["h"] == 6 and b["length"] == a["length"] - 6
    assert int(b["end"][:4]) == int(a["end"][:4]) - 6
    assert "mase" in b["methods"]["numbarnn"]
    with pytest.raises(SystemExit, match="--origin-back 0, this run has 1"):
        forecast_panel.main(QUICK + ["--origin-back", "1", "--baselines-from", str(tmp_path / "panel0.json")])
    with pytest.raises(SystemExit, match="give 0"):
        forecast_panel.main(QUICK + ["--origin-back", "-1"])


def test_max_train_keeps_the_most_recent_points(tmp_path):
    full = _record(tmp_path)["series"][0]
    short = _record(tmp_path, "--max-train", "126", "44", "20")
    rec = short["series"][0]
    assert short["max_train"] == [126, 44, 20] and rec["length"] == 20 + 6 and rec["end"] == full["end"]
    assert "mase" in rec["methods"]["numbarnn"]
    with pytest.raises(SystemExit, match="--max-train None, this run has"):
        forecast_panel.main(QUICK + ["--max-train", "126", "44", "20",
                                     "--baselines-from", str(tmp_path / "panel0.json")])
    with pytest.raises(SystemExit, match="three positive lengths"):
        forecast_panel.main(QUICK + ["--max-train", "126", "0", "20"])


def test_check_panel_runs_series_nothing_was_tuned_on(tmp_path):
    pytest.importorskip("statsmodels")
    out = tmp_path / "check.json"
    args = ["--panel", "check", "--series", "grunfeld_ibm", "--no-baselines", "--seeds", "0",
            "--forecaster-kwargs", '{"epochs": 1, "n_models": 1}', "--out", str(out)]
    assert forecast_panel.main(args) == 0
    saved = json.loads(out.read_text())
    rec = saved["series"][0]
    assert saved["panel"] == "check" and (rec["m"], rec["h"], rec["length"]) == (1, 6, 20)
    assert "mase" in rec["methods"]["numbarnn"]
    with pytest.raises(SystemExit, match="unknown series: co2"):
        forecast_panel.main(["--panel", "check", "--series", "co2", "--no-baselines"])
    _record(tmp_path)  # a dev-panel file, panel0.json
    with pytest.raises(SystemExit, match="--panel dev, this run has check"):
        forecast_panel.main(["--panel", "check", "--series", "grunfeld_ibm", "--no-baselines",
                             "--baselines-from", str(tmp_path / "panel0.json")])
