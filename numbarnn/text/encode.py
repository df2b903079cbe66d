"""Sentences as the integer arrays :class:`numbarnn.nn.TokenModel` reads."""

import numpy as np

from .vocab import _check_tokens


def spelling(token, max_chars):
    """``token``, or its first and last ``max_chars // 2`` characters when it is longer (prefixes and
    suffixes are what carry a word's class; the middle of a URL does not)."""
    if len(token) <= max_chars:
        return token
    head = max_chars - max_chars // 2
    return token[:head] + token[len(token) - max_chars // 2:]


def encode_tokens(sentences, words, chars=None, max_chars=20, name="sentences"):
    """Token sequences as word and character indices: ``(x, lengths)``.

    Parameters
    ----------
    sentences : list of lists of string tokens (none empty).
    words : :class:`Vocabulary` of the words (``<unk>`` for the rest).
    chars : :class:`Vocabulary` of the characters, or ``None`` for no character indices.
    max_chars : int, characters kept per token (see :func:`spelling`).
    name : what the error messages call ``sentences``.

    Returns
    -------
    x : numpy.ndarray of int32, (T, N, 1 + K): ``x[t, n, 0]`` is the word index of token ``t`` of
        sentence ``n``, ``x[t, n, 1:]`` its character indices padded with 0 (K is 0 without
        ``chars``); zeros past each sentence's end.
    lengths : numpy.ndarray of int64, (N,).

    Examples
    --------
    >>> from numbarnn.text import Vocabulary, encode_tokens
    >>> sents = [["A", "cat"], ["Dogs"]]
    >>> x, lengths = encode_tokens(sents, Vocabulary.build(sents), Vocabulary.characters(sents))
    >>> x.shape, lengths.tolist(), x[:, 0, 0].tolist(), x[1, 0].tolist()   # "cat": word 5, chars c a t
    ((2, 2, 5), [2, 1], [4, 5], [5, 5, 6, 7, 0])
    """
    if isinstance(sentences, str) or not hasattr(sentences, "__len__"):
        raise TypeError(f"{name} must be a list of token lists, got {type(sentences).__name__}")
    sentences = [_check_tokens(f"{name}[{i}]", s) for i, s in enumerate(sentences)]
    if not sentences:
        raise ValueError(f"{name} is empty; give at least one sentence")
    for i, s in enumerate(sentences):
        if not s:
            raise ValueError(f"{name}[{i}] is an empty sentence; every sentence needs at least one token")
        for j, t in enumerate(s):
            if not t:
                raise ValueError(f"{name}[{i}][{j}] is an empty string; tokens must have at least one character")
    lengths = np.array([len(s) for s in sentences], dtype=np.int64)
    width = 0 if chars is None else min(max_chars, max(len(t) for s in sentences for t in s))
    x = np.zeros((int(lengths.max()), len(sentences), 1 + width), dtype=np.int32)
    for n, s in enumerate(sentences):
        x[:len(s), n, 0] = [words.index(t) for t in s]
        if chars is not None:
            for t, token in enumerate(s):
                ids = [chars.index(c) for c in spelling(token, width)]
                x[t, n, 1:1 + len(ids)] = ids
    return x, lengths
