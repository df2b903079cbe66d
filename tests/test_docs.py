"""The Sphinx docs build without a warning (their examples run as doctests in the main run)."""

import pathlib
import subprocess
import sys

import pytest

pytest.importorskip("sphinx")
pytest.importorskip("numpydoc")
pytest.importorskip("sphinx_gallery")

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"


def test_docs_build_without_warnings(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    # the gallery ran: a page per example with at least one figure of its own
    examples = sorted(p.stem for p in (DOCS.parent / "examples").glob("plot_*.py"))
    assert len(examples) >= 9
    for name in examples:
        page = (tmp_path / "html" / "auto_examples" / f"{name}.html").read_text(encoding="utf-8")
        assert f"sphx_glr_{name}_001.png" in page, name
        assert (tmp_path / "html" / "_images" / f"sphx_glr_{name}_001.png").exists(), name
