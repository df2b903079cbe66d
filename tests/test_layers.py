"""The package's layers: imports point down only, there are no cycles, and no inner module imports the face.

``python tests/import_graph.py`` prints the whole graph these tests check.
"""

import pathlib

import import_graph

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "numbarnn"
EDGES = import_graph.graph(PACKAGE)


def test_no_import_cycles():
    assert import_graph.cycles(EDGES) == []


def test_imports_point_down_the_layers():
    assert import_graph.upward(EDGES) == []


def test_no_inner_module_imports_the_package_face():
    assert import_graph.face_imports(EDGES, "numbarnn") == []


def test_the_checks_can_fail():
    """The checker sees a cycle, an upward import and a face import when they are there."""
    edges = {"numbarnn": {"numbarnn.nn"}, "numbarnn.nn.a": {"numbarnn.nn.b", "numbarnn"},
             "numbarnn.nn.b": {"numbarnn.nn.a", "numbarnn.estimators"}, "numbarnn.estimators": set()}
    assert import_graph.cycles(edges) == [["numbarnn.nn.a", "numbarnn.nn.b"]]
    assert ("numbarnn.nn.b", "numbarnn.estimators") in import_graph.upward(edges)
    assert import_graph.face_imports(edges, "numbarnn") == ["numbarnn.nn.a"]


def test_relative_imports_resolve_to_modules(tmp_path):
    pkg = tmp_path / "numbarnn"
    (pkg / "nn").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .nn import layer\n")
    (pkg / "config.py").write_text("")
    (pkg / "nn" / "__init__.py").write_text("from .layer import X\n")
    (pkg / "nn" / "layer.py").write_text("from .. import config\nfrom .. import __version__\n"
                                         "def f():\n    from ..nn import layer\n")
    edges = import_graph.graph(pkg)
    assert edges["numbarnn.nn.layer"] == {"numbarnn.config", "numbarnn"}
    assert edges["numbarnn.nn"] == {"numbarnn.nn.layer"}
    assert edges["numbarnn"] == {"numbarnn.nn.layer"}
