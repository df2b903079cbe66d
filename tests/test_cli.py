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
    assert "OK" in text and "KiB of L2" in text and "weight gradients read dz" in text
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
    with pytest.raises(SystemExit) as exit_:
        cli.main(["predict", str(tmp_path / "n.nc"), "--out", str(tmp_path / "h.nc"), "--device", "gpu"])
    assert exit_.value.code == 2
    assert "invalid choice 'gpu' (choose from cpu, cuda)" in capsys.readouterr().err


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
    capsys.readouterr()
    assert cli.main(["tag", str(tmp_path / "f.nc"), str(tmp_path / "in.txt")]) == 2
    assert "holds a Forecaster, not a SequenceTagger" in capsys.readouterr().err


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
    capsys.readouterr()
    assert cli.main(["generate", str(tmp_path / "t.nc")]) == 2
    assert "holds a SequenceTagger, not a LanguageModel" in capsys.readouterr().err


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
    path = _fitted_forecaster(tmp_path)
    capsys.readouterr()
    assert cli.main(["translate", str(path), str(tmp_path / "in.txt")]) == 2
    assert "not a Seq2Seq" in capsys.readouterr().err


def _fitted_forecaster(tmp_path):
    cli.main(["fit", str(_series_csv(tmp_path)), "--model", str(tmp_path / "f.nc"), "--lookback", "6", "--epochs", "1",
              "--hidden-size", "4"])
    return tmp_path / "f.nc"


def _error(argv, capsys):
    """Run the command line expecting a user error: exit status 2 and one line on standard error."""
    capsys.readouterr()
    try:
        status = cli.main(argv)
    except SystemExit as exit_:  # argparse's own errors
        status = exit_.code
    captured = capsys.readouterr()
    assert status == 2, captured
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("numbarnn: error: "), captured.err
    assert captured.out == ""
    return lines[0]


def test_every_user_mistake_is_one_line_and_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    csv = _series_csv(tmp_path)
    (tmp_path / "corrupt.nc").write_bytes(b"\x89HDF\r\n not really a model")
    (tmp_path / "notes.txt").write_text("1,2\n", encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    cases = [
        (["predict", "missing.nc", "--out", "f.nc"], "model file 'missing.nc' does not exist"),
        (["predict", "corrupt.nc", "--out", "f.nc"], "not a readable numbarnn model file"),
        (["fit", "missing.csv", "--model", "m.nc"], "data file 'missing.csv' does not exist"),
        (["fit", str(csv), "--model", "m.nc", "--var", "nope"], "--var 'nope' is not one"),
        (["fit", "notes.txt", "--model", "m.nc"], "unknown file type '.txt'; give a .nc or .csv file"),
        (["fit", str(csv), "--model", "m.nc", "--cell", "lstn"], "did you mean 'lstm'?"),
        (["fit", str(csv), "--model", "m.nc", "--lookback", "500", "--epochs", "1"], "lower horizon or lookback"),
        (["fit", str(csv), "--model", "m.pkl"], "--model 'm.pkl': unknown suffix '.pkl'; give a file name ending in "
                                                ".nc"),
        (["fit", str(csv), "--model", "nowhere/m.nc"], "the folder 'nowhere' does not exist"),
        (["fit", str(csv), "--model", "m.nc", "--epochs", "0"], "argument --epochs: '0' is not positive"),
        (["predict", "corrupt.nc", "--out", "f.parquet"], "unknown suffix '.parquet'; give a file name ending in .nc "
                                                           "or .csv"),
        (["tag", "missing.nc", "notes.txt"], "model file 'missing.nc' does not exist"),
        (["generate"], "the following arguments are required: model"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ]
    for argv, expected in cases:
        assert expected in _error(argv, capsys), argv
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written, no temp files left


def test_choices_are_case_insensitive_and_help_shows_defaults(tmp_path, capsys):
    csv = _series_csv(tmp_path)
    assert cli.main(["fit", str(csv), "--model", str(tmp_path / "m.nc"), "--cell", "GRU", "--device", "CPU",
                     "--lookback", "6", "--epochs", "1", "--hidden-size", "4"]) == 0
    assert numbarnn.load(tmp_path / "m.nc").cell == "gru"
    for command in ("fit", "predict", "fit-tagger", "tag", "fit-lm", "generate", "translate", "demo"):
        with pytest.raises(SystemExit) as exit_:
            cli.main([command, "--help"])
        assert exit_.value.code == 0
        assert "usage: numbarnn" in capsys.readouterr().out
        parser = cli.build_parser()
        sub = next(a for a in parser._actions if isinstance(a, type(parser._subparsers._group_actions[0])))
        for action in sub.choices[command]._actions:
            if action.option_strings and action.dest != "help":
                assert action.help, (command, action.dest)  # every option explains itself
    with pytest.raises(SystemExit):
        cli.main(["fit", "--help"])
    text = capsys.readouterr().out
    assert "units in the recurrent layer (default: 16)" in " ".join(text.split())
    assert "Adam's step size (default: 0.003)" in " ".join(text.split())


def test_traceback_option_shows_the_exception(tmp_path):
    (tmp_path / "x.txt").write_text("a", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown file type"):
        cli.main(["--traceback", "fit", str(tmp_path / "x.txt"), "--model", str(tmp_path / "m.nc")])
