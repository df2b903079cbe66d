"""Stacked, optionally bidirectional recurrent networks with PyTorch's parameters.

:class:`RNN`, :class:`LSTM` and :class:`GRU` hold their parameters under
``torch.nn``'s names, shapes and gate order, so a PyTorch state dict loads as
is. ``net(x)`` runs inference and keeps nothing; ``net.forward(x,
record=True)`` also returns a :class:`Tape` that ``net.backward`` turns into
gradients for every parameter, the input and the initial state (BPTT written
by hand, no autograd); ``net.step(x_t, state)`` runs one time step, for
generation and streaming. The per-layer work is the backend's
(:mod:`numbarnn.backends`), chosen once when the network is built.
"""

import contextlib
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .. import _validation as v
from ..backends import get_backend
from ..backends.base import LayerParams
from ..cells import CELLS
from ..config import DEFAULT_DTYPE


_PADDING_HINT = " at valid timesteps; clean the data or mark padding with `lengths`"


def _import_torch(what):
    try:
        import torch
    except ImportError:
        raise ImportError(f"{what} needs PyTorch: pip install torch") from None
    return torch


def dropout_mask(rng, shape, p, dtype):
    """Inverted dropout: each entry ``1 / (1 - p)`` with probability ``1 - p``, else 0, in ``dtype``.

    The uniforms are drawn in float32 and the mask made in place (three times faster than float64
    draws and a division: it was 6% of a language-model training step).

    >>> mask = dropout_mask(np.random.default_rng(0), (1000, 10), 0.2, "float32")
    >>> mask.dtype, sorted(set(mask.ravel().tolist())), bool(abs(mask.mean() - 1) < 0.02)
    (dtype('float32'), [0.0, 1.25], True)
    """
    keep = 1.0 - p
    mask = (rng.random(shape, dtype=np.float32) < np.float32(keep)).astype(dtype)
    mask *= mask.dtype.type(1.0 / keep)
    return mask


@dataclass
class Tape:
    """What a recording forward pass keeps for :meth:`RecurrentNetwork.backward`.

    Attributes
    ----------
    layers : list of lists of :class:`numbarnn.backends.base.LayerTape`, ``[layer][direction]``.
    dropout_masks : list, per layer, of the (T, B, F) mask applied to that
        layer's input (``None`` for the first layer or without dropout).
    unbatched : bool, the input was ``(T, F)``.
    like : the caller's input, whose kind of array the gradients come back as.
    """

    layers: list
    dropout_masks: list
    unbatched: bool
    like: object = None


