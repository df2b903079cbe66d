"""A progress bar for fit: tqdm when installed, a plain line on stderr otherwise."""

import sys


class _Silent:
    def update(self, train_loss, val_loss):
        pass

    def close(self):
        pass


class _Plain:
    def __init__(self, total):
        self.total, self.done = total, 0

    def update(self, train_loss, val_loss):
        self.done += 1
        sys.stderr.write(f"\repoch {self.done}/{self.total}  train {train_loss:.4g}  val {val_loss:.4g}")
        sys.stderr.flush()

    def close(self):
        sys.stderr.write("\n")


class _Tqdm:
    def __init__(self, total):
        from tqdm.auto import tqdm
        self.bar = tqdm(total=total, unit="epoch")

    def update(self, train_loss, val_loss):
        self.bar.set_postfix(train=f"{train_loss:.4g}", val=f"{val_loss:.4g}")
        self.bar.update(1)

    def close(self):
        self.bar.close()


def progress_bar(total, verbose):
    """``verbose=None`` shows a bar only on an interactive terminal; True always; False never."""
    if verbose is None:
        verbose = sys.stderr.isatty()
    if not verbose:
        return _Silent()
    try:
        return _Tqdm(total)
    except ImportError:
        return _Plain(total)
