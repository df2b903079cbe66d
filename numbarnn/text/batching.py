"""Padding index sequences into arrays, and mini-batches of similar lengths."""

import numpy as np


def pad_sequences(sequences, pad_value=0, dtype=np.int64):
    """Sequences of any lengths as one time-major array and their lengths.

    Parameters
    ----------
    sequences : list of 1-d array-likes (index sequences, or any values of one dtype).
    pad_value : what fills the steps after each sequence's end (``Vocabulary.pad_index`` is 0).
    dtype : of the returned array.

    Returns
    -------
    padded : numpy.ndarray, (T, N) with ``T`` the longest length.
    lengths : numpy.ndarray of int64, (N,).

    Examples
    --------
    >>> from numbarnn.text import pad_sequences
    >>> padded, lengths = pad_sequences([[5, 6, 7], [8]])
    >>> padded.tolist(), lengths.tolist()
    ([[5, 8], [6, 0], [7, 0]], [3, 1])
    """
    seqs = [np.asarray(s) for s in sequences]
    if not seqs:
        raise ValueError("sequences is empty; give at least one sequence")
    for i, s in enumerate(seqs):
        if s.ndim != 1:
            raise ValueError(f"sequences[{i}] has shape {s.shape}; every sequence must be 1-d")
        if s.size == 0:
            raise ValueError(f"sequences[{i}] is empty; every sequence needs at least one step")
    lengths = np.array([s.size for s in seqs], dtype=np.int64)
    padded = np.full((int(lengths.max()), len(seqs)), pad_value, dtype=dtype)
    for i, s in enumerate(seqs):
        padded[:s.size, i] = s
    return padded, lengths


def padding_fraction(lengths, batches):
    """The share of the padded steps in ``batches`` (lists of indices into ``lengths``) that is padding."""
    lengths = np.asarray(lengths)
    total = sum(int(lengths[b].max()) * len(b) for b in batches)
    return 1.0 - float(sum(int(lengths[b].sum()) for b in batches)) / total


def length_batches(lengths, batch_size, rng=None, bucket=50):
    """Mini-batches of sequences of similar length, in random order.

    The sequences are shuffled (with ``rng``, a NumPy Generator or seed), cut into pools of
    ``bucket * batch_size``, each pool is sorted by length and split into batches, and the batches
    are shuffled: every batch holds sequences of nearly one length (little padding) while the
    order still changes from epoch to epoch. ``bucket=1`` gives plain random batches.

    Returns
    -------
    list of numpy.ndarray of int64, the indices of each batch (all but at most one per pool of
    ``batch_size`` sequences).

    Examples
    --------
    >>> import numpy as np
    >>> from numbarnn.text import length_batches, padding_fraction
    >>> lengths = np.random.default_rng(0).integers(1, 60, size=1000)
    >>> sorted_batches = length_batches(lengths, 32, rng=0)
    >>> random_batches = length_batches(lengths, 32, rng=0, bucket=1)
    >>> sorted(np.concatenate(sorted_batches).tolist()) == list(range(1000))
    True
    >>> padding_fraction(lengths, sorted_batches) < 0.1 < padding_fraction(lengths, random_batches)
    True
    """
    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or lengths.size == 0:
        raise ValueError(f"lengths must be a non-empty 1-d array, got shape {lengths.shape}")
    for name, value in (("batch_size", batch_size), ("bucket", bucket)):
        if not (isinstance(value, (int, np.integer)) and value >= 1):
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    rng = np.random.default_rng(rng)
    order = rng.permutation(lengths.size)
    pool = bucket * batch_size
    batches = []
    for start in range(0, order.size, pool):
        chunk = order[start:start + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i:i + batch_size] for i in range(0, chunk.size, batch_size)]
    return [batches[i].astype(np.int64) for i in rng.permutation(len(batches))]
