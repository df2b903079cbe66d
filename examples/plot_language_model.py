"""
A character language model of the King James Bible, and its samples
====================================================================

A character-level LSTM reads the text as parallel streams, a window of
steps at a time, with its state carried from window to window (truncated
backpropagation through time). Scored in bits per character on text it has
not seen, and sampled at several temperatures: low temperatures repeat the
likeliest phrases, high ones invent words. A small model trained on the
first 500,000 characters (Genesis to Deuteronomy) and scored on the 20,000
after them, to stay quick; the default model on the whole text is in
:doc:`/generation`. About 60 seconds on 2 cores.
"""

import matplotlib.pyplot as plt

import numbarnn
from numbarnn import datasets

text = datasets.kjv()
train, held_out = text[:500_000], text[500_000:520_000]
lm = numbarnn.LanguageModel(hidden_size=256, embedding_dim=32, batch_size=32, bptt=64, epochs=5,
                            random_state=0).fit(train)
bpc = lm.bits_per_symbol(held_out)
print(f"{bpc:.2f} bits per character on the next 20,000 characters")
for temperature in (0.3, 0.7, 1.0, 1.5):
    sample = lm.generate("And God said", max_length=120, temperature=temperature, random_state=0)
    print(f"T={temperature}: And God said{sample}")

# %%
# Learning curve, beside what general-purpose compressors achieve on the
# standard split of the whole text (train on the first 90%, score the last
# 10%), for scale
history = lm.history_
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(history.epoch + 1, history.train_loss / 0.6931, marker="o", label="training")
ax.plot(history.epoch + 1, history.val_loss / 0.6931, marker="o", label="validation")
for name, value in (("xz -9e", 1.931), ("bz2 -9", 1.831)):
    ax.axhline(value, color="0.5", ls=":", lw=1)
    ax.text(1, value, name, va="bottom", fontsize=8)
ax.set_xlabel("epoch")
ax.set_ylabel("bits per character")
ax.legend()
fig.tight_layout()
