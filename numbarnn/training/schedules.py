"""Learning-rate schedules: ``schedule.step(epoch, val_loss)`` after each epoch sets ``optimizer.lr``."""

import math


class Constant:
    """Keep the learning rate."""

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.base_lr = optimizer.lr

    def step(self, epoch, val_loss=None):
        return self.optimizer.lr


class StepLR(Constant):
    """Multiply the rate by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer, step_size=10, gamma=0.5):
        super().__init__(optimizer)
        self.step_size, self.gamma = int(step_size), float(gamma)

    def step(self, epoch, val_loss=None):
        self.optimizer.lr = self.base_lr * self.gamma ** ((epoch + 1) // self.step_size)
        return self.optimizer.lr


class CosineLR(Constant):
    """Cosine decay from the initial rate to ``min_lr`` over ``total_epochs``."""

    def __init__(self, optimizer, total_epochs, min_lr=0.0):
        super().__init__(optimizer)
        self.total, self.min_lr = max(int(total_epochs), 1), float(min_lr)

    def step(self, epoch, val_loss=None):
        frac = min((epoch + 1) / self.total, 1.0)
        self.optimizer.lr = self.min_lr + 0.5 * (self.base_lr - self.min_lr) * (1 + math.cos(math.pi * frac))
        return self.optimizer.lr


class ReduceOnPlateau(Constant):
    """Multiply the rate by ``factor`` when the validation loss has not improved for ``patience`` epochs."""

    def __init__(self, optimizer, factor=0.5, patience=5, min_lr=1e-6):
        super().__init__(optimizer)
        self.factor, self.patience, self.min_lr = float(factor), int(patience), float(min_lr)
        self.best, self.waited = math.inf, 0

    def step(self, epoch, val_loss=None):
        if val_loss is None:
            return self.optimizer.lr
        if val_loss < self.best:
            self.best, self.waited = val_loss, 0
        else:
            self.waited += 1
            if self.waited > self.patience:
                self.optimizer.lr = max(self.optimizer.lr * self.factor, self.min_lr)
                self.waited = 0
        return self.optimizer.lr


SCHEDULES = {"constant": Constant, "step": StepLR, "cosine": CosineLR, "plateau": ReduceOnPlateau}


def make_schedule(name, optimizer, epochs, patience=5):
    """The schedule called ``name`` with the estimators' settings (plateau: halve after ``patience`` + 1
    epochs without improvement)."""
    if name == "cosine":
        return CosineLR(optimizer, total_epochs=epochs)
    if name == "plateau":
        return ReduceOnPlateau(optimizer, factor=0.5, patience=patience)
    return SCHEDULES[name](optimizer)
