"""
A part-of-speech tagger on English web text
===========================================

A bidirectional LSTM over word vectors and character vectors tags each word
of a sentence with its universal part of speech. Trained here on 3,000 of
the 12,544 training sentences of the bundled UD English-EWT treebank for a
few epochs (the full default fit reaches 0.957 on the test split, see
:doc:`/lxmls`); scored on the dev split beside the simplest baseline, each
word's most frequent tag in the same training sentences, and with the
accuracy per tag. About 30 seconds on 2 cores.
"""

import collections

import matplotlib.pyplot as plt
import numpy as np

import numbarnn
from numbarnn import datasets

train, dev = datasets.ud_english_ewt("train"), datasets.ud_english_ewt("dev")
sentences, tags = train.sentences[:3000], train.tags[:3000]
tagger = numbarnn.SequenceTagger(hidden_size=64, epochs=6, random_state=0).fit(sentences, tags)

counts = collections.defaultdict(collections.Counter)
for words, labels in zip(sentences, tags):
    for w, t in zip(words, labels):
        counts[w][t] += 1
guess = [[counts[w].most_common(1)[0][0] if w in counts else "NOUN" for w in words] for words in dev.sentences]
baseline = np.mean([g == t for gs, ts in zip(guess, dev.tags) for g, t in zip(gs, ts)])
print(f"dev accuracy: tagger {tagger.score(dev.sentences, dev.tags):.3f}, "
      f"each word's most frequent tag {baseline:.3f}")
print(tagger.predict([["The", "dog", "barked", "at", "the", "mailman", "."]])[0])

# %%
# Accuracy by tag on the dev split
predicted = tagger.predict(dev.sentences)
right, total = collections.Counter(), collections.Counter()
for gold, guess in zip(dev.tags, predicted):
    for g, p in zip(gold, guess):
        total[g] += 1
        right[g] += g == p
tags = sorted(total, key=total.get, reverse=True)
fig, ax = plt.subplots(figsize=(9, 3.5))
ax.bar(tags, [right[t] / total[t] for t in tags], color="tab:blue")
ax.set_ylim(0, 1)
ax.set_ylabel("accuracy")
ax.set_title("dev accuracy per tag (most frequent first)")
ax.tick_params(axis="x", rotation=60)
fig.tight_layout()
print({t: int(total[t]) for t in tags[:6]}, "... tokens per tag")
