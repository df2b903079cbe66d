"""
Clipping rescues an exploding run
=================================

A relu RNN whose recurrent weights have spectral radius 1.5 amplifies its
state at every step, and its gradients explode. Trained on the adding
problem without clipping, an update soon sends the loss far past that of the
steps before it: the divergence guard skips such steps, stops after a few in
a row and puts back the best weights it saw, with a warning. Clipping the
global gradient norm to 1 trains through. The history keeps every step's
pre-clip norm, so the explosion shows in numbers. A few seconds on 2 cores.
"""

import warnings

import numpy as np

from numbarnn import datasets
from numbarnn.analysis import set_spectral_radius
import matplotlib.pyplot as plt
from numbarnn.training import MSE, SGD, SequenceModel, train

xs, ys = datasets.adding_problem(256, 30, seed=0)
data = (xs.astype("float32"), ys.astype("float32"), np.full(256, 30), None)
histories = {}
for clip in (None, 1.0):
    model = SequenceModel("rnn", 2, 32, 1, readout="sequence", nonlinearity="relu", seed=0)
    set_spectral_radius(model.net, 1.5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        histories[clip] = train(model, MSE(), SGD(0.05), data, epochs=6, batch_size=32, clip_norm=clip,
                                max_bad_steps=5, rng=np.random.default_rng(0))
    print(f"clip_norm={clip}: epochs {len(histories[clip]['epoch'])}, skipped steps "
          f"{sum(histories[clip]['skipped_steps'])}, warnings {[str(w.message)[:60] for w in caught]}")

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4))
for clip, hist in histories.items():
    ax0.semilogy(hist["step_grad_norm"], label=f"clip_norm={clip}")
    ax1.plot(hist["train_loss"], marker="o", label=f"clip_norm={clip}")
ax0.set_xlabel("step")
ax0.set_ylabel("pre-clip gradient norm")
ax0.legend()
ax1.axhline(0.167, color="0.4", ls=":", label="predicting the mean")
ax1.set_xlabel("epoch")
ax1.set_ylabel("training MSE")
ax1.legend()
fig.tight_layout()
