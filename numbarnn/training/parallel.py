"""Data-parallel gradients: each batch cut into shards whose gradients are computed apart and combined
in a fixed order, here or on the workers of a ``dask.distributed`` client.

A shard is a contiguous piece of a batch's sequences. Its gradient is that of its own loss (the
loss's weighted mean over the shard); the batch's is the sum over shards, in shard order, of each
shard's gradient times its share of the batch's counted entries (:meth:`~numbarnn.training.losses.Loss.count`),
which is the gradient of the loss over the whole batch up to rounding. Random draws inside the
model (dropout masks) come from a generator seeded by ``(seed, step, shard)``. So the numbers
depend on the data, the seed and the number of shards only: a fit whose shards run on two dask
workers equals, bit for bit, the fit that computes the same shards one after another in one process
(the kernels' results do not depend on thread counts or on which machine runs them).

With a client, the model is sent to every worker once per fit (into a dask actor there); each
step sends the current parameters and each shard's rows (and carried state) to one worker (shard
``k`` to worker ``k`` of the sorted worker list), and brings back a loss and a gradient per shard.
The client applies the optimizer step, so every worker starts the next step from the same weights.
"""

import numpy as np

from . import workers


def flat_targets(y, w):
    """(T, B, K) or (B, K) targets and weights as (N, K) and (N,)."""
    if y.ndim == 3:
        T, B, K = y.shape
        return y.reshape(T * B, K), None if w is None else w.reshape(T * B)
    return y, w


def bounds(batch, shards):
    """Rows ``[(b0, b1)]`` of each shard of a batch of ``batch`` sequences (no empty shard).

    >>> bounds(7, 3), bounds(2, 4)
    ([(0, 2), (2, 4), (4, 7)], [(0, 1), (1, 2)])
    """
    k = max(1, min(shards, batch))
    return [(i * batch // k, (i + 1) * batch // k) for i in range(k)]


def _rows(a, b0, b1, axis):
    if a is None:
        return None
    if isinstance(a, tuple):
        return tuple(_rows(p, b0, b1, axis) for p in a)
    return np.ascontiguousarray(a[(slice(None),) * axis + (slice(b0, b1),)])


def _join(parts, axis):
    if parts[0] is None:
        return None
    if isinstance(parts[0], tuple):
        return tuple(_join([p[i] for p in parts], axis) for i in range(len(parts[0])))
    return np.concatenate(parts, axis=axis)


def split(x, y, lengths, weight, state, per_step, shards):
    """One batch window's ``(x, y, lengths, weight, state)`` cut into shards along the batch.

    ``x`` (T, B, F); ``y`` and ``weight`` (T, B, ...) when ``per_step`` else (B, ...); ``lengths`` (B,);
    ``state`` ``None``, an array or a tuple of arrays (layers, B, H). Each piece is a contiguous copy.

    >>> import numpy as np
    >>> x, y = np.zeros((5, 6, 2)), np.zeros((6, 1))
    >>> [(p[0].shape, p[1].shape, p[2].tolist()) for p in split(x, y, np.arange(6), None, None, False, 2)]
    [((5, 3, 2), (3, 1), [0, 1, 2]), ((5, 3, 2), (3, 1), [3, 4, 5])]
    """
    pieces = []
    for b0, b1 in bounds(x.shape[1], shards):
        pieces.append((_rows(x, b0, b1, 1), _rows(y, b0, b1, 1 if per_step else 0), lengths[b0:b1],
                       _rows(weight, b0, b1, 1 if per_step else 0), _rows(state, b0, b1, 1)))
    return pieces


def shard_gradient(model, loss, piece, key):
    """``(value, count, grads, final_state)`` of one shard; the model's random draws seeded by ``key``."""
    x, y, lengths, weight, state = piece
    model.reseed(key)
    pred, final, tape = model.forward(x, state, lengths)
    p, (t, w) = flat_targets(pred, None)[0], flat_targets(y, weight)
    value, grad = loss(p, t, w)
    grads = model.backward(tape, grad.reshape(pred.shape))
    grads.pop("state")
    return value, loss.count(p, t, w), grads, final


def combine(loss, results):
    """The batch's ``(value, grads, final_state)`` from its shards' results, summed in shard order."""
    total = max(sum(r[1] for r in results), loss.min_count)
    scales = [max(r[1], loss.min_count) / total for r in results]
    value = sum(r[0] * s for r, s in zip(results, scales))
    grads = {}
    for name, first in results[0][2].items():
        acc = first.astype(np.float64) * scales[0]
        for r, s in zip(results[1:], scales[1:]):
            acc += r[2][name].astype(np.float64) * s
        grads[name] = acc.astype(first.dtype)
    return float(value), grads, _join([r[3] for r in results], 1)


class LocalShards:
    """Shards computed one after another in this process."""

    def __init__(self, model, loss, shards):
        self.model, self.loss, self.shards = model, loss, shards

    def __call__(self, pieces, key):
        return [shard_gradient(self.model, self.loss, piece, key + (k,)) for k, piece in enumerate(pieces)]

    def close(self):
        pass


class _ShardWorker:
    """Lives on one dask worker for a fit (a dask actor): holds the model, computes its shard of each step."""

    def __init__(self, model, loss, slots, address):
        self.model, self.loss = model, loss
        self.threads = workers.threads_for_task(slots, address)  # from this worker's own core count

    def gradient(self, params, piece, key):
        self.model.load_params(params)
        with workers.numba_threads(self.threads):
            return shard_gradient(self.model, self.loss, piece, key)


class DaskShards:
    """Shard ``k`` of every step computed on worker ``k`` of a ``dask.distributed`` client.

    Each worker holds the model in a dask actor for the whole fit, so a step is one direct message to
    each worker and one answer (about 1.4 ms there and back on one machine, against about 11 ms for a
    task sent through the scheduler).
    """

    def __init__(self, client, model, loss):
        self.client, self.model = client, model
        self.addresses = sorted(client.scheduler_info(n_workers=-1)["workers"])
        if not self.addresses:
            raise ValueError("client has no workers: start the cluster's workers before fit(..., client=client)")
        self.shards = len(self.addresses)
        slots = workers.host_slots(client)
        self._futures = [client.submit(_ShardWorker, model, loss, slots, a, workers=[a], allow_other_workers=False,
                                       actor=True, pure=False)
                         for a in self.addresses]
        self.actors = [f.result() for f in self._futures]

    def __call__(self, pieces, key):
        params = self.model.params
        calls = [actor.gradient(params, piece, key + (k,)) for k, (actor, piece) in
                 enumerate(zip(self.actors, pieces))]
        return [call.result() for call in calls]

    def close(self):
        self.actors = []
        self.client.cancel(self._futures)


def shard_runner(model, loss, shards=None, client=None):
    """What computes a step's shards: ``None`` (no sharding), :class:`LocalShards` or :class:`DaskShards`."""
    if client is not None:
        return DaskShards(client, model, loss)
    if shards is None or shards == 1:
        return None
    return LocalShards(model, loss, shards)
