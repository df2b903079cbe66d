"""The command line: check, demo, fit and predict on files."""

import io

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import numbarnn
from numbarnn import cli


def test_check_reports_ok():
    out = io.StringIO()
    assert cli.check(out) == 0
    text = out.getvalue()
    assert "OK" in text
    for name in ("rnn_tanh", "rnn_relu", "lstm", "gru"):
        assert f"  {name}" in text


def test_gradient_error_is_small_for_every_cell():
    for cls, kwargs in cli._CELLS.values():
        assert cli.gradient_error(cls, kwargs) < 1e-6


def test_demo_writes_forecast_and_plot(tmp_path):
    out = io.StringIO()
    scores = cli.demo(tmp_path, out, epochs=3)
    text = out.getvalue()
    assert "seasonal naive" in text and "MASE" in text
    assert scores["naive_mase"] == pytest.approx(1.4496, abs=1e-3)  # the figure the issue quotes
    with xr.open_dataset(tmp_path / "co2_forecast.nc", engine="scipy") as ds:
        assert ds["co2_forecast"].sizes["time"] == 24
        assert str(ds.time.values[0])[:7] == "2000-01"
    if (tmp_path / "co2_forecast.png").exists():
        assert (tmp_path / "co2_forecast.png").read_bytes()[:4] == b"\x89PNG"


def test_fit_and_predict_files(tmp_path, capsys):
    idx = pd.date_range("2000-01-01", periods=80, freq="MS", name="time")
    df = pd.DataFrame({"level": 5 + np.sin(np.arange(80) / 2), "other": np.arange(80.0)}, index=idx)
    df.to_csv(tmp_path / "data.csv")
    args = ["fit", str(tmp_path / "data.csv"), "--var", "level", "--model", str(tmp_path / "m.nc"),
            "--lookback", "12", "--horizon", "6", "--epochs", "2", "--hidden-size", "8", "--seed", "0"]
    assert cli.main(args) == 0
    assert cli.main(["predict", str(tmp_path / "m.nc"), "--out", str(tmp_path / "f.csv"), "--device", "cpu"]) == 0
    f = pd.read_csv(tmp_path / "f.csv", index_col=0)
    assert len(f) == 6 and f.index[0].startswith("2006-09-01")
    xr.Dataset({"sst": df["level"].to_xarray()}).to_netcdf(tmp_path / "data.nc", engine="scipy")
    assert cli.main(["fit", str(tmp_path / "data.nc"), "--model", str(tmp_path / "n.nc"), "--lookback", "12",
                     "--epochs", "1", "--hidden-size", "4", "--device", "cpu"]) == 0
    assert cli.main(["predict", str(tmp_path / "n.nc"), "--horizon", "3", "--out", str(tmp_path / "g.nc")]) == 0
    with xr.open_dataset(tmp_path / "g.nc", engine="scipy") as ds:
        assert ds["sst"].sizes["time"] == 3
    with pytest.raises(ValueError, match="--var 'nope' is not one"):
        cli.read_series(tmp_path / "data.csv", "nope")
    with pytest.raises(ValueError, match="unknown file type '.txt'"):
        cli.read_series(tmp_path / "data.txt")
    with pytest.raises(SystemExit):
        cli.main(["predict", str(tmp_path / "n.nc"), "--out", str(tmp_path / "h.nc"), "--device", "gpu"])
    assert "invalid choice: 'gpu'" in capsys.readouterr().err


