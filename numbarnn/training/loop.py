"""The fit loop: mini-batches, truncated BPTT, clipping, schedules, early stopping, divergence guard."""

import collections
import math
import statistics
import time
import warnings

import numpy as np
import xarray as xr

from ._blas import single_threaded_blas
from .clipping import clip_grad_norm, clip_grad_value
from .parallel import combine, flat_targets, shard_runner, split
from .progress import progress_bar
from .threads import governor_for


def slice_batch(data, idx, trim=False):
    """The sequences ``idx`` of a ``(x, y, lengths, weight)`` tuple (time-major ``x``); with ``trim``,
    cut to the longest of them (the steps after it are padding in every one)."""
    x, y, lengths, weight = data
    lengths = lengths[idx]
    steps = int(lengths.max()) if trim and len(idx) else x.shape[0]
    # np.take gathers along an axis several times faster than fancy indexing does
    y_b = np.take(y[:steps], idx, axis=1) if y.ndim == 3 else np.take(y, idx, axis=0)
    w_b = None if weight is None else (np.take(weight[:steps], idx, axis=1) if weight.ndim == 2
                                       else np.take(weight, idx, axis=0))
    return np.take(x[:steps], idx, axis=1), y_b, lengths, w_b


def concat_batches(parts):
    """One ``(x, y, lengths, weight)`` tuple holding the sequences of every tuple in ``parts`` in turn
    (time-major ``x`` of one length; weights all ``None`` or all given).

    >>> import numpy as np
    >>> a = (np.zeros((5, 2, 3)), np.zeros((2, 4)), np.array([5, 3]), None)
    >>> b = (np.ones((5, 1, 3)), np.ones((1, 4)), np.array([4]), None)
    >>> x, y, lengths, weight = concat_batches([a, b])
    >>> x.shape, y.shape, lengths.tolist(), weight
    ((5, 3, 3), (3, 4), [5, 3, 4], None)
    """
    xs, ys, ls, ws = zip(*parts)
    per_step = ys[0].ndim == 3
    weight = None if ws[0] is None else np.concatenate(ws, axis=1 if ws[0].ndim == 2 else 0)
    return (np.concatenate(xs, axis=1), np.concatenate(ys, axis=1 if per_step else 0), np.concatenate(ls),
            weight)


def evaluate(model, loss, data, batch_size):
    """Mean loss over ``data`` in inference mode (weighted by counted rows)."""
    x, y, lengths, weight = data
    total, count = 0.0, 0.0
    for start in range(0, x.shape[1], batch_size):
        idx = np.arange(start, min(start + batch_size, x.shape[1]))
        xb, yb, lb, wb = slice_batch(data, idx, trim=True)
        pred, _, _ = model.forward(xb, lengths=lb, record=False)
        p, t = flat_targets(pred, None)[0], flat_targets(yb, wb)
        n = float(np.sum(t[1])) if t[1] is not None else p.shape[0]
        value, _ = loss(p, t[0], t[1])
        total += value * n
        count += n
    return total / max(count, 1e-12)


def _windows(T, window, stride):
    if window is None or window >= T:
        return [(0, T)]
    return [(s, min(s + window, T)) for s in range(0, T - 1, stride)]


