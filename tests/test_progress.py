"""The fit progress bar: silent off a terminal by default, a plain line without tqdm, tqdm when present."""

import sys

from numbarnn.training import progress


def test_choice_and_plain_output(capsys, monkeypatch):
    assert isinstance(progress.progress_bar(3, False), progress._Silent)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert isinstance(progress.progress_bar(3, None), progress._Silent)
    bar = progress._Plain(2)
    bar.update(0.5, 0.25)
    bar.update(0.4, 0.2)
    bar.close()
    err = capsys.readouterr().err
    assert "epoch 2/2  train 0.4  val 0.2" in err


def test_verbose_without_tqdm_falls_back(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    assert isinstance(progress.progress_bar(3, True), progress._Plain)
