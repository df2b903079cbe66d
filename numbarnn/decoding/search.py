"""Greedy decoding, sampling (temperature, top-k, nucleus), beam search and stochastic beam search.

Every search starts where a prompt ends: ``log_probs`` (N, V), the distribution of each of N
prompts' next symbol, and ``state``, the decoder's state after the prompt (what
:meth:`.RecurrentDecoder.prime` returns), and steps ``decoder`` (see :mod:`.stepper`) until each
sequence has emitted ``eos`` or ``max_length`` symbols. All are batched over the N prompts, step
only the rows still running, and draw every random number from one
``numpy.random.default_rng(random_state)``, so a seed gives the same output on every run.

Each returns a :class:`Decoded`: ``tokens`` (N, K, max_length) padded with 0 after each
sequence's end, ``lengths`` (N, K) (``eos`` counted), ``log_probs`` (N, K), the model's log-probability
of each sequence, and ``scores`` (N, K), what the search ranked by; K is 1 for greedy, the number
of samples, or the beam width, best first.
"""

from typing import NamedTuple

import numpy as np

from .._validation import check_positive_int


class Decoded(NamedTuple):
    """Sequences found by a search (see the module's text for the shapes)."""

    tokens: np.ndarray
    lengths: np.ndarray
    log_probs: np.ndarray
    scores: np.ndarray


def _check(log_probs, max_length, eos):
    log_probs = np.asarray(log_probs, dtype=np.float64)
    if log_probs.ndim != 2 or log_probs.shape[1] < 1:
        raise ValueError(f"log_probs must be (N, V): one row of next-symbol log-probabilities per prompt; "
                         f"got shape {log_probs.shape}")
    check_positive_int("max_length", max_length)
    V = log_probs.shape[1]
    if eos is not None and not (isinstance(eos, (int, np.integer)) and 0 <= eos < V):
        raise ValueError(f"eos must be None or a symbol index in [0, {V}), got {eos!r}")
    return log_probs


def _ancestral(decoder, log_probs, state, max_length, eos, pick):
    """One symbol at a time per row, chosen by ``pick(log_probs)``, until eos or max_length."""
    N = log_probs.shape[0]
    tokens = np.zeros((N, max_length), dtype=np.int64)
    lengths = np.zeros(N, dtype=np.int64)
    total = np.zeros(N)
    rows = np.arange(N)
    for t in range(max_length):
        choice = pick(log_probs)
        tokens[rows, t] = choice
        total[rows] += log_probs[np.arange(len(rows)), choice]
        lengths[rows] += 1
        running = np.ones(len(rows), dtype=bool) if eos is None else choice != eos
        if t == max_length - 1 or not running.any():
            break
        if not running.all():
            keep = np.flatnonzero(running)
            state, rows, choice = decoder.reorder(state, keep), rows[keep], choice[keep]
        log_probs, state = decoder.step(choice, state)
        log_probs = np.asarray(log_probs, dtype=np.float64)
    return tokens, lengths, total


def greedy(decoder, log_probs, state, max_length, eos=None):
    """The most likely symbol at every step (ties: the lowest index).

    Examples
    --------
    >>> import numpy as np
    >>> from numbarnn.decoding import greedy
    >>> class Counter:                      # always most likely: the next symbol after the last one
    ...     def step(self, tokens, state):
    ...         return np.log(np.eye(4)[(tokens + 1) % 4] * 0.9 + 0.025), state
    ...     def reorder(self, state, index):
    ...         return state
    >>> start, _ = Counter().step(np.array([0, 2]), None)
    >>> out = greedy(Counter(), start, None, max_length=5, eos=3)
    >>> out.tokens[:, 0].tolist(), out.lengths[:, 0].tolist()
    ([[1, 2, 3, 0, 0], [3, 0, 0, 0, 0]], [3, 1])
    """
    log_probs = _check(log_probs, max_length, eos)
    tokens, lengths, total = _ancestral(decoder, log_probs, state, max_length, eos,
                                        lambda lp: np.argmax(lp, axis=1))
    return Decoded(tokens[:, None], lengths[:, None], total[:, None], total[:, None])