class RecurrentNetwork:
    """Common machinery of :class:`RNN`, :class:`LSTM` and :class:`GRU`.

    Attributes
    ----------
    cell : :class:`numbarnn.cells.Cell`, the cell's facts (gates, state parts).
    backend : :class:`numbarnn.backends.base.Backend` the network runs on.
    device : ``"cpu"`` or ``"cuda"``, the backend's name.
    """

    #: name of the cell in :data:`numbarnn.cells.CELLS`
    _cell = "rnn"
    nonlinearity = "tanh"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, bidirectional=False,
                 dropout=0.0, dtype=DEFAULT_DTYPE, device="cpu", seed=None, batch_first=False):
        self.cell = CELLS[self._cell]
        self.batch_first = bool(batch_first)
        self.input_size = v.check_positive_int("input_size", input_size)
        self.hidden_size = v.check_positive_int("hidden_size", hidden_size)
        self.num_layers = v.check_positive_int("num_layers", num_layers)
        self.bias = bool(bias)
        self.bidirectional = bool(bidirectional)
        if not isinstance(dropout, (int, float)) or not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be a probability in [0, 1), got {dropout!r}")
        self.dropout = float(dropout)
        self.dtype = v.check_dtype(dtype)
        self.backend = get_backend(device)  # a clear error now when no GPU is usable, never a silent fallback
        self._ops = self.backend.layer_ops(self.cell, self.nonlinearity)
        self._rng = np.random.default_rng(seed)
        self._prepared = None  # a dict while fixed_weights() is in force
        self.params = self._init_params()

    @property
    def device(self):
        """Where the network runs: ``"cpu"`` or ``"cuda"``."""
        return self.backend.name

    # -- parameters -----------------------------------------------------------------

    @property
    def num_directions(self):
        return 2 if self.bidirectional else 1

    def _layer_names(self, layer, direction):
        suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
        names = [f"weight_ih{suffix}", f"weight_hh{suffix}"]
        if self.bias:
            names += [f"bias_ih{suffix}", f"bias_hh{suffix}"]
        return names

    def _param_shapes(self):
        GH, H = self.cell.gates * self.hidden_size, self.hidden_size
        shapes = {}
        for layer in range(self.num_layers):
            d_in = self.input_size if layer == 0 else H * self.num_directions
            for direction in range(self.num_directions):
                names = self._layer_names(layer, direction)
                shapes[names[0]] = (GH, d_in)
                shapes[names[1]] = (GH, H)
                if self.bias:
                    shapes[names[2]] = (GH,)
                    shapes[names[3]] = (GH,)
        return shapes

    def _init_params(self):
        k = 1.0 / math.sqrt(self.hidden_size)
        return {name: self._rng.uniform(-k, k, size=shape).astype(self.dtype)
                for name, shape in self._param_shapes().items()}

    def state_dict(self, format="numpy"):
        """A copy of the parameters, ``{name: array}`` with PyTorch's names and shapes.

        ``format="torch"`` gives ``torch.Tensor`` values (torch must be installed), which
        ``torch.nn.LSTM(...).load_state_dict`` takes as is; ``"numpy"`` gives NumPy arrays.
        """
        v.check_option("format", format, ("numpy", "torch"))
        if format == "torch":
            torch = _import_torch("state_dict(format='torch')")
            return {name: torch.from_numpy(p.copy()) for name, p in self.params.items()}
        return {name: p.copy() for name, p in self.params.items()}

    def load_state_dict(self, mapping):
        """Replace the parameters with those in ``mapping`` (NumPy arrays or torch tensors).

        Names and shapes must match :meth:`state_dict` exactly; values must be
        real and finite and are cast to the network's dtype. Nothing changes
        if any entry is wrong.
        """
        if not isinstance(mapping, Mapping):
            raise TypeError(f"state dict must be a mapping of parameter names to arrays (as state_dict() "
                            f"gives), got {type(mapping).__name__}")
        shapes = self._param_shapes()
        missing = sorted(set(shapes) - set(mapping))
        unexpected = sorted(set(mapping) - set(shapes), key=str)
        if missing or unexpected:
            raise KeyError(f"state dict does not match this {type(self).__name__}: "
                           f"missing {missing}, unexpected {unexpected}")
        new = {}
        for name, shape in shapes.items():
            value = mapping[name]
            if hasattr(value, "detach"):
                value = value.detach().cpu().numpy()
            raw = np.asarray(value)
            if raw.dtype.kind not in "biuf":
                what = "complex numbers" if raw.dtype.kind == "c" else f"values of dtype {raw.dtype}"
                raise TypeError(f"state dict entry {name!r} holds {what}; give real numbers (an array or tensor)")
            arr = np.array(raw, dtype=self.dtype, copy=True)
            v.check_shape(f"state dict entry {name!r}", arr, shape)
            v.check_finite(f"state dict entry {name!r}", arr)
            new[name] = arr
        self.params = new
        return self

    def to_torch(self):
        """This network as a ``torch.nn.RNN``, ``LSTM`` or ``GRU`` (with this network's ``batch_first``) with
        the same weights, in float32 or float64 as this network; torch must be installed.

        Examples
        --------
        >>> import numpy as np, pytest, numbarnn
        >>> torch = pytest.importorskip("torch")
        >>> net = numbarnn.GRU(3, 8, num_layers=2, dtype="float64", seed=0)
        >>> module = net.to_torch()
        >>> x = np.random.default_rng(0).standard_normal((5, 2, 3))      # (T, B, input_size)
        >>> out, h = net(x)                                               # (5, 2, 8), (2, 2, 8)
        >>> with torch.no_grad():
        ...     ref, ref_h = module(torch.from_numpy(x))
        >>> type(module).__name__, bool(np.allclose(out, ref.numpy(), rtol=0, atol=1e-12))
        ('GRU', True)
        """
        torch = _import_torch("to_torch()")
        kwargs = dict(num_layers=self.num_layers, bias=self.bias, bidirectional=self.bidirectional,
                      dropout=self.dropout if self.num_layers > 1 else 0.0, batch_first=self.batch_first)
        if self._cell == "rnn":
            kwargs["nonlinearity"] = self.nonlinearity
        module = getattr(torch.nn, self._cell.upper())(self.input_size, self.hidden_size, **kwargs)
        module = module.to(torch.float64 if self.dtype == np.float64 else torch.float32)
        module.load_state_dict(self.state_dict(format="torch"))
        return module

    def _layer_params(self, layer, direction):
        names = self._layer_names(layer, direction)
        p = [self.params[n] for n in names]
        return LayerParams(*p) if self.bias else LayerParams(p[0], p[1])

    # -- validation -------------------------------------------------------------------

    def _state_shape(self, batch, unbatched):
        n = self.num_layers * self.num_directions
        return (n, self.hidden_size) if unbatched else (n, batch, self.hidden_size)

    def _check_shape(self, shape):
        """``(T, B, F, unbatched)`` of a time-major input of this shape, or a ValueError naming what is wrong."""
        if len(shape) not in (2, 3):
            layout = "B, T" if self.batch_first else "T, B"
            raise ValueError(f"x must be ({layout}, {self.input_size}) or unbatched (T, {self.input_size}); "
                             f"got {len(shape)}-d shape {shape}")
        unbatched = len(shape) == 2
        T, F = shape[0], shape[-1]
        B = 1 if unbatched else shape[1]
        if F != self.input_size:
            raise ValueError(f"x has {F} features on its last axis; this network expects "
                             f"input_size={self.input_size}")
        if T == 0 or B == 0:
            raise ValueError(f"x has shape {shape}; at least one timestep and one sequence are needed")
        return T, B, F, unbatched

    def _check_device_input(self, x, lengths):
        """Validate a GPU input without copying it to the host; returns a masked device copy."""
        T, B, F, unbatched = self._check_shape(tuple(x.shape))
        lengths = v.check_lengths(lengths, B, T)
        x = self.backend.checked("x", x, self.dtype, tuple(x.shape), lengths=lengths, hint=_PADDING_HINT)
        return x.reshape(T, B, F), lengths, unbatched

    def _check_input(self, x, lengths):
        """Validate a host input already converted by :func:`numbarnn._validation.as_float_array`."""
        T, B, F, unbatched = self._check_shape(x.shape)
        x = x.reshape(T, B, F)
        lengths = v.check_lengths(lengths, B, T)
        x = v.check_finite("x", v.zero_padding(x, lengths), _PADDING_HINT)
        return np.ascontiguousarray(x), lengths, unbatched

    def _check_states(self, value, name, batch, unbatched, count, finite=True):
        """Return ``count`` arrays of shape (layers*dirs, B, H) from a state or state gradient.

        Gradients (``finite=False``) may hold inf/NaN: an exploding gradient is
        for the caller (the training loop) to detect, not an input error.
        """
        shape = self._state_shape(batch, unbatched)
        backend = self.backend
        full = self._state_shape(batch, False)
        if value is None:
            return [backend.from_user(np.zeros(full, dtype=self.dtype)) for _ in range(count)]
        if count == 2:
            if not isinstance(value, (tuple, list)) or len(value) != 2:
                raise TypeError(f"{name} of an LSTM is a tuple (h, c), each of shape {shape}")
            parts = value
        else:
            parts = (value,)
        arrays = []
        for label, part in zip(("h", "c"), parts):
            label = f"{name}[{'hc'.index(label)}] ({label})" if count == 2 else name
            if backend.is_device_input(part):
                arrays.append(backend.checked(label, part, self.dtype, shape, finite=finite).reshape(full))
                continue
            arr = v.check_shape(label, v.as_float_array(part, self.dtype, label), shape)
            if finite:
                v.check_finite(label, arr)
            arrays.append(backend.from_user(np.ascontiguousarray(arr[:, None, :] if unbatched else arr)))
        return arrays

    def _pack_state(self, arrays, unbatched, like):
        to_user = self.backend.to_user
        arrays = [to_user(a.reshape(a.shape[0], a.shape[2]) if unbatched else a, like) for a in arrays]
        return tuple(arrays) if len(arrays) == 2 else arrays[0]

    # -- forward and backward ---------------------------------------------------------

    def __call__(self, x, state=None, lengths=None):
        """Inference: return ``(out, state)`` and keep nothing."""
        out, state, _ = self.forward(x, state, lengths, record=False)
        return out, state

    def step(self, x, state=None):
        """Run one time step: ``out_t, state = net.step(x_t, state)``.

        The same numbers as ``net(x)`` over the same steps, one step per call, for
        generation, streaming and decoders that feed their output back in. Every
        layer of the stack steps; inference only (no dropout, no tape).

        Parameters
        ----------
        x : array (B, input_size) for a batch, or (input_size,) for one sequence.
        state : the state returned by the previous step, (layers, B, H) or (layers, H)
            (a tuple ``(h, c)`` for the LSTM); zeros when ``None``.

        Returns
        -------
        out : (B, H), or (H,) for one sequence: the last layer's output at this step.
        state : the state after this step, shaped like ``state``.

        Examples
        --------
        >>> import numpy as np, numbarnn
        >>> net = numbarnn.GRU(2, 4, num_layers=2, dtype="float64", seed=0)
        >>> x = np.random.default_rng(0).standard_normal((5, 3, 2))
        >>> state = None
        >>> for x_t in x:
        ...     out_t, state = net.step(x_t, state)
        >>> out, h = net(x)
        >>> bool(np.allclose(out_t, out[-1], rtol=0, atol=1e-12)), bool(np.allclose(state, h, rtol=0, atol=1e-12))
        (True, True)
        """
        if self.bidirectional:
            raise ValueError("a bidirectional network cannot step: its reverse direction reads each sequence "
                             "from its end, so step t needs the future; run net(x) over the whole sequence, "
                             "or build the network with bidirectional=False")
        if not self.backend.is_device_input(x):
            x = v.as_float_array(x, self.dtype, "x")
        shape = tuple(x.shape)
        if len(shape) not in (1, 2) or shape[-1] != self.input_size:
            raise ValueError(f"step takes one time step, x of shape (B, {self.input_size}) or "
                             f"({self.input_size},); got shape {shape} (for a whole sequence call net(x))")
        out, state = self(x.reshape((1,) + shape), state)
        return out[0], state

    def forward(self, x, state=None, lengths=None, record=True, dropout_masks=None):
        """Run the stack over ``x``.

        Parameters
        ----------
        x : array (T, B, input_size), or (T, input_size) for one sequence.
        state : initial state, (layers*dirs, B, H) (a tuple ``(h, c)`` for the
            LSTM); zeros when ``None``.
        lengths : (B,) ints in ``[1, T]``; steps past a sequence's length are
            padding: they leave its state and gradients untouched and give zero output.
        record : bool, keep a :class:`Tape` for :meth:`backward` and apply dropout.
        dropout_masks : masks from an earlier tape to reuse (for a fixed mask);
            new seeded masks are drawn when ``None``.

        Returns
        -------
        out : (T, B, dirs*H), or (T, dirs*H) when unbatched.
        state : final state, shaped like ``state``.
        tape : :class:`Tape`, or ``None`` unless ``record``.
        """
        like = x
        if self.backend.is_device_input(x):
            x = self._time_major(self.backend.from_user(x))
            x, lengths, unbatched = self._check_device_input(x, lengths)
        else:
            x = self._time_major(v.as_float_array(x, self.dtype, "x"))
            x, lengths, unbatched = self._check_input(x, lengths)
        return self._forward(x, state, lengths, unbatched, record, dropout_masks, like)

    def _time_major(self, a):
        """A batch-first (B, T, F) array as (T, B, F); anything else as it is (time-major, or one sequence)."""
        return self.backend.swap_leading(a) if self.batch_first and a.ndim == 3 else a

    def _forward(self, x, state, lengths, unbatched, record, dropout_masks, like):
        T, B, _ = x.shape
        ops, arrays = self._ops, self.backend
        count = len(self.cell.state_names)
        h0 = self._check_states(state, "state", B, unbatched, count)
        final = [arrays.empty(h0[0].shape, self.dtype) for _ in range(count)]
        layer_tapes, masks = [], []
        layer_in = x
        for layer in range(self.num_layers):
            mask = None
            if record and layer > 0 and self.dropout > 0:
                mask = (dropout_masks[layer] if dropout_masks is not None
                        else self._dropout_mask(layer_in.shape))
                layer_in = arrays.multiply(layer_in, mask)
            masks.append(mask)
            outs, tapes = [], []
            for d in range(self.num_directions):
                k = layer * self.num_directions + d
                c0 = h0[1][k] if count == 2 else None
                out, h_n, c_n, tape = ops.forward(layer_in, self._layer_params(layer, d),
                                                  h0[0][k], c0, lengths, d == 1, record,
                                                  self._prepared_for(layer, d))
                arrays.put(final[0], k, h_n)
                if count == 2:
                    arrays.put(final[1], k, c_n)
                outs.append(out)
                tapes.append(tape)
            layer_in = outs[0] if len(outs) == 1 else arrays.concat_last(outs)
            layer_tapes.append(tapes)
        out = arrays.to_user(layer_in.reshape(T, layer_in.shape[2]) if unbatched else self._time_major(layer_in),
                             like)
        tape = Tape(layer_tapes, masks, unbatched, like) if record else None
        return out, self._pack_state(final, unbatched, like), tape

    @contextlib.contextmanager
    def fixed_weights(self):
        """Within the block, each layer's weights are prepared for the kernels once (packed into panels
        on the CPU) and reused by every call: step-by-step decoding otherwise repacks them at every step.

        The weights must not change inside the block (a change is not seen until it ends). The
        results are the same bits as without it.

        >>> import numpy as np, numbarnn
        >>> net = numbarnn.LSTM(3, 8, seed=0)
        >>> x = np.ones((5, 2, 3), dtype="float32")
        >>> with net.fixed_weights():
        ...     state = None
        ...     for x_t in x:
        ...         out_t, state = net.step(x_t, state)
        >>> bool((out_t == net(x)[0][-1]).all())
        True
        """
        outer = self._prepared
        self._prepared = {} if outer is None else outer
        try:
            yield self
        finally:
            self._prepared = outer

    def _prepared_for(self, layer, direction):
        """The prepared weights of one layer direction while :meth:`fixed_weights` holds, else ``None``."""
        if self._prepared is None:
            return None
        key = (layer, direction)
        if key not in self._prepared:
            self._prepared[key] = self._ops.prepare(self._layer_params(layer, direction))
        return self._prepared[key]

    def reseed(self, key):
        """Draw the dropout masks from now on from a generator seeded by ``key`` (an int or ints)."""
        self._rng = np.random.default_rng(key)

    def _dropout_mask(self, shape):
        return dropout_mask(self._rng, shape, self.dropout, self.dtype)

    def backward(self, tape, grad_output=None, grad_state=None, input_grad=True):
        """Backpropagate through time from the gradients of the outputs and of the final state.

        Parameters
        ----------
        tape : :class:`Tape` from ``forward(..., record=True)``.
        grad_output : gradient with respect to ``out`` (same shape), or ``None`` for zero.
        grad_state : gradient with respect to the final state (same shape), or ``None``.
        input_grad : bool, compute the gradient of the input (``False`` skips the first layer's
            input product and returns ``None`` for ``"input"``: training on data never reads it).

        Returns
        -------
        dict
            One entry per :meth:`state_dict` name (same shape), plus ``"input"``
            (the shape of ``x``) and ``"state"`` (the shape of the initial
            state: an array, or ``(dh, dc)`` for the LSTM).
        """
        if not isinstance(tape, Tape):
            raise TypeError("tape must be the Tape returned by forward(..., record=True)")
        return self._backward(tape, grad_output, grad_state, input_grad)

    def _backward(self, tape, grad_output, grad_state, input_grad=True):
        first = tape.layers[0][0]
        T, B = first.x.shape[:2]
        H, dirs = self.hidden_size, self.num_directions
        ops, arrays = self._ops, self.backend
        count = len(self.cell.state_names)
        expected = (T, dirs * H) if tape.unbatched else ((B, T) if self.batch_first else (T, B)) + (dirs * H,)
        if grad_output is None:
            dout = arrays.from_user(np.zeros((T, B, dirs * H), dtype=self.dtype))
        elif arrays.is_device_input(grad_output):
            dout = arrays.checked("grad_output", grad_output, self.dtype, expected, finite=False)
            dout = self._time_major(dout).reshape(T, B, dirs * H)
        else:
            dout = v.check_shape("grad_output", v.as_float_array(grad_output, self.dtype,
                                                                 "grad_output"), expected)
            dout = arrays.from_user(self._time_major(dout).reshape(T, B, dirs * H))
        d_final = self._check_states(grad_state, "grad_state", B, tape.unbatched, count, finite=False)
        grads = {}
        d_init = [arrays.empty(d_final[0].shape, self.dtype) for _ in range(count)]
        for layer in reversed(range(self.num_layers)):
            d_in = None
            for d in range(dirs):
                k = layer * dirs + d
                g = ops.backward(tape.layers[layer][d], dout if dirs == 1 else arrays.columns(dout, d * H, (d + 1) * H),
                                 d_final[0][k], d_final[1][k] if count == 2 else None, input_grad or layer > 0)
                names = self._layer_names(layer, d)
                for name, key in zip(names, ("w_ih", "w_hh", "b_ih", "b_hh")):
                    grads[name] = g[key]
                arrays.put(d_init[0], k, g["h0"])
                if count == 2:
                    arrays.put(d_init[1], k, g["c0"])
                d_in = g["input"] if d_in is None else arrays.add(d_in, g["input"])
            if d_in is None:  # the first layer's, not asked for
                dout = None
                break
            if tape.dropout_masks[layer] is not None:
                d_in = arrays.multiply(d_in, tape.dropout_masks[layer])
            dout = d_in
        grads["input"] = None if dout is None else arrays.to_user(
            dout.reshape(T, dout.shape[2]) if tape.unbatched else self._time_major(dout), tape.like)
        grads["state"] = self._pack_state(d_init, tape.unbatched, tape.like)
        return {name: grads[name] for name in (*self.params, "input", "state")}

    def __repr__(self):
        extra = f", nonlinearity={self.nonlinearity!r}" if self.cell.name == "rnn" else ""
        return (f"{type(self).__name__}({self.input_size}, {self.hidden_size}, "
                f"num_layers={self.num_layers}, bias={self.bias}, bidirectional={self.bidirectional}, "
                f"dropout={self.dropout}, dtype='{self.dtype}'{extra}"
                + (", batch_first=True)" if self.batch_first else ")"))