def train(model, loss, optimizer, train_data, val_data=None, **kwargs):
    """Fit ``model`` in place and return the history as a dict of per-epoch and per-step lists.

    Parameters
    ----------
    model : :class:`numbarnn.nn.SequenceModel`
    loss : a :class:`numbarnn.training.losses.Loss`.
    optimizer : an optimizer from :mod:`numbarnn.training.optimizers`.
    train_data, val_data : tuples ``(x, y, lengths, weight)``: ``x`` (T, N, F),
        ``y`` (T, N, K) per timestep or (N, K) per sequence (class labels (N, 1)
        for cross-entropy), ``lengths`` (N,), ``weight`` (T, N) or (N,) or ``None``
        (0 marks a padded step or a missing target).
    epochs, batch_size : int. Batches are drawn by a seeded shuffle of the N sequences, and cut to
        the longest sequence in each.
    batches : ``None``, or a function ``batches(rng)`` returning one epoch's batches as arrays of
        sequence indices (e.g. :func:`numbarnn.text.length_batches`, which cuts padding); it replaces
        the shuffle.
    schedule : learning-rate schedule from :mod:`.schedules`, stepped after each epoch with what
        early stopping watches (the validation error, the validation loss, or the training loss).
    clip_norm, clip_value : clip gradients by global norm and/or by value. The
        pre-clip global norm of every step is recorded.
    patience : stop when the validation loss has not improved for this many
        epochs; with ``restore_best`` the best weights are put back.
    val_metric : ``None``, or a function ``val_metric(model, val_data)`` returning an error to
        minimise (a tagger's token error rate) that early stopping and the best weights follow
        instead of the validation loss; recorded as the history's ``val_error`` (and as a
        ``val_error`` variable in :func:`history_dataset`).
    bptt_window, bptt_stride : truncated BPTT for per-timestep targets: each
        batch is cut into windows of ``bptt_window`` steps starting every
        ``bptt_stride`` steps (default: the window); the state is carried from
        one window into the next, gradients stop at the window's start.
    max_bad_steps, max_loss_ratio : the divergence guard. A step whose loss or gradient is not
        finite, or whose loss exceeds ``max_loss_ratio`` times the smaller of the first step's loss
        and the median of the last 20 finite steps' losses (for a positive loss; skipped steps count
        too, or the median would ratchet down to the luckiest batches of a model that fits its
        training data almost exactly, and ordinary batches would be refused), is skipped (no update)
        and counted; after ``max_bad_steps`` such steps in a row training stops with a warning and
        the best weights seen are put back (by what early stopping watches), or the initial
        weights if no epoch finished well, never weights that produced an exploding loss.
    rng : numpy Generator for the shuffles.
    verbose : show a progress bar.
    shards, client : data-parallel gradients (:mod:`numbarnn.training.parallel`): each batch is cut
        into ``shards`` pieces whose gradients are computed apart and combined in a fixed order, with
        the model's random draws seeded per step and piece; with a ``dask.distributed`` ``client``
        there is one piece per worker, computed there. The result depends on the number of pieces,
        not on where they ran: a fit on two workers equals the fit with ``shards=2`` here, bit for bit.

    BLAS is held at one thread for the whole loop: the network calls inside
    would otherwise switch it back and forth hundreds of times per epoch, and
    the parallelism comes from Numba's pool anyway. Each step runs on all of
    Numba's threads or on one, whichever its timings say is faster now (a busy
    machine makes one thread faster; see :mod:`numbarnn.training.threads`);
    the history's ``threads`` is the count most steps of an epoch used.

    Examples
    --------
    >>> import numpy as np
    >>> from numbarnn import datasets
    >>> from numbarnn.training import MSE, Adam, SequenceModel, history_dataset, train
    >>> x, y = datasets.adding_problem(64, 10, seed=0)
    >>> data = (x.astype("float32"), y.astype("float32"), np.full(64, 10), None)
    >>> model = SequenceModel("lstm", 2, 8, 1, readout="sequence", seed=0)
    >>> hist = train(model, MSE(), Adam(0.01), data, epochs=3, batch_size=16, clip_norm=1.0)
    >>> history_dataset(hist).sizes["epoch"], len(hist["step_grad_norm"])
    (3, 12)
    """
    runner = shard_runner(model, loss, kwargs.pop("shards", None), kwargs.pop("client", None))
    try:
        with single_threaded_blas():
            return _train(model, loss, optimizer, train_data, val_data, runner=runner, **kwargs)
    finally:
        if runner is not None:
            runner.close()


