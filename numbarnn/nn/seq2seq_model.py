"""An encoder-decoder: a recurrent encoder, a recurrent decoder that starts from the encoder's final state,
attention over the encoder's outputs, and a readout (Luong, Pham and Manning 2015, global attention).

The encoder reads the source (optionally both ways, stacked); the decoder, with ``dirs * hidden_size``
units per layer, starts from the encoder's final states (both directions of a layer side by side)
and reads the target shifted right (``<bos>`` first). At each target step its output ``s_t`` is the
query of an :class:`~numbarnn.nn.Attention` over the encoder outputs, and the readout sees
``[s_t, c_t]``. Training runs the decoder over the whole target at once (teacher forcing);
``scheduled_sampling`` replaces that share of the gold inputs by the model's own predictions from a
first, teacher-forced pass (two-pass scheduled sampling, Mihaylova and Martins 2019). Every backward
is the layers' own, composed by hand. :class:`numbarnn.decoding.Seq2SeqDecoder` steps a fitted one.
"""

import numpy as np

from .attention import Attention
from .embedding import Embedding
from .linear import Linear
from .recurrent import NETWORKS

#: The target vocabulary's ``<bos>`` index (:class:`numbarnn.text.Vocabulary`'s), the decoder's first input.
BOS_INDEX = 2


def _map_state(state, fn):
    return tuple(fn(s) for s in state) if isinstance(state, tuple) else fn(state)