def filtered_log_probs(log_probs, temperature=1.0, top_k=None, top_p=None):
    """The distribution sampling draws from: ``log_probs / temperature``, cut to the ``top_k`` most
    likely symbols (ties at the k-th value kept) and to the smallest set whose probability reaches
    ``top_p`` (nucleus), renormalised; (N, V) float64 with ``-inf`` for symbols cut."""
    if not (isinstance(temperature, (int, float)) and temperature > 0):
        raise ValueError(f"temperature must be a number > 0, got {temperature!r}")
    z = np.asarray(log_probs, dtype=np.float64) / temperature
    V = z.shape[1]
    if top_k is not None:
        if not (isinstance(top_k, (int, np.integer)) and top_k >= 1):
            raise ValueError(f"top_k must be None or an integer >= 1, got {top_k!r}")
        if top_k < V:
            kth = np.partition(z, V - top_k, axis=1)[:, V - top_k, None]
            z = np.where(z < kth, -np.inf, z)
    z = z - z.max(axis=1, keepdims=True)
    z = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    if top_p is not None:
        if not (isinstance(top_p, (int, float)) and 0 < top_p <= 1):
            raise ValueError(f"top_p must be None or a probability in (0, 1], got {top_p!r}")
        order = np.argsort(-z, axis=1, kind="stable")
        p = np.exp(np.take_along_axis(z, order, axis=1))
        before = np.cumsum(p, axis=1) - p          # mass of the more likely symbols
        cut = np.zeros_like(z, dtype=bool)
        np.put_along_axis(cut, order, before >= top_p, axis=1)
        z = np.where(cut, -np.inf, z)
        z = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return z


def sample(decoder, log_probs, state, max_length, eos=None, temperature=1.0, top_k=None, top_p=None,
           num_samples=1, random_state=None):
    """Draw ``num_samples`` sequences per prompt, each symbol from :func:`filtered_log_probs`.

    ``scores`` and ``log_probs`` are the model's own log-probabilities of the sequences drawn
    (before temperature and cuts).

    Examples
    --------
    >>> import numpy as np
    >>> from numbarnn.decoding import sample
    >>> class Coin:                         # two symbols, 0 with probability 0.8, forever
    ...     def step(self, tokens, state):
    ...         return np.log(np.tile([0.8, 0.2], (len(tokens), 1))), state
    ...     def reorder(self, state, index):
    ...         return state
    >>> start, _ = Coin().step(np.zeros(1, dtype=int), None)
    >>> out = sample(Coin(), start, None, max_length=1, num_samples=1000, random_state=0)
    >>> round(float((out.tokens[0, :, 0] == 0).mean()), 1)
    0.8
    """
    log_probs = _check(log_probs, max_length, eos)
    check_positive_int("num_samples", num_samples)
    filtered_log_probs(log_probs[:1], temperature, top_k, top_p)   # the options' checks, before any work
    rng = np.random.default_rng(random_state)
    N = log_probs.shape[0]
    if num_samples > 1:
        index = np.repeat(np.arange(N), num_samples)
        log_probs, state = log_probs[index], decoder.reorder(state, index)

    def pick(lp):
        p = np.exp(filtered_log_probs(lp, temperature, top_k, top_p))
        cdf = np.cumsum(p, axis=1)
        u = rng.random(len(lp))[:, None] * cdf[:, -1:]
        return np.minimum((cdf <= u).sum(axis=1), lp.shape[1] - 1)

    tokens, lengths, total = _ancestral(decoder, log_probs, state, max_length, eos, pick)
    K = num_samples
    return Decoded(tokens.reshape(N, K, -1), lengths.reshape(N, K), total.reshape(N, K), total.reshape(N, K))