def _train(model, loss, optimizer, train_data, val_data=None, epochs=100, batch_size=32,
          schedule=None, clip_norm=None, clip_value=None, patience=None, restore_best=True,
          bptt_window=None, bptt_stride=None, max_bad_steps=10, max_loss_ratio=10.0, rng=None, verbose=False,
          batches=None, val_metric=None, runner=None):
    rng = rng if rng is not None else np.random.default_rng(0)
    seed = int(rng.integers(2**31)) if runner is not None else None  # the shards' random draws
    x = train_data[0]
    N = x.shape[1]
    per_step = train_data[1].ndim == 3
    stride = bptt_stride or bptt_window
    history = {"epoch": [], "train_loss": [], "val_loss": [], "val_error": [], "grad_norm": [], "lr": [],
               "skipped_steps": [], "seconds": [], "threads": [], "step_grad_norm": []}
    net = model.net
    governor = governor_for((type(net).__name__, net.input_size, net.hidden_size, net.num_layers,
                             net.bidirectional, str(net.dtype), x.shape[0], min(batch_size, N), per_step))
    best, best_params, best_epoch, waited, bad_in_row = math.inf, None, None, 0, 0
    initial_params = {k: v.copy() for k, v in model.params.items()}
    guard = _ExplodingLoss(max_loss_ratio)
    pending = None  # without validation data: an epoch's weights, kept once the next step's loss accepts them
    stopped = None
    bar = progress_bar(epochs, verbose)
    for epoch in range(epochs):
        start = time.perf_counter()
        if batches is None:
            order = rng.permutation(N)
            epoch_batches = [order[b0:b0 + batch_size] for b0 in range(0, N, batch_size)]
        else:
            epoch_batches = batches(rng)
        losses, norms, skipped, used = [], [], 0, []
        for idx in epoch_batches:
            xb, yb, lb, wb = slice_batch(train_data, idx, trim=True)
            state = None
            windows = _windows(xb.shape[0], bptt_window, stride) if per_step else [(0, xb.shape[0])]
            for s0, s1 in windows:
                with governor.step(xb.shape[1]) as threads:
                    used.append(threads)
                    xw = xb[s0:s1]
                    lw = lb if (s0, s1) == (0, xb.shape[0]) else np.clip(lb - s0, 1, s1 - s0)
                    yw = yb[s0:s1] if per_step else yb
                    ww = None if wb is None else (wb[s0:s1] if per_step else wb)
                    if per_step:  # sequences already ended before this window count nothing here
                        ended = (lb <= s0)
                        ww = (np.ones(yw.shape[:2]) if ww is None else ww) * ~ended[None, :]
                    if runner is None:
                        pred, final, tape = model.forward(xw, state, lw)
                        p, (t, w) = flat_targets(pred, None)[0], flat_targets(yw, ww)
                        value, grad = loss(p, t, w)
                    else:
                        pieces = split(xw, yw, lw, ww, state, per_step, runner.shards)
                        value, grads, final = combine(loss, runner(pieces, (seed, len(history["step_grad_norm"])
                                                                            + len(norms))))
                    norm = math.nan
                    accepted = guard.accepts(value)
                    guard.record(value)
                    if accepted:
                        if runner is None:
                            grads = model.backward(tape, grad.reshape(pred.shape))
                            grads.pop("state")
                        norm = clip_grad_value(grads, clip_value) if clip_value is not None else None
                        norm = clip_grad_norm(grads, clip_norm) if norm is None else norm
                    norms.append(norm)
                    if not (math.isfinite(value) and math.isfinite(norm)):
                        pending = None  # the weights that gave this loss are not kept
                        skipped += 1
                        bad_in_row += 1
                        if bad_in_row >= max_bad_steps:
                            stopped = (f"training diverged and stopped at epoch {epoch}: {bad_in_row} steps in a "
                                       f"row had a non-finite loss or gradient, or a loss over {max_loss_ratio:g} "
                                       "times that of the first or the recent steps")
                            break
                        state = None
                        continue
                    bad_in_row = 0
                    if pending is not None:
                        best_params, best_epoch, pending = pending[0], pending[1], None
                    optimizer.step(model.params, grads)
                    losses.append(value)
                    if per_step and stride:
                        state = _advance(model, xb, lb, state, s0, stride, s1, final)
            if stopped:
                break
        train_loss = float(np.mean(losses)) if losses else math.nan
        val_loss = evaluate(model, loss, val_data, batch_size) if val_data is not None else math.nan
        val_error = val_metric(model, val_data) if val_data is not None and val_metric else math.nan
        lr = optimizer.lr
        monitored = (val_error if val_metric else val_loss) if val_data is not None else train_loss
        if schedule is not None:
            schedule.step(epoch, monitored)
        finite_norms = [n for n in norms if math.isfinite(n)]
        history["epoch"].append(epoch)
        history["train_loss"].append(train_loss)
        history["val_loss"].append(val_loss)
        history["val_error"].append(val_error)
        history["grad_norm"].append(float(np.mean(finite_norms)) if finite_norms else math.nan)
        history["lr"].append(lr)
        history["skipped_steps"].append(skipped)
        history["seconds"].append(time.perf_counter() - start)
        history["threads"].append(max(set(used), key=used.count) if used else governor.full)
        history["step_grad_norm"].extend(norms)
        bar.update(train_loss, val_loss)
        if stopped:
            break
        if math.isfinite(monitored) and monitored < best:
            best, waited = monitored, 0
            snapshot = {k: v.copy() for k, v in model.params.items()}
            if val_data is not None:  # these weights were just scored on the validation data
                best_params, best_epoch = snapshot, epoch
            else:  # the training loss is that of the epoch's steps, before its last update: check first
                pending = (snapshot, epoch)
        else:
            waited += 1
            if patience is not None and waited > patience:
                break
    bar.close()
    if pending is not None and restore_best and guard.accepts(_check_loss(model, loss, train_data, batch_size,
                                                                           bptt_window)):
        best_params, best_epoch = pending  # (a stopped fit has no pending weights: its bad steps dropped them)
    if stopped:  # never the weights that diverged
        kept = "the initial weights" if best_params is None else f"the weights of epoch {best_epoch}, the best"
        model.load_params(initial_params if best_params is None else best_params)
        stopped += f"; put back {kept}. Lower the learning rate or set clip_norm"
        warnings.warn(stopped, RuntimeWarning, stacklevel=3)
    elif restore_best and best_params is not None:
        model.load_params(best_params)
    history["best_loss"] = best
    history["stopped"] = stopped
    return history


