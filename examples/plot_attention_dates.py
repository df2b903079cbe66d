"""
An attention map: normalising dates
===================================

An encoder-decoder with additive (Bahdanau) attention learns to rewrite
dates written many ways ("3rd of March 2011", "03/03/11", ...) as ISO dates.
The attention map shows where the decoder looked while writing each
character: the year's digits look at the year, the month at the month's
name. About 25 seconds on 2 cores.
"""

import numbarnn
from numbarnn import datasets, plotting

sources, targets = datasets.dates(6000, seed=0)
print(list(zip(sources[:3], targets[:3])))
model = numbarnn.Seq2Seq(hidden_size=64, embedding_dim=16, epochs=12, random_state=0)
model.fit(sources[:5500], targets[:5500])
print(f"exact matches on 500 held-out dates: {model.score(sources[5500:], targets[5500:]):.3f}")

source = "3rd of March 2011"
target = model.predict([source])[0]
print(source, "->", target)
plotting.plot_attention(model.attention_weights([source])[0], source, target)
