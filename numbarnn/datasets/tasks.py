"""Sequence-to-sequence tasks with known answers, from a seeded generator: pairs of strings.

Each returns ``(sources, targets)``, two lists of ``n`` strings, the same for the same ``seed``.
They are the classic tests of encoder-decoder models: the answer is a function of the source, so
exact-match accuracy on held-out pairs measures what a model learned.
"""

import datetime

import numpy as np

#: How :func:`dates` writes a date: each format once, chosen at random per example.
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def _check(n, seed):
    if not (isinstance(n, (int, np.integer)) and n >= 1):
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    return np.random.default_rng(seed)


def addition(n, digits=3, seed=None):
    """Sums as text: ``"123+45"`` -> ``"168"``, both numbers with 1 to ``digits`` digits.

    >>> from numbarnn.datasets import addition
    >>> addition(3, seed=0)
    (['167+83', '11+6', '1+9'], ['250', '17', '10'])
    """
    rng = _check(n, seed)
    if not (isinstance(digits, (int, np.integer)) and digits >= 1):
        raise ValueError(f"digits must be an integer >= 1, got {digits!r}")
    sizes = rng.integers(1, digits + 1, (n, 2))
    a = [int(rng.integers(10 ** (s - 1) if s > 1 else 0, 10 ** s)) for s in sizes[:, 0]]
    b = [int(rng.integers(10 ** (s - 1) if s > 1 else 0, 10 ** s)) for s in sizes[:, 1]]
    return [f"{x}+{y}" for x, y in zip(a, b)], [str(x + y) for x, y in zip(a, b)]


def _strings(rng, n, min_length, max_length, alphabet):
    if not 1 <= min_length <= max_length:
        raise ValueError(f"need 1 <= min_length <= max_length, got {min_length} and {max_length}")
    if not (isinstance(alphabet, str) and len(alphabet) >= 2):
        raise ValueError(f"alphabet must be a string of at least 2 symbols, got {alphabet!r}")
    lengths = rng.integers(min_length, max_length + 1, n)
    return ["".join(rng.choice(list(alphabet), k)) for k in lengths]


def reverse(n, min_length=3, max_length=10, alphabet="abcdefghij", seed=None):
    """Strings and their reversals: ``"abcd"`` -> ``"dcba"``.

    >>> from numbarnn.datasets import reverse
    >>> reverse(2, seed=0)
    (['fcdaaabig', 'jfgjhgff'], ['gibaaadcf', 'ffghjgfj'])
    """
    sources = _strings(_check(n, seed), n, min_length, max_length, alphabet)
    return sources, [s[::-1] for s in sources]


def sort_symbols(n, min_length=3, max_length=10, alphabet="abcdefghij", seed=None):
    """Strings and their symbols in sorted order: ``"dbca"`` -> ``"abcd"``.

    >>> from numbarnn.datasets import sort_symbols
    >>> sort_symbols(2, seed=0)
    (['fcdaaabig', 'jfgjhgff'], ['aaabcdfgi', 'fffgghjj'])
    """
    sources = _strings(_check(n, seed), n, min_length, max_length, alphabet)
    return sources, ["".join(sorted(s)) for s in sources]


def _ordinal(day):
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _formats(d):
    """The ways :func:`dates` writes the date ``d``."""
    month = MONTHS[d.month - 1]
    return (f"{_ordinal(d.day)} of {month} {d.year}", f"{month} {d.day}, {d.year}", f"{d.day} {month[:3]} {d.year}",
            f"{d.day:02d}/{d.month:02d}/{d.year}", f"{month[:3].upper()} {d.day} {d.year}",
            f"{d.day}.{d.month}.{d.year}", f"{month.lower()} {_ordinal(d.day)}, {d.year}")


def dates(n, start=1950, end=2049, seed=None):
    """Dates written in seven human ways, and the same dates as ISO 8601: ``"3rd of March 2011"`` ->
    ``"2011-03-03"``; days uniform over the years ``start`` to ``end``.

    >>> from numbarnn.datasets import dates
    >>> dates(3, seed=0)
    (['January 24, 2035', '12 Sep 2013', '11th of February 2001'], ['2035-01-24', '2013-09-12', '2001-02-11'])
    """
    rng = _check(n, seed)
    first = datetime.date(start, 1, 1).toordinal()
    last = datetime.date(end, 12, 31).toordinal()
    days = rng.integers(first, last + 1, n)
    which = rng.integers(0, len(_formats(datetime.date(2000, 1, 1))), n)
    chosen = [datetime.date.fromordinal(int(d)) for d in days]
    return [_formats(d)[k] for d, k in zip(chosen, which)], [d.isoformat() for d in chosen]
