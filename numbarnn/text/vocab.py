"""The :class:`Vocabulary`: tokens to indices and back."""

from collections import Counter

import numpy as np

#: Reserved tokens, in index order: padding, unknown, begin and end of sequence.
SPECIALS = ("<pad>", "<unk>", "<bos>", "<eos>")


def _check_tokens(name, tokens):
    """``tokens`` as a list of strings, or a TypeError naming ``name`` and the first bad item."""
    if isinstance(tokens, str):
        raise TypeError(f"{name} must be a sequence of tokens (a list of strings), got one string "
                        f"{tokens[:20]!r}; split it first, e.g. text.split() or list(word)")
    tokens = list(tokens)
    for i, t in enumerate(tokens):
        if not isinstance(t, str):
            raise TypeError(f"{name}[{i}] is {type(t).__name__} {t!r}; tokens must be strings")
    return tokens


class Vocabulary:
    """An ordered set of tokens: the reserved ``SPECIALS`` first (``<pad>`` is 0), then the others.

    Parameters
    ----------
    tokens : the non-reserved tokens in index order (usually from :meth:`build`).
    lower : bool, lower-case every token before it is looked up.

    Examples
    --------
    >>> from numbarnn.text import Vocabulary
    >>> vocab = Vocabulary.build([["the", "cat", "sat"], ["the", "dog"]], min_freq=1)
    >>> len(vocab), vocab.tokens[4:]
    (8, ['the', 'cat', 'sat', 'dog'])
    >>> vocab.encode(["the", "bird", "sat"], bos=True, eos=True).tolist()
    [2, 4, 1, 6, 3]
    >>> vocab.decode([2, 4, 1, 6, 3, 0, 0])
    ['the', '<unk>', 'sat']
    """

    def __init__(self, tokens=(), lower=False):
        tokens = _check_tokens("tokens", tokens)
        reserved = [t for t in tokens if t in SPECIALS]
        if reserved:
            raise ValueError(f"tokens holds the reserved {reserved[0]!r}; the specials {SPECIALS} come first "
                             "by themselves")
        if len(set(tokens)) != len(tokens):
            dup = next(t for t, n in Counter(tokens).items() if n > 1)
            raise ValueError(f"tokens holds {dup!r} more than once; a vocabulary lists each token once")
        self.lower = bool(lower)
        self.tokens = list(SPECIALS) + tokens
        self._index = {t: i for i, t in enumerate(self.tokens)}

    pad_index, unk_index, bos_index, eos_index = range(len(SPECIALS))

    @classmethod
    def build(cls, sequences, min_freq=1, max_size=None, lower=False):
        """The vocabulary of ``sequences`` (lists of tokens): tokens seen at least ``min_freq`` times,
        most frequent first (ties in order of first appearance), at most ``max_size`` of them (specials
        not counted)."""
        if not (isinstance(min_freq, (int, np.integer)) and min_freq >= 1):
            raise ValueError(f"min_freq must be an integer >= 1, got {min_freq!r}")
        if max_size is not None and not (isinstance(max_size, (int, np.integer)) and max_size >= 0):
            raise ValueError(f"max_size must be None or an integer >= 0, got {max_size!r}")
        counts = Counter()
        for k, seq in enumerate(sequences):
            seq = _check_tokens(f"sequences[{k}]", seq)
            counts.update(t.lower() for t in seq) if lower else counts.update(seq)
        for special in SPECIALS:
            counts.pop(special, None)
        kept = [t for t, n in counts.most_common() if n >= min_freq]  # most_common keeps first-seen order on ties
        return cls(kept if max_size is None else kept[:max_size], lower=lower)

    @classmethod
    def characters(cls, sequences, min_freq=1, max_size=None):
        """The vocabulary of the characters of the tokens in ``sequences`` (for character-level features)."""
        return cls.build(([c for t in _check_tokens(f"sequences[{k}]", seq) for c in t]
                          for k, seq in enumerate(sequences)), min_freq, max_size)

    def __len__(self):
        return len(self.tokens)

    def __contains__(self, token):
        return (token.lower() if self.lower and isinstance(token, str) else token) in self._index

    def __eq__(self, other):
        return isinstance(other, Vocabulary) and (self.tokens, self.lower) == (other.tokens, other.lower)

    def __repr__(self):
        return f"Vocabulary({len(self)} tokens{', lower' if self.lower else ''})"

    def index(self, token):
        """The index of ``token`` (``unk_index`` if it is not in the vocabulary)."""
        return self._index.get(token.lower() if self.lower else token, self.unk_index)

    def encode(self, tokens, bos=False, eos=False):
        """Indices of ``tokens`` as an int64 array, with ``<bos>`` / ``<eos>`` around them when asked."""
        tokens = _check_tokens("tokens", tokens)
        ids = [self.index(t) for t in tokens]
        return np.array(([self.bos_index] if bos else []) + ids + ([self.eos_index] if eos else []),
                        dtype=np.int64)

    def decode(self, ids, specials=False):
        """The tokens of indices ``ids``; ``<pad>``, ``<bos>`` and ``<eos>`` are dropped unless
        ``specials`` (``<unk>`` stays: it stands for a token)."""
        ids = np.asarray(ids)
        if ids.ndim != 1 or ids.dtype.kind not in "iu":
            raise TypeError(f"ids must be a 1-d sequence of integers, got {ids.dtype} of shape {ids.shape}")
        bad = ids[(ids < 0) | (ids >= len(self))]
        if bad.size:
            raise ValueError(f"index {int(bad[0])} is outside this vocabulary of {len(self)} tokens")
        drop = () if specials else (self.pad_index, self.bos_index, self.eos_index)
        return [self.tokens[i] for i in ids.tolist() if i not in drop]

    def to_dict(self):
        """Plain data (JSON-able) that :meth:`from_dict` turns back into this vocabulary."""
        return {"tokens": self.tokens[len(SPECIALS):], "lower": self.lower, "specials": list(SPECIALS)}

    @classmethod
    def from_dict(cls, data):
        """The vocabulary :meth:`to_dict` described; a clear error for anything else."""
        try:
            if list(data["specials"]) != list(SPECIALS):
                raise ValueError(f"its specials {data['specials']} are not {list(SPECIALS)}")
            return cls(data["tokens"], lower=data["lower"])
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"not a vocabulary record: {err}") from None