def _beams(decoder, log_probs, state, max_length, eos, width, rank, keep_ended):
    """The search shared by beam search and stochastic beam search.

    The rows of ``state`` are the running beams; ``prompt`` says whose each is. At each step
    ``rank(keys, cand_logp)`` gives every extension of every running beam a ranking key, and per
    prompt the ``width`` best extensions are kept: those that end (``eos``, or ``max_length``
    reached) as ended sequences, the others as the next step's beams. With ``keep_ended`` the
    ended sequences keep competing for the ``width`` places (stochastic beam search); without
    it they leave the beam and a prompt stops once ``width`` of its sequences have ended.
    Returns, per prompt, a list of ``(key, log_prob, tokens)`` of the ended sequences.
    """
    N, V = log_probs.shape
    prompt = np.arange(N)
    logp = np.zeros(N)                       # log-probability of each running beam
    keys = np.zeros(N)                       # its ranking key
    seqs = np.zeros((N, 0), dtype=np.int64)
    ended = [[] for _ in range(N)]
    for t in range(max_length):
        cand_logp = logp[:, None] + log_probs
        cand_key = rank(keys, cand_logp)
        last = t == max_length - 1
        beams = []
        for n in np.unique(prompt):
            rows = np.flatnonzero(prompt == n)
            flat = cand_key[rows].ravel()
            top = np.argsort(-flat, kind="stable")[:width]
            top = top[np.isfinite(flat[top])]
            if keep_ended:   # the ended sequences hold their places: extensions fill what is left
                cut = sorted([e[0] for e in ended[n]] + flat[top].tolist(), reverse=True)[:width]
                bar = cut[-1] if len(cut) == width else -np.inf
                ended[n] = [e for e in ended[n] if e[0] >= bar][:width]
                top = top[flat[top] >= bar][:width - len(ended[n])]
            for i in top:
                r, v = divmod(int(i), V)
                row = rows[r]
                if last or (eos is not None and v == eos):
                    ended[n].append((float(flat[i]), float(cand_logp[row, v]), np.append(seqs[row], v)))
                else:
                    beams.append((row, v, flat[i], n))
            if not keep_ended and len(ended[n]) >= width:
                beams = [b for b in beams if b[3] != n]
        if not beams:
            break
        rows = np.array([b[0] for b in beams])
        symbols = np.array([b[1] for b in beams], dtype=np.int64)
        keys = np.array([b[2] for b in beams], dtype=np.float64)
        prompt = np.array([b[3] for b in beams])
        logp = cand_logp[rows, symbols]
        seqs = np.concatenate([seqs[rows], symbols[:, None]], axis=1)
        state = decoder.reorder(state, rows)
        log_probs, state = decoder.step(symbols, state)
        log_probs = np.asarray(log_probs, dtype=np.float64)
    return ended


def _gather(ended, width, max_length, score):
    N = len(ended)
    tokens = np.zeros((N, width, max_length), dtype=np.int64)
    lengths = np.zeros((N, width), dtype=np.int64)
    log_probs = np.full((N, width), -np.inf)
    scores = np.full((N, width), -np.inf)
    for n, seqs in enumerate(ended):
        ranked = sorted(((score(key, lp, len(tok)), lp, tok) for key, lp, tok in seqs), key=lambda e: -e[0])
        for k, (s, lp, tok) in enumerate(ranked[:width]):
            tokens[n, k, :len(tok)] = tok
            lengths[n, k], log_probs[n, k], scores[n, k] = len(tok), lp, s
    return Decoded(tokens, lengths, log_probs, scores)


