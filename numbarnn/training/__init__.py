"""Training: losses, optimizers, schedules, clipping and the fit loop (NumPy only).

``SequenceModel`` and ``Linear`` live in :mod:`numbarnn.nn`; they are named
here too because they are what the loop trains.
"""

from ..nn import Linear, SequenceModel
from .clipping import clip_grad_norm, clip_grad_value, global_norm
from .loop import evaluate, history_dataset, train
from .losses import MAE, MSE, CrossEntropy, GaussianNLL, Huber, Pinball, StudentTNLL, get_loss
from .optimizers import SGD, Adam, AdamW
from .schedules import Constant, CosineLR, ReduceOnPlateau, StepLR

__all__ = ["MAE", "MSE", "SGD", "Adam", "AdamW", "Constant", "CosineLR", "CrossEntropy", "GaussianNLL",
           "Huber", "Linear", "Pinball", "ReduceOnPlateau", "SequenceModel", "StepLR", "StudentTNLL", "clip_grad_norm",
           "clip_grad_value", "evaluate", "get_loss", "global_norm", "history_dataset", "train"]
