"""Bundled real text: a part-of-speech treebank and a character corpus (read with the standard library).

- :func:`ud_english_ewt`: Universal Dependencies English-EWT 2.16, gold tokens with their 17 UPOS
  tags and each sentence's web genre (CC BY-SA 4.0).
- :func:`kjv`: the King James Bible, one verse per line (public domain).

Each folder under ``datasets/data/`` holds its licence and a ``NOTICE.txt`` with provenance and
checksums.
"""

import gzip
import importlib.resources
import lzma
from typing import NamedTuple

#: The treebank's splits.
SPLITS = ("train", "dev", "test")
#: The web genres a sentence id names.
GENRES = ("answers", "email", "newsgroup", "reviews", "weblog")


class TaggedCorpus(NamedTuple):
    """Sentences (lists of tokens), their tags (lists of UPOS tags, one per token) and genres."""

    sentences: list
    tags: list
    genres: list


def _data(*parts):
    return importlib.resources.files(__package__).joinpath("data", *parts)


def ud_english_ewt(split="train"):
    """UD English-EWT, release 2.16: ``(sentences, tags, genres)`` of one split.

    ``split`` is ``"train"`` (12,544 sentences, 204,577 words), ``"dev"`` (2,001; 25,147) or
    ``"test"`` (2,077; 25,094). Tokens are the treebank's syntactic words with gold tokenisation
    (multiword-token ranges and empty nodes left out); tags are the 17 Universal POS tags; a
    sentence's genre is the first field of its ``sent_id`` (one of ``GENRES``).

    Licence CC BY-SA 4.0. Cite: Silveira, Dozat, de Marneffe, Bowman, Connor, Bauer and Manning
    (2014), "A Gold Standard Dependency Corpus for English", LREC; and the UD English-EWT
    contributors. The source web text is from LDC2012T13.

    Examples
    --------
    >>> from numbarnn import datasets
    >>> dev = datasets.ud_english_ewt("dev")
    >>> len(dev.sentences), dev.sentences[0][:4], dev.tags[0][:4], dev.genres[0]
    (2001, ['From', 'the', 'AP', 'comes'], ['ADP', 'DET', 'PROPN', 'VERB'], 'weblog')
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    sentences, tags, genres = [], [], []
    with gzip.open(_data("ud_english_ewt", f"en_ewt-upos-{split}.tsv.gz").open("rb"), "rt",
                   encoding="utf-8") as f:
        words, labels = None, None
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("# sent_id = "):
                genres.append(line[len("# sent_id = "):].split("-", 1)[0])
                words, labels = [], []
                sentences.append(words)
                tags.append(labels)
            elif line:
                form, upos = line.split("\t")
                words.append(form)
                labels.append(upos)
    return TaggedCorpus(sentences, tags, genres)


def kjv():
    """The King James Bible (1611), one verse per line, as one string (4,137,848 characters).

    Verse numbers and chapter headings are stripped (the text of Debian's ``bible-kjv-text``).
    Public domain.

    Examples
    --------
    >>> from numbarnn import datasets
    >>> text = datasets.kjv()
    >>> len(text), text[:34]
    (4137848, 'In the beginning God created the h')
    """
    with lzma.open(_data("kjv", "kjv.txt.xz").open("rb"), "rt", encoding="utf-8", newline="") as f:
        return f.read()