class Seq2SeqModel:
    """Encoder, decoder, attention and readout over integer symbols.

    Parameters
    ----------
    num_source, num_target : vocabulary sizes (index 0 is padding in both).
    embedding_dim, hidden_size, num_layers, cell : sizes of both networks (the decoder has
        ``dirs * hidden_size`` units).
    bidirectional : the encoder reads the source both ways.
    attention : ``"additive"``, ``"general"``, ``"dot"`` or ``None`` (the decoder sees only the
        encoder's final state, the fixed-size context attention was made to overcome).
    dropout : between stacked layers. scheduled_sampling : see the module text.
    dtype, device, seed.

    The input ``x`` is (T, B, 2) integers: ``x[:, b, 0]`` the source, ``x[:, b, 1]`` the decoder
    input (``<bos>`` then the target), both padded with 0; the output (T, B, num_target) scores the
    next target symbol at each decoder step (zeros past the target).

    Examples
    --------
    >>> import numpy as np
    >>> from numbarnn.nn import Seq2SeqModel
    >>> model = Seq2SeqModel(6, 5, embedding_dim=3, hidden_size=4, seed=0)
    >>> x = np.zeros((4, 2, 2), dtype=np.int64)
    >>> x[:, 0, 0], x[:3, 1, 0] = [3, 4, 5, 4], [5, 5, 3]          # sources of 4 and 3 symbols
    >>> x[:3, :, 1] = [[2, 2], [3, 4], [4, 0]]                      # <bos> and targets of 2 and 1
    >>> logits, _, tape = model.forward(x)
    >>> logits.shape, float(np.abs(logits[2:, 1]).max())
    ((4, 2, 5), 0.0)
    >>> grads = model.backward(tape, np.ones_like(logits))
    >>> sorted(grads)[:3]
    ['attention.bias', 'attention.memory.weight', 'attention.query.weight']
    """

    def __init__(self, num_source, num_target, embedding_dim=32, hidden_size=128, num_layers=1, cell="lstm",
                 bidirectional=False, attention="additive", dropout=0.0, scheduled_sampling=0.0, dtype="float32",
                 device="cpu", seed=None):
        if not 0.0 <= scheduled_sampling <= 1.0:
            raise ValueError(f"scheduled_sampling must be a probability in [0, 1], got {scheduled_sampling!r}")
        rng = np.random.default_rng(seed)
        seeds = [int(s) for s in rng.integers(2**31, size=5)]
        self.scheduled_sampling = float(scheduled_sampling)
        self.src_embedding = Embedding(num_source, embedding_dim, padding_idx=0, dtype=dtype, seed=seeds[0])
        self.tgt_embedding = Embedding(num_target, embedding_dim, padding_idx=0, dtype=dtype, seed=seeds[1])
        self.encoder = NETWORKS[cell](embedding_dim, hidden_size, num_layers=num_layers, bidirectional=bidirectional,
                                      dropout=dropout, dtype=dtype, device=device, seed=seeds[2])
        units = self.encoder.num_directions * hidden_size
        self.decoder = NETWORKS[cell](embedding_dim, units, num_layers=num_layers, dropout=dropout, dtype=dtype,
                                      device=device, seed=seeds[3])
        self.attention = None if attention is None else Attention(units, units, kind=attention, dtype=dtype,
                                                                  seed=seeds[4])
        self.head = Linear(units * (2 if self.attention else 1), num_target, self.decoder.dtype, rng)
        self.net = self.decoder          # what the training loop's thread governor keys on
        self.dtype = self.decoder.dtype
        self._rng = rng

    @property
    def params(self):
        p = {"src_embedding.weight": self.src_embedding.params["weight"],
             "tgt_embedding.weight": self.tgt_embedding.params["weight"]}
        p.update({f"encoder.{k}": v for k, v in self.encoder.params.items()})
        p.update({f"decoder.{k}": v for k, v in self.decoder.params.items()})
        if self.attention:
            p.update({f"attention.{k}": v for k, v in self.attention.params.items()})
        p.update({f"head.{k}": v for k, v in self.head.params.items()})
        return p

    def load_params(self, values):
        """Copy ``values`` (same names as :attr:`params`) into the live arrays."""
        for name, arr in self.params.items():
            arr[...] = values[name]

    def reseed(self, key):
        """Draw the random parts of training (scheduled sampling, dropout masks) from now on from
        generators seeded by ``key`` (a tuple of ints)."""
        self._rng = np.random.default_rng(key + (0,))
        self.encoder.reseed(key + (1,))
        self.decoder.reseed(key + (2,))

    # -- the encoder's final state as the decoder's initial state ----------------------

    def _bridge(self, state):
        """(layers * dirs, B, H) -> (layers, B, dirs * H): a layer's directions side by side."""
        L, dirs = self.encoder.num_layers, self.encoder.num_directions

        def fn(h):
            _, B, H = h.shape
            return np.ascontiguousarray(h.reshape(L, dirs, B, H).transpose(0, 2, 1, 3).reshape(L, B, dirs * H))
        return _map_state(state, fn)

    def _bridge_back(self, grad):
        L, dirs = self.encoder.num_layers, self.encoder.num_directions

        def fn(d):
            _, B, DH = d.shape
            H = DH // dirs
            return np.ascontiguousarray(d.reshape(L, B, dirs, H).transpose(0, 2, 1, 3).reshape(L * dirs, B, H))
        return _map_state(grad, fn)

    # -- forward and backward ----------------------------------------------------------

    def encode(self, src, src_len, record=False):
        """Encoder outputs (S, B, units), the decoder's initial state, and the encoder's tape."""
        memory, h_n, tape = self.encoder.forward(self.src_embedding.forward(src), None, src_len, record=record)
        return memory, self._bridge(h_n), tape

    def _decode(self, dec_in, tgt_len, init, prepared, record):
        out, _, tape = self.decoder.forward(self.tgt_embedding.forward(dec_in), init, tgt_len, record=record)
        caches, weights = [], None
        if self.attention:
            steps = [self.attention.forward(out[t], prepared) for t in range(out.shape[0])]
            contexts = np.stack([s[0] for s in steps]).astype(self.dtype, copy=False)
            weights = np.stack([s[1] for s in steps])           # (Tt, S, B)
            caches = [s[2] for s in steps]
            features = np.concatenate([out, contexts], axis=2)
        else:
            features = out
        return self.head.forward(features), (out, tape, caches, features), weights

    def _run(self, x, record):
        x = np.asarray(x)
        src, dec_in = x[:, :, 0], x[:, :, 1]
        src_len, tgt_len = (src != 0).sum(axis=0), (dec_in != 0).sum(axis=0)
        S, Tt = int(src_len.max()), int(tgt_len.max())
        src, dec_in = np.ascontiguousarray(src[:S]), np.ascontiguousarray(dec_in[:Tt])
        memory, init, enc_tape = self.encode(src, src_len, record)
        prepared = self.attention.prepare(memory, src_len) if self.attention else None
        if record and self.scheduled_sampling > 0 and Tt > 1:
            first, _, _ = self._decode(dec_in, tgt_len, init, prepared, record=False)
            predicted = np.argmax(first[:-1], axis=2)
            swap = (self._rng.random(predicted.shape) < self.scheduled_sampling) & (dec_in[1:] != 0)
            dec_in = dec_in.copy()
            dec_in[1:] = np.where(swap, predicted, dec_in[1:])
        logits, saved, weights = self._decode(dec_in, tgt_len, init, prepared, record)
        padded = np.zeros((x.shape[0],) + logits.shape[1:], dtype=logits.dtype)
        padded[:Tt] = logits * (np.arange(Tt)[:, None] < tgt_len[None, :])[:, :, None]
        return padded, weights, (src, dec_in, enc_tape, prepared, init, saved, Tt)

    def forward(self, x, state=None, lengths=None, record=True):
        """Return ``(logits, None, tape)`` (the training loop's contract; ``state`` and ``lengths`` are
        read from the padding of ``x``)."""
        logits, _, tape = self._run(x, record)
        return logits, None, tape if record else None

    def attention_weights(self, x):
        """The attention weights of a teacher-forced pass: (decoder steps, source steps, B)."""
        return self._run(x, record=False)[1]

    def backward(self, tape, grad_y, grad_state=None):
        """Gradients of every entry of :attr:`params` (and ``"state"``: ``None``)."""
        src, dec_in, enc_tape, prepared, init, (out, dec_tape, caches, features), Tt = tape
        head_grads, d_features = self.head.backward(features, grad_y[:Tt])
        units = out.shape[2]
        d_out = np.ascontiguousarray(d_features[:, :, :units])
        d_memory, grads = None, {}
        if self.attention:
            d_ctx = d_features[:, :, units:]
            d_memory, d_keys = 0.0, 0.0
            att = {k: np.zeros_like(v) for k, v in self.attention.params.items()}
            for t, cache in enumerate(caches):
                g, d_q, d_m, d_k = self.attention.backward(prepared, cache, d_ctx[t])
                for k, v in g.items():
                    att[k] += v
                d_out[t] += d_q.astype(self.dtype, copy=False)
                d_memory = d_memory + d_m
                if d_k is not None:
                    d_keys = d_keys + d_k
            g, d_m = self.attention.prepare_backward(prepared, d_keys if self.attention.kind == "additive" else None)
            for k, v in g.items():
                att[k] += v
            d_memory = np.ascontiguousarray(d_memory + d_m, dtype=self.dtype)
            grads.update({f"attention.{k}": v for k, v in att.items()})
        dec = self.decoder.backward(dec_tape, d_out)
        enc = self.encoder.backward(enc_tape, d_memory, self._bridge_back(dec["state"]))
        grads["src_embedding.weight"] = self.src_embedding.backward(src, enc["input"])["weight"]
        grads["tgt_embedding.weight"] = self.tgt_embedding.backward(dec_in, dec["input"])["weight"]
        grads.update({f"encoder.{k}": enc[k] for k in self.encoder.params})
        grads.update({f"decoder.{k}": dec[k] for k in self.decoder.params})
        grads.update({f"head.{k}": v for k, v in head_grads.items()})
        grads["state"] = None
        return {name: grads[name] for name in (*self.params, "state")}
