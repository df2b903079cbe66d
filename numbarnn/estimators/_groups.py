"""One model per group of series: :func:`fit_groups`, in this process or as dask tasks.

Each group's model is a clone of the estimator fitted to that group alone, so it is the model a fit
of ``y.sel(...)`` in one process gives, bit for bit, wherever it ran (every kernel sums in one order
whatever the thread count). On a ``dask.distributed`` client each group is one task; the task runs
on its share of its machine's cores (:mod:`numbarnn.training.workers`) and hands back the fitted
estimator, which saves and loads like any other.
"""

from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from ..training import workers
from ._base import clone


def _groups(y, by):
    """``(dim, squeeze, [(label, index)])``: the dimension of ``y`` the groups split, whether each group is
    one label of it (a dimension given as ``by``, selected without the dimension), and where along it each
    group's series lie."""
    if not isinstance(y, xr.DataArray):
        raise TypeError(f"y must be an xarray.DataArray with a {by!r} dimension or coordinate, got "
                        f"{type(y).__name__}")
    if by in y.dims:
        labels = y[by].values.tolist() if by in y.coords else list(range(y.sizes[by]))
        return by, True, [(label, [i]) for i, label in enumerate(labels)]
    if by not in y.coords or y[by].ndim != 1:
        dims = ", ".join(repr(d) for d in y.dims)
        raise ValueError(f"by={by!r} is neither a dimension of y ({dims}) nor a coordinate along one of them")
    dim = y[by].dims[0]
    values = pd.Index(y[by].values)
    labels = values.unique().tolist()
    return dim, False, [(label, np.flatnonzero(values == label).tolist()) for label in labels]


def _select(a, dim, index, squeeze):
    if a is None or dim not in a.dims:
        return a
    return a.isel({dim: index[0]}) if squeeze else a.isel({dim: index})


def _fit_one(estimator, y, X):
    return clone(estimator).fit(y, X)


def _fit_task(estimator, parts, slots):
    with workers.numba_threads(workers.in_task_threads(slots)):
        return [_fit_one(estimator, y, X) for y, X in parts]


#: Tasks per worker thread that :func:`fit_groups` aims at: few enough that the scheduler's cost per task
#: (about a millisecond, and the worker's per-task bookkeeping) stays small against a task's fits, enough
#: that the last tasks leave no worker idle for long.
TASKS_PER_SLOT = 8


def task_bounds(n_groups, n_tasks):
    """Where each task's run of consecutive groups starts and ends: ``min(n_groups, n_tasks)`` runs whose
    lengths differ by at most one, so every worker slot gets the same share (runs of ``n // tasks`` with
    a short remainder left one slot a whole task behind the others).

    >>> task_bounds(1000, 16)[:3], task_bounds(1000, 16)[-1], task_bounds(3, 16)
    ([0, 62, 125], 1000, [0, 1, 2, 3])
    """
    n_tasks = max(1, min(n_groups, n_tasks))
    return [i * n_groups // n_tasks for i in range(n_tasks + 1)]


def fit_groups(estimator, y, by, X=None, client=None):
    """Fit one clone of ``estimator`` (a :class:`~numbarnn.Forecaster`) per group of series of ``y``.

    Parameters
    ----------
    estimator : an unfitted or fitted estimator whose ``fit(y, X)`` takes series; its settings are
        cloned for every group.
    y : xarray.DataArray (time, series dims...).
    by : str, a dimension of ``y`` (one model per label along it, fitted to that series alone), or a
        coordinate along one of ``y``'s dimensions (one model per value, fitted to the series that
        share it as one panel).
    X : covariates, split as ``y`` where they have the same dimension, else given whole to each fit.
    client : a ``dask.distributed.Client``: the groups are fitted as tasks on its workers (consecutive
        groups batched into about ``TASKS_PER_SLOT`` tasks per worker thread), with Numba's threads set
        so the tasks of one machine share its cores (``numbarnn[dask]``); ``None`` fits the groups one
        after another here.

    Returns
    -------
    :class:`ModelGroups`, a mapping of group label to fitted estimator with a ``predict``.

    Examples
    --------
    >>> import numpy as np, xarray as xr, numbarnn
    >>> t = np.arange(80)
    >>> y = xr.DataArray(np.stack([np.sin(t / 4), np.cos(t / 6), 0.5 * np.sin(t / 5)], axis=1),
    ...                  dims=("time", "station"), coords={"station": ["a", "b", "c"]})
    >>> models = numbarnn.fit_groups(numbarnn.Forecaster(hidden_size=4, lookback=8, horizon=3, epochs=2,
    ...                                                  random_state=0), y, by="station")
    >>> sorted(models), models["b"].predict().shape
    (['a', 'b', 'c'], (3,))
    >>> models.predict().dims, models.predict().sizes["station"]
    (('time', 'station'), 3)
    """
    dim, squeeze, groups = _groups(y, by)
    parts = [(label, _select(y, dim, index, squeeze), _select(X, dim, index, squeeze)) for label, index in groups]
    if client is None:
        fitted = [_fit_one(estimator, yg, xg) for _, yg, xg in parts]
    else:
        slots = workers.host_slots(client)
        bounds = task_bounds(len(parts), TASKS_PER_SLOT * max(1, sum(slots.values())))
        futures = [client.submit(_fit_task, estimator, [(yg, xg) for _, yg, xg in parts[a:b]], slots, pure=False)
                   for a, b in zip(bounds[:-1], bounds[1:])]
        fitted = [model for batch in client.gather(futures) for model in batch]
    return ModelGroups(by, dim, squeeze, groups, fitted)


class ModelGroups(Mapping):
    """Fitted estimators by group label, as :func:`fit_groups` returns them.

    A read-only mapping (``models[label]``, ``len``, iteration in the order of the labels in ``y``);
    each value is an ordinary fitted estimator (``save``, :func:`numbarnn.load`).

    Attributes
    ----------
    by : the dimension or coordinate the groups were made by.
    dim : the dimension of ``y`` the groups split.
    """

    def __init__(self, by, dim, squeeze, groups, models):
        self.by, self.dim = by, dim
        self._squeeze = squeeze
        self._index = dict(groups)
        self._models = dict(zip(self._index, models))

    def __getitem__(self, label):
        return self._models[label]

    def __iter__(self):
        return iter(self._models)

    def __len__(self):
        return len(self._models)

    def __repr__(self):
        return f"ModelGroups(by={self.by!r}, {len(self)} models: {list(self._models)[:5]}{'...' * (len(self) > 5)})"

    def predict(self, horizon=None, y=None, X=None, **kwargs):
        """Every group's forecast, joined along the groups' dimension in the order of the labels.

        ``y`` and ``X`` (new data to forecast from) are split as in :func:`fit_groups`; other keywords
        go to each model's ``predict``.
        """
        out = []
        for label, model in self._models.items():
            index = self._index[label]
            out.append(model.predict(horizon, y=_select(y, self.dim, index, self._squeeze),
                                     X=_select(X, self.dim, index, self._squeeze), **kwargs))
        if self._squeeze:
            joined = xr.concat(out, dim=pd.Index(list(self._models), name=self.dim))
            return joined.transpose(*out[0].dims[:1], self.dim, *out[0].dims[1:])
        return xr.concat(out, dim=self.dim)
