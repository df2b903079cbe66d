"""numbarnn: exact, fast recurrent networks (RNN, LSTM, GRU) on Numba, for time series and token sequences.

The networks load with the package; the estimators, datasets, metrics and model
files (which bring in xarray, pandas and SciPy) load on first use, so a script
that only runs networks starts faster.
"""

import importlib

from ._version import __version__
from .nn import GRU, LSTM, RNN, RecurrentNetwork, Tape

#: Public names loaded on first access: name -> (module, attribute or None for the module itself).
_LAZY = {
    "Forecaster": (".estimators", "Forecaster"),
    "LanguageModel": (".estimators", "LanguageModel"),
    "NotFittedError": (".estimators", "NotFittedError"),
    "Seq2Seq": (".estimators", "Seq2Seq"),
    "SequenceClassifier": (".estimators", "SequenceClassifier"),
    "SequenceRegressor": (".estimators", "SequenceRegressor"),
    "SequenceTagger": (".estimators", "SequenceTagger"),
    "TextClassifier": (".estimators", "TextClassifier"),
    "backtest": (".estimators", "backtest"),
    "clone": (".estimators", "clone"),
    "conformal_interval": (".estimators", "conformal_interval"),
    "datasets": (".datasets", None),
    "decoding": (".decoding", None),
    "export": (".export", None),
    "fit_groups": (".estimators", "fit_groups"),
    "load": (".estimators", "load"),
    "metrics": (".metrics", None),
}

__all__ = ["GRU", "LSTM", "RNN", "RecurrentNetwork", "Tape", "__version__",
           "Forecaster", "LanguageModel", "NotFittedError", "Seq2Seq", "SequenceClassifier", "SequenceRegressor", "SequenceTagger",
           "TextClassifier", "backtest", "clone", "conformal_interval", "datasets", "decoding", "export", "fit_groups", "load",
           "metrics"]


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'numbarnn' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name, __name__)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__():
    return __all__