def beam_search(decoder, log_probs, state, max_length, beam_width=4, eos=None, length_penalty=0.0):
    """Keep the ``beam_width`` most likely partial sequences of each prompt at every step.

    At each step every running beam is extended by every symbol; of the extensions, the
    ``beam_width`` most likely are kept, those ending in ``eos`` as finished sequences and the
    others as the next step's beams. A prompt stops when it has ``beam_width`` finished
    sequences; at ``max_length`` the running beams count as finished. The finished sequences
    are returned best first by ``log_prob / length ** length_penalty`` (0: the plain
    log-probability, which favours short sequences; 0.6-1.0 is usual for translation).
    ``beam_width=1`` is greedy decoding; a width of at least the number of possible sequences
    finds the most likely one exactly.

    Examples
    --------
    >>> import numpy as np
    >>> from numbarnn.decoding import beam_search, greedy
    >>> class Trap:                         # greedy takes 0 (0.6), but 1 then 1 is likelier (0.4 * 1.0)
    ...     def step(self, tokens, state):
    ...         rows = np.where(tokens[:, None] == 1, [0.0, 1.0, 0.0], [0.5, 0.0, 0.5])
    ...         with np.errstate(divide="ignore"):
    ...             return np.log(rows), state
    ...     def reorder(self, state, index):
    ...         return state
    >>> start = np.log([[0.6, 0.4, 1e-300]])
    >>> greedy(Trap(), start, None, max_length=2).tokens[0, 0].tolist()
    [0, 0]
    >>> out = beam_search(Trap(), start, None, max_length=2, beam_width=2)
    >>> out.tokens[0].tolist(), np.exp(out.log_probs[0]).round(2).tolist()
    ([[1, 1], [0, 0]], [0.4, 0.3])
    """
    log_probs = _check(log_probs, max_length, eos)
    check_positive_int("beam_width", beam_width)
    if not (isinstance(length_penalty, (int, float)) and length_penalty >= 0):
        raise ValueError(f"length_penalty must be a number >= 0, got {length_penalty!r}")

    ended = _beams(decoder, log_probs, state, max_length, eos, beam_width,
                   lambda keys, cand_logp: cand_logp, keep_ended=False)
    return _gather(ended, beam_width, max_length, lambda key, lp, n: lp / n ** length_penalty)


def _gumbel_below(rng, phi, bound):
    """Gumbel(phi) samples (R, V) conditioned on their row maximum being ``bound`` (R,), as in
    Kool, van Hoof and Welling (2019), appendix B, in the stable form of their code."""
    g = phi - np.log(-np.log(rng.random(phi.shape)))
    g = np.where(np.isneginf(phi), -np.inf, g)
    Z = g.max(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        u = bound[:, None] - g + np.log1p(-np.exp(g - Z))
        out = bound[:, None] - np.maximum(u, 0) - np.log1p(np.exp(-np.abs(u)))
    return np.where(np.isneginf(phi), -np.inf, out)


def stochastic_beam_search(decoder, log_probs, state, max_length, beam_width=4, eos=None, random_state=None):
    """Draw ``beam_width`` distinct sequences per prompt without replacement (Gumbel-top-k).

    Kool, van Hoof and Welling (2019): every partial sequence carries a Gumbel-perturbed
    log-probability, each extension's perturbation is drawn conditioned on its parent's, and the
    ``beam_width`` largest are kept, ended sequences included, until every kept sequence has
    ended. The result is a sample without replacement from the model's distribution over
    sequences (those cut at ``max_length`` count as ended); ``scores`` are the perturbed keys, in
    decreasing order, ``log_probs`` the model's log-probabilities.

    Examples
    --------
    >>> import numpy as np
    >>> from numbarnn.decoding import stochastic_beam_search
    >>> class Die:                          # three symbols, equally likely, forever
    ...     def step(self, tokens, state):
    ...         return np.log(np.full((len(tokens), 3), 1 / 3)), state
    ...     def reorder(self, state, index):
    ...         return state
    >>> start, _ = Die().step(np.zeros(1, dtype=int), None)
    >>> out = stochastic_beam_search(Die(), start, None, max_length=2, beam_width=9, random_state=0)
    >>> len({tuple(s) for s in out.tokens[0].tolist()})     # all nine sequences, each once
    9
    """
    log_probs = _check(log_probs, max_length, eos)
    check_positive_int("beam_width", beam_width)
    rng = np.random.default_rng(random_state)

    ended = _beams(decoder, log_probs, state, max_length, eos, beam_width,
                   lambda keys, cand_logp: _gumbel_below(rng, cand_logp, keys), keep_ended=True)
    return _gather(ended, beam_width, max_length, lambda key, lp, n: key)


STRATEGIES = {"greedy": greedy, "sample": sample, "beam": beam_search, "stochastic_beam": stochastic_beam_search}


def decode(decoder, log_probs, state, max_length, strategy="greedy", **options):
    """Run the search called ``strategy`` (one of :data:`STRATEGIES`) with its ``options``."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {sorted(STRATEGIES)}, got {strategy!r}")
    return STRATEGIES[strategy](decoder, log_probs, state, max_length, **options)
