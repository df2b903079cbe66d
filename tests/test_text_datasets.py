"""The bundled text corpora: the files are the ones their provenance notes name, read completely."""

import gzip
import hashlib
import lzma

import pytest

from numbarnn import datasets
from numbarnn.datasets import text

EWT = {"train": (12544, 204577, "1bb292d45dbe0e50733d4de84f4ff0369ce9cf09c24ceef33f62826d31280601"),
       "dev": (2001, 25147, "64264a7935e033390b0171d700a1df7f57bf8f56069ec3adaff023df7430c35c"),
       "test": (2077, 25094, "d8a335ec7d189390ba181aeafb01d6bb75d284020598bf66eefcee7ea61936d5")}
UPOS = {"ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN",
        "PUNCT", "SCONJ", "SYM", "VERB", "X"}


@pytest.mark.parametrize("split", list(EWT))
def test_ud_english_ewt_split(split):
    n_sentences, n_words, sha = EWT[split]
    with text._data("ud_english_ewt", f"en_ewt-upos-{split}.tsv.gz").open("rb") as f:
        assert hashlib.sha256(gzip.decompress(f.read())).hexdigest() == sha
    corpus = datasets.ud_english_ewt(split)
    assert len(corpus.sentences) == len(corpus.tags) == len(corpus.genres) == n_sentences
    assert sum(map(len, corpus.sentences)) == n_words
    assert all(len(s) == len(t) > 0 for s, t in zip(corpus.sentences, corpus.tags))
    assert {tag for tags in corpus.tags for tag in tags} == UPOS
    assert set(corpus.genres) == set(text.GENRES)
    assert all(isinstance(w, str) and w and "\t" not in w for s in corpus.sentences for w in s)


def test_unknown_split_is_refused():
    with pytest.raises(ValueError, match="unknown split 'validation'"):
        datasets.ud_english_ewt("validation")


def test_kjv_is_the_noted_text():
    bible = datasets.kjv()
    with text._data("kjv", "kjv.txt.xz").open("rb") as f:
        raw = lzma.decompress(f.read())
    assert hashlib.sha256(raw).hexdigest() == "0928347942d34765884f6f7ee11d21dab3322fcf9c0898e6ae62153688915631"
    assert bible == raw.decode("utf-8")
    assert len(bible) == 4137848 and bible.count("\n") == 31102 and len(set(bible)) == 63


def test_licences_ship_beside_the_data():
    assert "Attribution-ShareAlike 4.0" in text._data("ud_english_ewt", "LICENSE.txt").read_text()
    assert "public domain" in text._data("kjv", "NOTICE.txt").read_text()


def test_sequence_tasks_have_their_answers_and_are_seeded():
    from numbarnn.datasets import addition, dates, reverse, sort_symbols
    src, tgt = addition(500, seed=1)
    assert all(int(a) + int(b) == int(t) for (a, b), t in zip((s.split("+") for s in src), tgt))
    assert max(len(s) for s in src) == 7 and addition(500, seed=1) == (src, tgt) != addition(500, seed=2)
    src, tgt = reverse(100, 2, 5, seed=0)
    assert all(t == s[::-1] and 2 <= len(s) <= 5 for s, t in zip(src, tgt))
    src, tgt = sort_symbols(100, seed=0)
    assert all(t == "".join(sorted(s)) for s, t in zip(src, tgt))
    import datetime
    src, tgt = dates(700, seed=0)
    assert len(set(src)) == 700 and all(datetime.date.fromisoformat(t) for t in tgt)
    assert dict(zip(*dates(1, seed=3))) == dict(zip(*dates(1, seed=3)))
    assert {s.count("/") == 2 for s in src} == {True, False}        # several formats appear
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        addition(0)
    with pytest.raises(ValueError, match="min_length <= max_length"):
        reverse(3, 5, 2)
