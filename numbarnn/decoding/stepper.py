"""What the search functions step through: a decoder's ``step`` and ``reorder``, and one over a network.

Every search in :mod:`numbarnn.decoding` works on any object with two methods:

``step(tokens, state) -> (log_probs, state)``
    ``tokens`` (N,) integer array, the symbols just emitted (or the last prompt symbol); ``state``
    the decoder's state for those N rows (``None`` before the first step where the decoder
    allows it). ``log_probs`` (N, V) float64: the log-probabilities of the next symbol.
``reorder(state, index) -> state``
    The state of rows ``index`` (an integer array, repeats allowed), which is how beams are
    kept, dropped and copied.

:class:`RecurrentDecoder` is that object for the usual language model: an embedding, a
one-directional recurrent network stepped with ``net.step`` (on its own device) and a linear
readout; :class:`Seq2SeqDecoder` is the decoder of an encoder-decoder with attention.
"""

import numpy as np

from ..nn.seq2seq_model import BOS_INDEX


def log_softmax(logits):
    """Row-wise ``log(softmax(logits))`` in float64, stable for large logits."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def reorder_state(state, index, axis=1):
    """Rows ``index`` of a recurrent state: an array with the batch on ``axis`` (a network's
    ``(layers, B, H)``), or a tuple of such (the LSTM's ``(h, c)``); ``None`` stays ``None``."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(reorder_state(s, index, axis) for s in state)
    return state.take(np.asarray(index), axis=axis) if isinstance(state, np.ndarray) else state[:, index]


class RecurrentDecoder:
    """Embedding -> recurrent network (stepped) -> linear readout -> log-softmax.

    Parameters
    ----------
    embedding : :class:`numbarnn.nn.Embedding` (V, E).
    net : a one-directional :class:`numbarnn.nn.RecurrentNetwork` with input size E.
    head : :class:`numbarnn.nn.Linear` from the network's hidden size to V.

    Examples
    --------
    >>> import numpy as np
    >>> from numbarnn.nn import GRU, Embedding, Linear
    >>> from numbarnn.decoding import RecurrentDecoder
    >>> rng = np.random.default_rng(0)
    >>> dec = RecurrentDecoder(Embedding(5, 3, dtype="float64", seed=0), GRU(3, 4, dtype="float64", seed=0),
    ...                        Linear(4, 5, "float64", rng))
    >>> log_probs, state = dec.prime(np.array([[1, 2], [3, 0]]), lengths=[2, 1])  # prompts 1 3, and 2
    >>> log_probs.shape, state.shape, bool(np.allclose(np.exp(log_probs).sum(axis=1), 1))
    ((2, 5), (1, 2, 4), True)
    >>> step_log_probs, _ = dec.step(np.array([3]), dec.prime(np.array([[1]]))[1])   # the same, one step at a time
    >>> bool(np.allclose(step_log_probs[0], log_probs[0], rtol=0, atol=1e-12))
    True
    """

    def __init__(self, embedding, net, head):
        if net.bidirectional:
            raise ValueError("a decoder steps one symbol at a time, so its network must be one-directional; "
                             "build it with bidirectional=False")
        self.embedding, self.net, self.head = embedding, net, head

    def step(self, tokens, state):
        x = self.embedding.forward(np.asarray(tokens, dtype=np.int64)).astype(self.net.dtype, copy=False)
        out, state = self.net.step(x, state)
        out = self.net.backend.to_host(out)
        return log_softmax(self.head.forward(out)), state

    def reorder(self, state, index):
        return reorder_state(state, index)

    def prime(self, prompts, lengths=None):
        """Read whole prompts: ``prompts`` (T, N) int, ``lengths`` (N,) in [1, T] (default T).

        Returns ``(log_probs, state)``: the distribution of each prompt's next symbol (N, V) and
        the state after its last symbol, where every search starts.
        """
        prompts = np.asarray(prompts, dtype=np.int64)
        T, N = prompts.shape
        x = self.embedding.forward(prompts.reshape(-1)).reshape(T, N, -1).astype(self.net.dtype, copy=False)
        out, state = self.net(x, lengths=lengths)
        last = np.full(N, T - 1) if lengths is None else np.asarray(lengths) - 1
        out = self.net.backend.to_host(out)[last, np.arange(N)]
        return log_softmax(self.head.forward(out)), state


class Seq2SeqDecoder:
    """A fitted :class:`numbarnn.nn.Seq2SeqModel`'s decoder as a step/reorder object for the searches.

    The state is ``(decoder state, prepared memory)``, every array with the batch on axis 1.
    """

    def __init__(self, model):
        self.model = model

    def start(self, src, src_len):
        """``(log_probs, state)`` of the first target symbol for sources ``src`` (S, B)."""
        memory, init, _ = self.model.encode(src, src_len)
        prepared = self.model.attention.prepare(memory, src_len) if self.model.attention else None
        return self.step(np.full(src.shape[1], BOS_INDEX), (init, prepared))

    def step(self, tokens, state):
        m = self.model
        dec_state, prepared = state
        out, dec_state = m.decoder.step(m.tgt_embedding.forward(np.asarray(tokens)), dec_state)
        features = out
        if m.attention:
            context, _, _ = m.attention.forward(out, prepared)
            features = np.concatenate([out, context.astype(out.dtype, copy=False)], axis=1)
        return log_softmax(m.head.forward(features)), (dec_state, prepared)

    def reorder(self, state, index):
        return reorder_state(state, index)
