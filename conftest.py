"""Collection rules for the whole checkout: the sktime adapters' doctests need sktime; the suites that run
in child processes (``tests/children.py``) start when collection ends and are read last."""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("sktime") else ["numbarnn/sktime.py"]


def _children(items):
    return [item for item in items if getattr(getattr(item, "function", None), "early_child", None)]


def pytest_collection_modifyitems(items):
    late = {id(item) for item in _children(items)}
    items[:] = [item for item in items if id(item) not in late] + [item for item in items if id(item) in late]


def pytest_collection_finish(session):
    if session.config.option.collectonly:
        return
    for item in _children(session.items):
        item.function.early_child.start()


def pytest_sessionfinish(session):
    for item in _children(session.items):
        item.function.early_child.stop()