def test_fit_tagger_and_tag_a_text_file(tmp_path, capsys):
    rows = []
    for _ in range(30):
        rows += ["# a comment", "the\tDET", "dog\tNOUN", "runs\tVERB", "", "a\tDET", "cat\tNOUN", "sleeps\tVERB", ""]
    (tmp_path / "train.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert cli.main(["fit-tagger", str(tmp_path / "train.tsv"), "--model", str(tmp_path / "t.nc"), "--epochs", "25",
                     "--hidden-size", "8", "--seed", "0"]) == 0
    (tmp_path / "in.txt").write_text("the cat runs\n\na  cat sleeps\n", encoding="utf-8")
    assert cli.main(["tag", str(tmp_path / "t.nc"), str(tmp_path / "in.txt"), "--out", str(tmp_path / "out.tsv")]) == 0
    assert (tmp_path / "out.tsv").read_text(encoding="utf-8").split("\n") == [
        "the\tDET", "cat\tNOUN", "runs\tVERB", "", "", "a\tDET", "cat\tNOUN", "sleeps\tVERB", "", ""]
    capsys.readouterr()
    assert cli.main(["tag", str(tmp_path / "t.nc"), str(tmp_path / "in.txt")]) == 0
    assert capsys.readouterr().out.startswith("the\tDET\ncat\tNOUN\n")
    (tmp_path / "bad.tsv").write_text("the DET\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1: expected FORM<TAB>TAG"):
        cli.read_tagged(tmp_path / "bad.tsv")
    cli.main(["fit", str(_series_csv(tmp_path)), "--model", str(tmp_path / "f.nc"), "--lookback", "6", "--epochs", "1",
              "--hidden-size", "4"])
    with pytest.raises(SystemExit, match="holds a Forecaster, not a SequenceTagger"):
        cli.main(["tag", str(tmp_path / "f.nc"), str(tmp_path / "in.txt")])


def _series_csv(tmp_path):
    idx = pd.date_range("2000-01-01", periods=40, freq="MS", name="time")
    pd.DataFrame({"level": np.sin(np.arange(40) / 2)}, index=idx).to_csv(tmp_path / "s.csv")
    return tmp_path / "s.csv"


def test_fit_lm_and_generate(tmp_path, capsys):
    (tmp_path / "text.txt").write_text("abcde" * 3000, encoding="utf-8")
    assert cli.main(["fit-lm", str(tmp_path / "text.txt"), "--model", str(tmp_path / "lm.nc"), "--epochs", "4",
                     "--hidden-size", "24", "--seed", "0"]) == 0
    capsys.readouterr()
    assert cli.main(["generate", str(tmp_path / "lm.nc"), "--prompt", "abc", "--max-length", "7",
                     "--strategy", "greedy"]) == 0
    assert capsys.readouterr().out == "abcdeabcde\n"
    assert cli.main(["generate", str(tmp_path / "lm.nc"), "--prompt", "ab", "--max-length", "5",
                     "--temperature", "0.7", "--top-k", "3", "--seed", "1"]) == 0
    assert len(capsys.readouterr().out) == len("ab") + 5 + 1
    (tmp_path / "t.tsv").write_text("the\tDET\ndog\tNOUN\n\n" * 20, encoding="utf-8")
    cli.main(["fit-tagger", str(tmp_path / "t.tsv"), "--model", str(tmp_path / "t.nc"), "--epochs", "1",
              "--hidden-size", "4"])
    with pytest.raises(SystemExit, match="holds a SequenceTagger, not a LanguageModel"):
        cli.main(["generate", str(tmp_path / "t.nc")])


def test_translate_a_text_file(tmp_path, capsys):
    from numbarnn.datasets import reverse
    src, tgt = reverse(1200, 2, 5, alphabet="abcde", seed=0)
    numbarnn.Seq2Seq(embedding_dim=8, hidden_size=32, epochs=25, random_state=0).fit(src, tgt).save(tmp_path / "r.nc")
    (tmp_path / "in.txt").write_text("abcd\n\nedd\n", encoding="utf-8")
    assert cli.main(["translate", str(tmp_path / "r.nc"), str(tmp_path / "in.txt"), "--out",
                     str(tmp_path / "out.txt")]) == 0
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "dcba\ndde\n"
    capsys.readouterr()
    assert cli.main(["translate", str(tmp_path / "r.nc"), str(tmp_path / "in.txt"), "--beam-width", "3"]) == 0
    assert capsys.readouterr().out == "dcba\ndde\n"
    with pytest.raises(SystemExit, match="not a Seq2Seq"):
        cli.main(["translate", str(_fitted_forecaster(tmp_path)), str(tmp_path / "in.txt")])


def _fitted_forecaster(tmp_path):
    cli.main(["fit", str(_series_csv(tmp_path)), "--model", str(tmp_path / "f.nc"), "--lookback", "6", "--epochs", "1",
              "--hidden-size", "4"])
    return tmp_path / "f.nc"
