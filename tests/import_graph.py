"""The package's import graph, read from the source with ``ast`` (nothing is imported).

Run ``python tests/import_graph.py [package dir]`` to print every module's
layer and imports, the import cycles, the imports that point up the layers,
and the inner modules that import the package face. ``tests/test_layers.py``
asserts the last three are empty.

Every import statement counts, including those inside functions (a lazy
import is still a dependency); imports that ``importlib`` resolves from a
string are not seen.
"""

import ast
import pathlib
import sys

#: The layers, lowest first: a module may import its own layer (without cycles) and the layers below.
LAYERS = (
    ("_version", "config", "_validation", "_files", "metrics"),
    ("cells",),
    ("kernels",),
    ("backends",),
    ("nn",),
    ("training", "analysis", "decoding", "text"),
    ("estimators", "datasets", "plotting", "export"),
    ("cli", "__main__", "__init__", "sktime"),
)
RANK = {group: rank for rank, groups in enumerate(LAYERS) for group in groups}


def modules(root):
    """``{dotted name: path}`` of every module under the package directory ``root``."""
    root = pathlib.Path(root)
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = (root.name, *path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _is_package(name, found):
    return found.get(name) is not None and found[name].name == "__init__.py"


def imports(name, path, found):
    """The package modules that module ``name`` imports."""
    package = name if _is_package(name, found) else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # `from pkg import sub` imports the submodule; `from pkg import name` imports pkg
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in found else module for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in found:  # `import pkg.sub.name` -> the deepest module that exists
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def graph(root):
    """``{module: set of modules it imports}`` for the package at ``root``."""
    found = modules(root)
    return {name: imports(name, path, found) for name, path in found.items()}


def group(name):
    """The layer group of a module: its first component below the package (``__init__`` for the face)."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def cycles(edges):
    """Strongly connected components with more than one module (Tarjan's algorithm), each sorted."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    sys.setrecursionlimit(max(1000, 10 * len(edges)))
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(result)


def upward(edges):
    """``(importer, imported)`` pairs where the imported module's layer is above the importer's,
    or either module belongs to no layer."""
    bad = []
    for src, targets in sorted(edges.items()):
        for dst in sorted(targets):
            rs, rd = RANK.get(group(src)), RANK.get(group(dst))
            if rs is None or rd is None or rd > rs:
                bad.append((src, dst))
    return bad


def face_imports(edges, package):
    """Inner modules that import the package face (``package/__init__.py``)."""
    return sorted(src for src, targets in edges.items() if package in targets and src != f"{package}.__main__")


def report(root):
    root = pathlib.Path(root)
    edges = graph(root)
    lines = [f"{len(edges)} modules, {sum(map(len, edges.values()))} imports"]
    for name in sorted(edges):
        rank = RANK.get(group(name), "?")
        lines.append(f"  [{rank}] {name} -> {', '.join(sorted(edges[name])) or '-'}")
    found = cycles(edges)
    lines.append(f"cycles: {len(found)}")
    lines += [f"  {' <-> '.join(c)}" for c in found]
    up = upward(edges)
    lines.append(f"imports up the layers (or outside them): {len(up)}")
    lines += [f"  {a} -> {b}" for a, b in up]
    face = face_imports(edges, root.name)
    lines.append(f"inner modules importing the package face: {len(face)}")
    lines += [f"  {name}" for name in face]
    return "\n".join(lines)


if __name__ == "__main__":
    here = pathlib.Path(__file__).resolve().parent.parent / "numbarnn"
    print(report(sys.argv[1] if len(sys.argv) > 1 else here))