class RNN(RecurrentNetwork):
    r"""Elman recurrent network, ``h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)``.

    .. math::

        h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})

    with ``nonlinearity="relu"`` replacing tanh by ``max(0, .)``.

    Parameters
    ----------
    input_size, hidden_size : int
    num_layers : int, stacked layers (the input of layer k > 0 is the output of layer k-1).
    nonlinearity : ``"tanh"`` or ``"relu"``.
    bias : bool, use ``bias_ih`` and ``bias_hh``.
    bidirectional : bool, add a reverse direction; outputs are concatenated.
    dropout : float, dropout probability on the input of every layer but the
        first, applied only when recording for training.
    dtype : ``"float32"`` or ``"float64"``.
    device : ``"cpu"`` or ``"cuda"`` (numba-cuda kernels; a clear error when no GPU is usable,
        naming the CUDA simulator switch for testing).
    seed : int or None, seeds initialisation and dropout.
    batch_first : bool, take ``x`` and give the outputs and the input gradient as (B, T, F) instead of
        (T, B, F), as ``torch.nn``'s ``batch_first`` (states stay (layers*dirs, B, H)); what
        ``xr.apply_ufunc`` hands a function whose core dimensions are (time, feature).

    Attributes
    ----------
    params : dict of name -> ndarray: ``weight_ih_l{k}`` (H, D_in),
        ``weight_hh_l{k}`` (H, H), ``bias_ih_l{k}`` (H,), ``bias_hh_l{k}`` (H,),
        with ``_reverse`` for the reverse direction. All are drawn from
        U(-1/sqrt(H), 1/sqrt(H)).

    Examples
    --------
    >>> import numpy as np, numbarnn
    >>> net = numbarnn.RNN(3, 5, num_layers=2, seed=0)
    >>> out, h = net(np.ones((7, 2, 3), dtype="float32"))
    >>> out.shape, h.shape
    ((7, 2, 5), (2, 2, 5))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 bidirectional=False, dropout=0.0, dtype=DEFAULT_DTYPE, device="cpu", seed=None,
                 batch_first=False):
        self.nonlinearity = v.check_option("nonlinearity", nonlinearity, ("tanh", "relu"))
        super().__init__(input_size, hidden_size, num_layers, bias, bidirectional, dropout,
                         dtype, device, seed, batch_first)


class LSTM(RecurrentNetwork):
    r"""Long short-term memory network, PyTorch's equations and gate order (i, f, g, o).

    .. math::

        i_t &= \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}) \\
        f_t &= \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf}) \\
        g_t &= \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg}) \\
        o_t &= \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho}) \\
        c_t &= f_t \odot c_{t-1} + i_t \odot g_t \\
        h_t &= o_t \odot \tanh(c_t)

    Parameters are as for :class:`RNN` (without ``nonlinearity``). The state
    is the tuple ``(h, c)``, each (layers*dirs, B, H). ``weight_ih_l{k}`` is
    (4H, D_in) and ``weight_hh_l{k}`` (4H, H), rows stacked in the order i, f, g, o.

    Examples
    --------
    >>> import numpy as np, numbarnn
    >>> net = numbarnn.LSTM(2, 4, bidirectional=True, dtype="float64", seed=0)
    >>> x = np.zeros((6, 3, 2))
    >>> out, (h, c), tape = net.forward(x, lengths=[6, 4, 1])
    >>> out.shape, h.shape, float(abs(out[4:, 1]).max())
    ((6, 3, 8), (2, 3, 4), 0.0)
    >>> grads = net.backward(tape, grad_output=np.ones_like(out))
    >>> grads["weight_hh_l0"].shape, grads["input"].shape, grads["state"][1].shape
    ((16, 4), (6, 3, 2), (2, 3, 4))
    """

    _cell = "lstm"


class GRU(RecurrentNetwork):
    r"""Gated recurrent unit network, PyTorch's equations and gate order (r, z, n).

    .. math::

        r_t &= \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\
        z_t &= \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\
        n_t &= \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})) \\
        h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}

    Parameters are as for :class:`RNN` (without ``nonlinearity``).
    ``weight_ih_l{k}`` is (3H, D_in) and ``weight_hh_l{k}`` (3H, H), rows in
    the order r, z, n.

    Examples
    --------
    >>> import numpy as np, numbarnn
    >>> net = numbarnn.GRU(1, 8, seed=0)
    >>> out, h = net(np.sin(np.linspace(0, 6, 50, dtype="float32"))[:, None])
    >>> out.shape, h.shape
    ((50, 8), (1, 8))
    """

    _cell = "gru"


#: The network class of every cell, by the cell's name.
NETWORKS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}
