"""Estimators with scikit-learn manners on labelled data, and their model files.

- :class:`Forecaster`: one or many time series, forecast autoregressively.
- :class:`SequenceRegressor`, :class:`SequenceClassifier`: one target per
  sequence, or one per timestep.
- :class:`SequenceTagger`, :class:`TextClassifier`: token sequences (lists of string tokens), one
  label per token or one per sequence.
- :class:`LanguageModel`: text at character or word level, scored in bits per symbol and continued
  by :mod:`numbarnn.decoding`'s searches.
- :class:`Seq2Seq`: sequences of symbols to sequences of symbols, an encoder-decoder with attention.
- :func:`load`: an estimator back from the file its ``save`` wrote.
- :func:`fit_groups`: one model per group of series, here or as tasks on a dask cluster.

Inside, the layers import downwards only: the estimator classes
(``forecaster``, ``sequence``, ``text``, ``language_model``, ``seq2seq``) use the label handling (``_labels``), the
array code (``_forecast_core``), the shared manners (``_base``) and the file
format (``_persistence``); none of those knows an estimator class. This
module holds the one registry of the classes a model file may name.
"""

from ._backtest import backtest, conformal_interval
from ._base import NotFittedError, clone
from ._groups import ModelGroups, fit_groups
from ._persistence import load as _load
from .forecaster import Forecaster
from .language_model import LanguageModel
from .seq2seq import Seq2Seq
from .sequence import SequenceClassifier, SequenceRegressor
from .text import SequenceTagger, TextClassifier

__all__ = ["Forecaster", "LanguageModel", "ModelGroups", "NotFittedError", "Seq2Seq", "SequenceClassifier",
           "SequenceRegressor", "SequenceTagger", "TextClassifier", "backtest", "clone", "conformal_interval",
           "fit_groups", "load"]

#: The estimators a model file may hold, by the class name the file stores.
ESTIMATORS = {cls.__name__: cls for cls in (Forecaster, SequenceRegressor, SequenceClassifier,
                                                    SequenceTagger, TextClassifier, LanguageModel, Seq2Seq)}


def load(path, device=None):
    """Load an estimator written by ``save``. Raises ``ValueError`` naming the problem for a bad file.

    ``device`` (``"cpu"`` or ``"cuda"``) overrides the device the model was fitted on, so a model
    trained on a GPU predicts on a machine without one; ``None`` keeps the saved setting.

    Examples
    --------
    >>> import os, tempfile, numpy as np, numbarnn
    >>> f = numbarnn.Forecaster(hidden_size=4, lookback=6, horizon=3, epochs=2, random_state=0)
    >>> f = f.fit(np.sin(np.arange(60) / 3))
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = os.path.join(tmp.name, "model.nc")
    >>> f.save(path)
    >>> g = numbarnn.load(path, device="cpu")
    >>> g.device, g.predict().shape, bool((g.predict() == f.predict()).all())
    ('cpu', (3,), True)
    >>> tmp.cleanup()
    """
    return _load(path, ESTIMATORS, device=device)