def _check_loss(model, loss, data, batch_size, steps=None):
    """The loss of the current weights on the first ``batch_size`` training sequences (their first
    ``steps`` steps, for per-timestep targets)."""
    xb, yb, lb, wb = slice_batch(data, np.arange(min(batch_size, data[0].shape[1])), trim=True)
    if steps and yb.ndim == 3:
        xb, yb, lb = xb[:steps], yb[:steps], np.clip(lb, 1, steps)
        wb = None if wb is None else wb[:steps]
    pred, _, _ = model.forward(xb, None, lb, record=False)
    return loss(flat_targets(pred, None)[0], *flat_targets(yb, wb))[0]


class _ExplodingLoss:
    """Says whether a step's loss may be used: finite, and (for a positive loss) at most ``ratio`` times
    the smaller of the first step's loss and the median of the last ``window`` finite ones recorded."""

    def __init__(self, ratio, window=20):
        self.ratio = ratio
        self.first = None
        self.recent = collections.deque(maxlen=window)

    def accepts(self, value):
        if not math.isfinite(value):
            return False
        if self.first is None or self.ratio is None or not self.recent:
            return True
        reference = min(self.first, statistics.median(self.recent))
        return not (reference > 0 and value > self.ratio * reference)

    def record(self, value):
        if not math.isfinite(value):
            return
        if self.first is None:
            self.first = value
        self.recent.append(value)


def _advance(model, xb, lb, state, s0, stride, s1, final):
    """The state at the start of the next window (``s0 + stride``), with no gradient through it."""
    if s0 + stride == s1 or s0 + stride >= xb.shape[0] - 1:   # the window's own final state, or no next window
        return final
    nxt = s0 + stride
    lw = np.clip(lb - s0, 1, nxt - s0)
    _, st, _ = model.forward(xb[s0:nxt], state, lw, record=False)
    return st


def history_dataset(hist):
    """The history dict of :func:`train` as an :class:`xarray.Dataset` over ``epoch`` and ``step``.

    A list of histories (the members of an ensemble, trained one after another) gives one Dataset
    with a ``member`` dimension; a member that stopped early has NaN at the epochs it did not run.
    """
    if isinstance(hist, list):
        return xr.concat([history_dataset(h) for h in hist], dim="member", join="outer",
                         combine_attrs="drop_conflicts")
    epochs = np.asarray(hist["epoch"])
    ds = xr.Dataset(
        {"train_loss": ("epoch", np.asarray(hist["train_loss"])),
         "val_loss": ("epoch", np.asarray(hist["val_loss"])),
         "grad_norm": ("epoch", np.asarray(hist["grad_norm"])),
         "lr": ("epoch", np.asarray(hist["lr"])),
         "skipped_steps": ("epoch", np.asarray(hist["skipped_steps"])),
         "seconds": ("epoch", np.asarray(hist["seconds"])),
         "threads": ("epoch", np.asarray(hist.get("threads", [np.nan] * len(epochs)))),
         "step_grad_norm": ("step", np.asarray(hist["step_grad_norm"]))},
        coords={"epoch": epochs, "step": np.arange(len(hist["step_grad_norm"]))},
        attrs={"best_loss": float(hist["best_loss"]), "stopped": hist["stopped"] or ""})
    val_error = np.asarray(hist.get("val_error", []), dtype=float)
    if np.isfinite(val_error).any():  # only a fit with a val_metric has one
        ds["val_error"] = ("epoch", val_error)
    ds["train_loss"].attrs["long_name"] = "mean training loss"
    ds["grad_norm"].attrs["long_name"] = "mean pre-clip global gradient norm"
    ds["step_grad_norm"].attrs["long_name"] = "pre-clip global gradient norm of each step"
    return ds
