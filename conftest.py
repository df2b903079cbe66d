"""Collection rules for the whole checkout: the sktime adapters' doctests need sktime; the suites that run
in child processes (``tests/children.py``) start when collection ends and are read last."""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("sktime") else ["numbarnn/sktime.py"]


def _late(item):
    """Whether ``item`` reads a child process (``tests/children.py``'s ``early``)."""
    return bool(getattr(getattr(item, "function", None), "early_child", None))


def pytest_collection_modifyitems(items):
    items.sort(key=_late)  # stable: the rest keep their order, the children's readers run last


def pytest_collection_finish(session):
    if session.config.option.collectonly:
        return
    for item in filter(_late, session.items):
        item.function.early_child.start()


def pytest_sessionfinish(session):
    for item in filter(_late, session.items):
        item.function.early_child.stop()
