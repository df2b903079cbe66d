r"""Attention over an encoder's outputs: additive (Bahdanau) and multiplicative (Luong) scores.

A decoder at step t holds a query :math:`q` (B, Q); the encoder left a memory
:math:`m_s` (S, B, M) with ``lengths`` (B,) valid steps per sequence. Each valid step gets a score,
the scores a softmax over the valid steps, and the context is the weighted mean of the memory:

.. math::

    e_s = \begin{cases}
        v^\top \tanh(W_q q + W_m m_s + b) & \text{additive (Bahdanau, Cho and Bengio 2015)} \\
        q^\top W m_s & \text{general (Luong, Pham and Manning 2015)} \\
        q^\top m_s & \text{dot}
    \end{cases}
    \qquad \alpha = \mathrm{softmax}(e), \qquad c = \sum_s \alpha_s m_s

The part that depends on the memory alone (:math:`W_m m_s` for additive scores, :math:`W^\top q`
is cheaper than :math:`W m_s` per step, so general scores project the query) is computed once per
sequence by :meth:`Attention.prepare`, and every decoder step reuses it. The backward is written
by hand: :meth:`Attention.backward` gives one step's gradients, and :meth:`Attention.prepare_backward`
turns the memory projection's summed gradient into the weight and memory gradients once.
"""

import math

import numpy as np

from .._validation import check_positive_int

KINDS = ("additive", "general", "dot")


class Attention:
    """One attention head over a memory, with its hand-written backward.

    Parameters
    ----------
    query_size, memory_size : int, sizes Q of the query and M of each memory step.
    kind : ``"additive"`` (Bahdanau), ``"general"`` or ``"dot"`` (Luong; dot needs Q == M).
    attention_size : int, the hidden size A of the additive score (default ``query_size``).
    dtype : NumPy floating dtype; seed : int or None (U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as torch's Linear).

    Attributes
    ----------
    params : additive: ``query.weight`` (A, Q), ``memory.weight`` (A, M), ``bias`` (A,), ``v`` (A,);
        general: ``weight`` (Q, M); dot: none.

    Examples
    --------
    >>> import numpy as np
    >>> from numbarnn.nn import Attention
    >>> att = Attention(4, 6, kind="additive", dtype="float64", seed=0)
    >>> memory = np.random.default_rng(0).standard_normal((5, 2, 6))      # (S, B, M)
    >>> prepared = att.prepare(memory, lengths=[5, 3])
    >>> context, weights, cache = att.forward(np.ones((2, 4)), prepared)
    >>> context.shape, weights.shape, weights.sum(axis=0).round(12).tolist(), float(weights[3:, 1].max())
    ((2, 6), (5, 2), [1.0, 1.0], 0.0)
    """

    def __init__(self, query_size, memory_size, kind="additive", attention_size=None, dtype="float32", seed=None):
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        self.query_size = check_positive_int("query_size", query_size)
        self.memory_size = check_positive_int("memory_size", memory_size)
        if kind == "dot" and query_size != memory_size:
            raise ValueError(f"kind='dot' needs query_size == memory_size, got {query_size} and {memory_size}; "
                             "use kind='general' to learn a map between them")
        self.kind = kind
        self.dtype = np.dtype(dtype)
        rng = np.random.default_rng(seed)

        def uniform(shape, fan_in):
            k = 1 / math.sqrt(fan_in)
            return rng.uniform(-k, k, shape).astype(self.dtype)

        if kind == "additive":
            A = check_positive_int("attention_size", attention_size or query_size)
            self.params = {"query.weight": uniform((A, query_size), query_size),
                           "memory.weight": uniform((A, memory_size), memory_size),
                           "bias": uniform(A, query_size), "v": uniform(A, A)}
        elif kind == "general":
            self.params = {"weight": uniform((query_size, memory_size), memory_size)}
        else:
            self.params = {}

    def prepare(self, memory, lengths=None):
        """What every step reuses: ``(memory, keys, mask)``; ``memory`` (S, B, M), ``lengths`` (B,) in [1, S]."""
        memory = np.asarray(memory)
        S, B, M = memory.shape
        if M != self.memory_size:
            raise ValueError(f"memory has {M} features per step; this attention was built for {self.memory_size}")
        lengths = np.full(B, S) if lengths is None else np.asarray(lengths)
        mask = np.arange(S)[:, None] < lengths[None, :]
        keys = memory @ self.params["memory.weight"].T if self.kind == "additive" else memory
        return memory, keys, mask

    def forward(self, query, prepared):
        """One step: ``context`` (B, M), ``weights`` (S, B) (zero past each length), and a cache for backward."""
        memory, keys, mask = prepared
        p = self.params
        if self.kind == "additive":
            hidden = np.tanh(keys + (query @ p["query.weight"].T + p["bias"])[None])   # (S, B, A)
            scores = hidden @ p["v"]
        else:
            hidden = None
            q = query @ p["weight"] if self.kind == "general" else query               # (B, M)
            scores = np.einsum("sbm,bm->sb", memory, q)
        scores = np.where(mask, scores, -np.inf)
        weights = np.exp(scores - scores.max(axis=0, keepdims=True))
        weights = weights / weights.sum(axis=0, keepdims=True)
        context = np.einsum("sb,sbm->bm", weights, memory)
        return context, weights, (query, hidden, weights)

    def backward(self, prepared, cache, d_context, d_weights=None):
        """One step's gradients: ``(grads, d_query, d_memory, d_keys)``.

        ``grads`` holds this step's parameter gradients except the memory projection's, which
        come from the summed ``d_keys`` (S, B, A) through :meth:`prepare_backward` (``None`` unless
        additive); ``d_memory`` (S, B, M) is the memory's direct gradient from this step.
        """
        memory, keys, mask = prepared
        query, hidden, weights = cache
        p = self.params
        d_w = np.einsum("bm,sbm->sb", d_context, memory)
        if d_weights is not None:
            d_w = d_w + d_weights
        d_memory = weights[:, :, None] * d_context[None]
        d_scores = weights * (d_w - (weights * d_w).sum(axis=0, keepdims=True))   # softmax backward
        grads, d_keys = {}, None
        if self.kind == "additive":
            d_hidden = d_scores[:, :, None] * p["v"] * (1 - hidden * hidden)        # (S, B, A)
            grads["v"] = np.einsum("sb,sba->a", d_scores, hidden)
            d_pre_q = d_hidden.sum(axis=0)                                          # (B, A)
            grads["query.weight"] = d_pre_q.T @ query
            grads["bias"] = d_pre_q.sum(axis=0)
            d_query = d_pre_q @ p["query.weight"]
            d_keys = d_hidden
        else:
            d_q = np.einsum("sb,sbm->bm", d_scores, memory)
            q = query @ p["weight"] if self.kind == "general" else query
            d_memory = d_memory + d_scores[:, :, None] * q[None]
            if self.kind == "general":
                grads["weight"] = query.T @ d_q
                d_query = d_q @ p["weight"].T
            else:
                d_query = d_q
        return grads, d_query, d_memory, d_keys

    def prepare_backward(self, prepared, d_keys):
        """The memory projection's gradients from ``d_keys`` summed over steps: ``(grads, d_memory)``."""
        if d_keys is None:
            return {}, 0
        memory = prepared[0]
        M = memory.shape[2]
        grads = {"memory.weight": d_keys.reshape(-1, d_keys.shape[2]).T @ memory.reshape(-1, M)}
        return grads, d_keys @ self.params["memory.weight"]
