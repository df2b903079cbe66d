"""The Sphinx docs build without a warning (their examples run as doctests in the main run)."""

import os
import pathlib
import shutil
import sys
import tempfile

import pytest
from children import Child, early

pytest.importorskip("sphinx")
pytest.importorskip("numpydoc")
pytest.importorskip("sphinx_gallery")

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"
BUILD = pathlib.Path(tempfile.gettempdir()) / f"numbarnn-docs-{os.getpid()}"  # made by the build, then removed
# a minute or two of one core, in a child process beside the rest of the suite (children.py)
SPHINX = Child([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                "-d", BUILD / "doctrees", DOCS, BUILD / "html"])


@early(SPHINX)
def test_docs_build_without_warnings():
    try:
        returncode, stdout, stderr = SPHINX.result()
        assert returncode == 0, stdout + stderr
        # the gallery ran: a page per example with at least one figure of its own
        examples = sorted(p.stem for p in (DOCS.parent / "examples").glob("plot_*.py"))
        assert len(examples) >= 9
        for name in examples:
            page = (BUILD / "html" / "auto_examples" / f"{name}.html").read_text(encoding="utf-8")
            assert f"sphx_glr_{name}_001.png" in page, name
            assert (BUILD / "html" / "_images" / f"sphx_glr_{name}_001.png").exists(), name
    finally:
        shutil.rmtree(BUILD, ignore_errors=True)
