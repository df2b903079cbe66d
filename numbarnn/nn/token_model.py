"""Words to labels: word embeddings and character-level word features, a recurrent stack, a linear readout.

The model behind :class:`numbarnn.SequenceTagger` and :class:`numbarnn.TextClassifier`. Each token
is read as its word's vector (a lookup in a word vocabulary) beside a vector computed from its
characters by a bidirectional character LSTM (the final states of both directions), which is what
gives a word never seen in training a useful representation. The token vectors go through a
(bidirectional) recurrent stack; a linear head reads every step (tagging) or the whole sequence
(classification). Every backward is written by hand; the pieces' own backwards are composed here.
"""

import numpy as np

from ..backends import get_backend
from .embedding import Embedding
from .linear import Linear
from .recurrent import NETWORKS, dropout_mask
from .sequence_model import final_state_features, final_state_grad

#: The word index of ``<unk>`` (:class:`numbarnn.text.Vocabulary`'s), what word dropout reads.
UNK_INDEX = 1
#: How a sequence-level head reads the recurrent outputs: the last layer's final states (both
#: directions), or the mean of the outputs over the sequence's valid steps.
READOUTS = ("timestep", "final", "mean")


class TokenModel:
    """Word and character embeddings, a recurrent stack and a linear head.

    Parameters
    ----------
    num_words : int, the word vocabulary's size (index 0 is padding).
    num_chars : int, the character vocabulary's size; 0 for no character features.
    output_size : int, the number of labels.
    word_dim, char_dim, char_hidden : sizes of the word vectors, the character vectors and each
        direction of the character LSTM (its word feature has ``2 * char_hidden`` values).
    hidden_size, num_layers, cell, bidirectional : the token-level recurrent stack.
    dropout : float, dropout on the token vectors entering the stack, between its layers and on its
        outputs before the head (training only).
    word_dropout : float, the probability that a token's word index is read as ``UNK_INDEX`` while
        training (its characters still are), so that the ``<unk>`` vector and the character
        features learn to stand in for words never seen.
    readout : one of ``READOUTS``.
    dtype, device : the recurrent networks' (the lookups and the head run on the host).
    seed : int or None.

    The input ``x`` is an integer array (T, B, 1 + K): ``x[t, b, 0]`` is the word index of token t
    of sequence b, ``x[t, b, 1:]`` its character indices padded with 0 (at least one non-zero);
    ``lengths`` (B,) marks the valid tokens. :func:`numbarnn.text.encode_tokens` builds it.

    Attributes
    ----------
    params : dict of live arrays: ``word_embedding.weight``, ``char_embedding.weight``,
        ``char_rnn.<torch name>``, ``rnn.<torch name>``, ``head.weight``, ``head.bias``.
    net : the token-level recurrent network.

    Examples
    --------
    >>> import numpy as np
    >>> from numbarnn.nn import TokenModel
    >>> model = TokenModel(num_words=20, num_chars=10, output_size=3, word_dim=4, char_dim=3,
    ...                    char_hidden=2, hidden_size=5, seed=0)
    >>> x = np.zeros((4, 2, 3), dtype=np.int64)         # 4 tokens, 2 sentences, words of <= 2 chars
    >>> x[:, :, 0], x[:, :, 1] = 5, 7
    >>> logits, _, tape = model.forward(x, lengths=[4, 2])
    >>> logits.shape, sorted(model.backward(tape, np.ones_like(logits)))[:3]
    ((4, 2, 3), ['char_embedding.weight', 'char_rnn.bias_hh_l0', 'char_rnn.bias_hh_l0_reverse'])
    """

    def __init__(self, num_words, num_chars, output_size, word_dim=100, char_dim=30, char_hidden=50,
                 hidden_size=128, num_layers=1, cell="lstm", bidirectional=True, dropout=0.0, word_dropout=0.0,
                 readout="timestep", dtype="float32", device="cpu", seed=None):
        if readout not in READOUTS:
            raise ValueError(f"readout must be one of {READOUTS}, got {readout!r}")
        for name, p in (("dropout", dropout), ("word_dropout", word_dropout)):
            if not 0.0 <= p < 1.0:
                raise ValueError(f"{name} must be a probability in [0, 1), got {p!r}")
        rng = np.random.default_rng(seed)
        seeds = rng.integers(2**31, size=4)
        self.readout = readout
        self.dropout = float(dropout)
        self.word_dropout = float(word_dropout)
        self.word_embedding = Embedding(num_words, word_dim, padding_idx=0, dtype=dtype, seed=int(seeds[0]))
        self.char_embedding = self.char_rnn = None
        features = word_dim
        if num_chars:
            self.char_embedding = Embedding(num_chars, char_dim, padding_idx=0, dtype=dtype, seed=int(seeds[1]))
            self.char_rnn = NETWORKS["lstm"](char_dim, char_hidden, bidirectional=True, dtype=dtype,
                                             device=device, seed=int(seeds[2]))
            features += 2 * char_hidden
        self.net = NETWORKS[cell](features, hidden_size, num_layers=num_layers, bidirectional=bidirectional,
                                  dropout=dropout, dtype=dtype, device=device, seed=int(seeds[3]))
        self.head = Linear(self.net.num_directions * hidden_size, output_size, self.net.dtype, rng)
        self.dtype = self.net.dtype
        self._rng = rng
        self._host = get_backend("cpu")

    @property
    def params(self):
        p = {"word_embedding.weight": self.word_embedding.params["weight"]}
        if self.char_rnn is not None:
            p["char_embedding.weight"] = self.char_embedding.params["weight"]
            p.update({f"char_rnn.{k}": v for k, v in self.char_rnn.params.items()})
        p.update({f"rnn.{k}": v for k, v in self.net.params.items()})
        p.update({f"head.{k}": v for k, v in self.head.params.items()})
        return p

    def load_params(self, values):
        """Copy ``values`` (same names as :attr:`params`) into the live arrays."""
        for name, arr in self.params.items():
            arr[...] = values[name]

    def reseed(self, key):
        """Draw the random parts of training (dropout masks, word dropout) from now on from generators
        seeded by ``key`` (a tuple of ints)."""
        self._rng = np.random.default_rng(key + (0,))
        self.net.reseed(key + (1,))
        if self.char_rnn is not None:
            self.char_rnn.reseed(key + (2,))

    def _mask(self, shape, record):
        if not (record and self.dropout > 0):
            return None
        return dropout_mask(self._rng, shape, self.dropout, self.dtype)

    # -- the character features --------------------------------------------------------

    def _char_forward(self, chars, valid, record):
        """Character features of the valid tokens, (T, B, 2 * char_hidden), and what backward needs.

        Each distinct spelling in the batch runs through the character LSTM once."""
        rows = chars[valid]  # (n_tokens, K)
        spellings, inverse = np.unique(rows, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        lengths = (spellings != 0).sum(axis=1)
        steps = int(lengths.max())
        ids = np.ascontiguousarray(spellings[:, :steps].T)  # (K', U) time-major
        vectors = self.char_embedding.forward(ids)
        _, state, tape = self.char_rnn.forward(vectors, lengths=lengths, record=record)
        per_spelling = final_state_features(state, 2)
        out = np.zeros(valid.shape + (per_spelling.shape[1],), dtype=self.dtype)
        out[valid] = per_spelling[inverse]
        return out, (ids, inverse, len(spellings), state, tape)

    def _char_backward(self, saved, d_out, valid):
        ids, inverse, count, state, tape = saved
        d_tokens = np.ascontiguousarray(d_out[valid], dtype=self.dtype)
        d_spelling = self._host.embedding_backward(d_tokens, inverse, count, -1)  # sum over each spelling's uses
        g = self.char_rnn.backward(tape, None, final_state_grad(d_spelling, state, 2))
        grads = {f"char_rnn.{k}": g[k] for k in self.char_rnn.params}
        grads["char_embedding.weight"] = self.char_embedding.backward(ids, g["input"])["weight"]
        return grads

    # -- forward and backward ----------------------------------------------------------

    def forward(self, x, state=None, lengths=None, record=True):
        """Return ``(y, state, tape)``: ``y`` is (T, B, out) for ``readout="timestep"``, else (B, out)."""
        x = np.asarray(x)
        T, B = x.shape[:2]
        lengths = np.full(B, T, dtype=np.int64) if lengths is None else np.asarray(lengths, dtype=np.int64)
        valid = np.arange(T)[:, None] < lengths[None, :]
        words = np.where(valid, x[:, :, 0], 0)
        if record and self.word_dropout > 0:
            words = np.where(valid & (self._rng.random(valid.shape) < self.word_dropout), UNK_INDEX, words)
        parts = [self.word_embedding.forward(words)]
        char_saved = None
        if self.char_rnn is not None:
            char_features, char_saved = self._char_forward(x[:, :, 1:], valid, record)
            parts.append(char_features)
        tokens = np.concatenate(parts, axis=2) if len(parts) > 1 else parts[0]
        in_mask = self._mask(tokens.shape, record)
        if in_mask is not None:
            tokens = tokens * in_mask
        out, final, net_tape = self.net.forward(tokens, state, lengths, record=record)
        if self.readout == "timestep":
            features = out
        elif self.readout == "final":
            features = final_state_features(final, self.net.num_directions)
        else:
            features = out.sum(axis=0) / lengths[:, None].astype(self.dtype)
        out_mask = self._mask(features.shape, record)
        if out_mask is not None:
            features = features * out_mask
        y = self.head.forward(features)
        tape = (words, valid, lengths, char_saved, in_mask, net_tape, final, features, out_mask, parts[0].shape[2])
        return y, final, tape if record else None

    def backward(self, tape, grad_y, grad_state=None):
        """Gradients of every entry of :attr:`params`, plus ``"state"`` (the initial state's)."""
        words, valid, lengths, char_saved, in_mask, net_tape, final, features, out_mask, word_dim = tape
        head_grads, d_features = self.head.backward(features, grad_y)
        if out_mask is not None:
            d_features = d_features * out_mask
        if self.readout == "timestep":
            g = self.net.backward(net_tape, d_features, grad_state)
        elif self.readout == "final":
            g = self.net.backward(net_tape, None, final_state_grad(d_features, final, self.net.num_directions,
                                                                   grad_state))
        else:
            d_out = np.broadcast_to(d_features / lengths[:, None].astype(self.dtype), (len(valid),) + d_features.shape)
            g = self.net.backward(net_tape, d_out * valid[:, :, None], grad_state)
        d_tokens = g["input"] if in_mask is None else g["input"] * in_mask
        grads = {"word_embedding.weight": self.word_embedding.backward(
            words, np.ascontiguousarray(d_tokens[:, :, :word_dim]))["weight"]}
        if self.char_rnn is not None:
            grads.update(self._char_backward(char_saved, d_tokens[:, :, word_dim:], valid))
        grads.update({f"rnn.{k}": g[k] for k in self.net.params})
        grads.update({f"head.{k}": v for k, v in head_grads.items()})
        grads["state"] = g["state"]
        return {name: grads[name] for name in (*self.params, "state")}
