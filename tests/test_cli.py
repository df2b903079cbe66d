"""The command line: ``numbarnn check`` passes on a correct install."""

import io

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
