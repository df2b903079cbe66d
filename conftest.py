"""Collection rules for the whole checkout: the sktime adapters' doctests need sktime."""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("sktime") else ["numbarnn/sktime.py"]
