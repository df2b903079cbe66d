"""The ``numbarnn`` command line.

- ``numbarnn demo``: fit a forecaster on the bundled Mauna Loa CO2 series,
  hold out the last 24 months, print MAE and MASE beside seasonal naive,
  write the forecast (netCDF) and a plot (PNG, with matplotlib).
- ``numbarnn fit DATA --model M.nc``: fit a forecaster on a netCDF or CSV file.
- ``numbarnn predict M.nc --out F.nc``: forecast from a saved model.
- ``numbarnn fit-tagger [DATA] --model M.nc``: fit a part-of-speech tagger on ``FORM<TAB>TAG`` lines
  (the bundled UD English-EWT by default) and save it.
- ``numbarnn tag M.nc TEXT [--out F]``: tag a text file, one whitespace-tokenised sentence per line.
- ``numbarnn fit-lm [TEXT] --model M.nc``: fit a character language model on a text file (the
  bundled King James Bible by default) and save it.
- ``numbarnn generate M.nc [--prompt P]``: continue a prompt with a saved language model.
- ``numbarnn translate M.nc TEXT [--out F]``: map each line of a text file with a saved Seq2Seq.
- ``numbarnn check``: check every cell's gradients against finite differences and time the kernels.
"""

import argparse
import difflib
import pathlib
import sys
import time

import numba
import numpy as np

from ._files import atomic_write
from ._validation import DEVICES
from ._version import __version__
from .nn import NETWORKS

#: What ``numbarnn check`` checks: every cell, the Elman RNN with both of its nonlinearities.
_CELLS = {**{f"rnn_{act}": (NETWORKS["rnn"], {"nonlinearity": act}) for act in ("tanh", "relu")},
          **{name: (cls, {}) for name, cls in NETWORKS.items() if name != "rnn"}}

#: The demo shows the forecaster as it comes: only the horizon and the seed are given.
DEMO_SETTINGS = dict(horizon=24, random_state=0)


# -- check ------------------------------------------------------------------------------

def _loss(net, x, w_out):
    out, _ = net(x, lengths=[6, 4])
    return float(np.sum(out * w_out))


def gradient_error(cls, kwargs, seed=0, eps=1e-6):
    """Largest relative error of the analytic gradient of a 2-layer bidirectional net against central differences."""
    rng = np.random.default_rng(seed)
    net = cls(3, 4, num_layers=2, bidirectional=True, dtype="float64", seed=seed, **kwargs)
    x = rng.standard_normal((6, 2, 3))
    w_out = rng.standard_normal((6, 2, 8))
    out, _, tape = net.forward(x, lengths=[6, 4])
    grads = net.backward(tape, w_out)  # padded outputs are zero: their gradient is ignored
    worst = 0.0
    for name, p in net.params.items():
        flat = p.reshape(-1)
        for i in range(0, flat.size, max(1, flat.size // 25)):
            old = flat[i]
            flat[i] = old + eps
            up = _loss(net, x, w_out)
            flat[i] = old - eps
            down = _loss(net, x, w_out)
            flat[i] = old
            numeric = (up - down) / (2 * eps)
            analytic = grads[name].reshape(-1)[i]
            worst = max(worst, abs(numeric - analytic) / max(1.0, abs(numeric)))
    return worst


def _time(fn, repeat=7):
    fn()  # compile and warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def check(out=sys.stdout):
    """Print the gradient check and the timings; return 0 when every gradient agrees."""
    print(f"numbarnn {__version__}: gradient check (float64, 2 layers, bidirectional, variable lengths)",
          file=out)
    ok = True
    for name, (cls, kwargs) in _CELLS.items():
        err = gradient_error(cls, kwargs)
        ok &= err < 1e-6
        print(f"  {name:9s} max relative error vs finite differences: {err:.1e}", file=out)
    from .backends.calibration import NEVER, tn_copy_panels
    from .kernels.cpu import packed
    (l1, l2), threads = packed.CACHE_BYTES, numba.get_num_threads()
    copy_from = tn_copy_panels()
    reads = "in place" if copy_from == NEVER else f"copied from {copy_from} panels, else in place"
    print(f"forward+backward, float32, B=32 T=100 D=32 H=128 (median of 7; {threads} thread(s); "
          f"{packed.VECTOR_BITS}-bit vectors; blocks of {packed.KC} rows and {packed.PANEL_GROUP} panels for "
          f"{l1 // 1024} KiB of L1 and {l2 // 1024} KiB of L2; weight gradients read dz {reads}):", file=out)
    x = np.random.default_rng(0).standard_normal((100, 32, 32)).astype(np.float32)
    for name, (cls, kwargs) in _CELLS.items():
        net = cls(32, 128, seed=0, **kwargs)

        def step():
            y, _, tape = net.forward(x)
            net.backward(tape, np.ones_like(y))
        print(f"  {name:9s} {_time(step) * 1e3:8.2f} ms", file=out)
    print("OK" if ok else "FAILED: a gradient disagrees with finite differences", file=out)
    return 0 if ok else 1


# -- demo -------------------------------------------------------------------------------

def demo(outdir="numbarnn-demo", out=sys.stdout, **overrides):
    """Fit the CO2 forecaster, print the scores, write the forecast and plot; return the scores."""
    from . import datasets, metrics
    from .estimators import Forecaster
    from .estimators._persistence import write_atomic
    settings = dict(DEMO_SETTINGS, **overrides)
    y = datasets.co2()
    h = settings["horizon"]
    train, test = y[:-h], y[-h:]
    start = time.perf_counter()
    model = Forecaster(**settings).fit(train)
    forecast = model.predict()
    seconds = time.perf_counter() - start
    naive = metrics.seasonal_naive(train.values, h, 12)
    scores = {"mae": metrics.mae(test.values, forecast.values),
              "mase": metrics.mase(test.values, forecast.values, train.values, 12),
              "naive_mae": metrics.mae(test.values, naive),
              "naive_mase": metrics.mase(test.values, naive, train.values, 12), "seconds": seconds}
    print(f"Mauna Loa CO2, monthly {str(y.time.values[0])[:7]} .. {str(y.time.values[-1])[:7]}; "
          f"last {h} months held out; default forecaster, seed {settings['random_state']}",
          file=out)
    print(f"  {'':16s} {'MAE (ppm)':>10s} {'MASE':>8s}", file=out)
    print(f"  {'numbarnn':16s} {scores['mae']:10.3f} {scores['mase']:8.3f}", file=out)
    print(f"  {'seasonal naive':16s} {scores['naive_mae']:10.3f} {scores['naive_mase']:8.3f}", file=out)
    print(f"  fit + predict: {seconds:.1f} s, {model.history_.sizes['epoch']} epochs", file=out)
    outdir = pathlib.Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    ds = forecast.to_dataset(name="co2_forecast")
    ds["co2_observed"] = test.rename({"time": "time"})
    ds.attrs = {"source": "numbarnn demo", "mase": scores["mase"], "seasonal_naive_mase": scores["naive_mase"]}
    write_atomic(ds, outdir / "co2_forecast.nc")
    print(f"  wrote {outdir / 'co2_forecast.nc'}", file=out)
    try:
        from .plotting import plot_forecast
        plot_forecast(train[-120:], forecast, test, naive, title="Mauna Loa CO2: 24-month forecast",
                      path=outdir / "co2_forecast.png")
        print(f"  wrote {outdir / 'co2_forecast.png'}", file=out)
    except ImportError:
        print("  (install matplotlib for the plot: pip install 'numbarnn[plot]')", file=out)
    return scores


# -- fit / predict on files ------------------------------------------------------------

def read_series(path, variable=None, time_dim="time"):
    """A DataArray from a netCDF file (one variable) or a CSV file (first column is time)."""
    import pandas as pd
    import xarray as xr
    path = pathlib.Path(path)
    if path.suffix.lower() in (".nc", ".nc4", ".netcdf"):
        with xr.open_dataset(path) as ds:
            ds = ds.load()
        names = list(ds.data_vars)
        name = variable or (names[0] if len(names) == 1 else None)
        if name is None or name not in ds:
            raise ValueError(f"{path} holds variables {names}; choose one with --var")
        return ds[name]
    if path.suffix.lower() == ".csv":
        df = pd.read_csv(path, index_col=0, parse_dates=True)
        df.index.name = time_dim
        if variable is not None:
            if variable not in df:
                raise ValueError(f"{path} has columns {list(df.columns)}; --var {variable!r} is not one")
            return xr.DataArray(df[variable])
        if df.shape[1] == 1:
            return xr.DataArray(df.iloc[:, 0])
        return xr.DataArray(df.to_numpy(), dims=[time_dim, "feature"],
                            coords={time_dim: df.index, "feature": list(df.columns)}, name="y")
    raise ValueError(f"unknown file type {path.suffix!r}; give a .nc or .csv file")


# -- tagging ------------------------------------------------------------------------------

def read_tagged(path):
    """``(sentences, tags)`` from ``FORM<TAB>TAG`` lines, a blank line after each sentence (``#`` lines are
    comments): the layout of the bundled treebank's files."""
    sentences, tags, words, labels = [], [], [], []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.startswith("#"):
                continue
            if not line.strip():
                if words:
                    sentences.append(words)
                    tags.append(labels)
                words, labels = [], []
                continue
            parts = line.split("\t")
            if len(parts) != 2 or not parts[0] or not parts[1]:
                raise ValueError(f"{path}, line {number}: expected FORM<TAB>TAG, got {line[:60]!r}")
            words.append(parts[0])
            labels.append(parts[1])
    if words:
        sentences.append(words)
        tags.append(labels)
    if not sentences:
        raise ValueError(f"{path} holds no tagged sentence (FORM<TAB>TAG lines, a blank line after each sentence)")
    return sentences, tags


def tag_lines(model, lines):
    """``token<TAB>tag`` lines for each whitespace-tokenised line of text, a blank line after each
    sentence (a blank input line gives just the blank line)."""
    sentences = [line.split() for line in lines]
    full = [s for s in sentences if s]
    tagged = iter(model.predict(full) if full else [])
    out = []
    for s in sentences:
        tags = next(tagged) if s else []
        out += [f"{w}\t{t}" for w, t in zip(s, tags)] + [""]
    return out


def _write_text(path, lines):
    atomic_write(path, lambda tmp: pathlib.Path(tmp).write_text("\n".join(lines) + "\n", encoding="utf-8"))


#: The errors a user's mistake can raise (a bad file, option, value or model): shown as one line.
USER_ERRORS = (ValueError, TypeError, KeyError, IndexError, OSError, RuntimeError, ImportError)
#: What ``--out``/``--model`` suffixes mean.
NETCDF = (".nc",)
FORECAST_FORMATS = (".nc", ".csv")


class UsageError(Exception):
    """A mistake in the command line that argparse cannot see (a file name, a model of the wrong kind)."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``numbarnn: error: <message>``, exit status 2."""

    def error(self, message):
        self.exit(2, f"numbarnn: error: {message} (see `{self.prog} --help`)\n")


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Shows ``(default: ...)`` after an option's help, unless the default is unset or the help says it."""

    def _get_help_string(self, action):
        text = action.help or ""
        if action.default in (None, False, argparse.SUPPRESS) or "default" in text:
            return text
        return super()._get_help_string(action)


def choice(*choices):
    """An argparse ``type`` for a case-insensitive choice that suggests the closest one on a typo."""
    def parse(text):
        value = text.lower()
        if value not in choices:
            near = difflib.get_close_matches(value, choices, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise argparse.ArgumentTypeError(f"invalid choice {text!r} (choose from {', '.join(choices)}){hint}")
        return value
    parse.__name__ = "choice"
    return parse


def _braces(choices):
    """The metavar argparse shows for a choice: ``{a,b,c}``."""
    return "{" + ",".join(choices) + "}"


def _positive(kind):
    def parse(text):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} is not positive")
        return value
    parse.__name__ = kind.__name__
    return parse


def message(err):
    """One line saying what went wrong."""
    if isinstance(err, OSError) and err.filename is not None and err.strerror:
        return f"{err.filename}: {err.strerror}"
    text = str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)
    return " ".join(text.split()) or type(err).__name__


def output_path(path, option, suffixes):
    """``path`` checked before any work: a known suffix and an existing folder."""
    path = pathlib.Path(path)
    if path.suffix.lower() not in suffixes:
        raise UsageError(f"{option} {str(path)!r}: unknown suffix {path.suffix or '(none)'!r}; "
                         f"give a file name ending in {' or '.join(suffixes)}")
    if not path.parent.is_dir():
        raise UsageError(f"{option} {str(path)!r}: the folder {str(path.parent)!r} does not exist")
    if path.is_dir():
        raise UsageError(f"{option} {str(path)!r} is a folder; give a file name")
    return path


def _input_path(path, what):
    path = pathlib.Path(path)
    if str(path) != "-" and not path.is_file():
        raise UsageError(f"{what} {str(path)!r} does not exist" if not path.exists() else
                         f"{what} {str(path)!r} is not a file")
    return path


def _load(path, cls, how):
    """The model in ``path``, refused unless it is a ``cls`` (``how``: where to get one)."""
    from .estimators import load
    model = load(_input_path(path, "model file"))
    if not isinstance(model, cls):
        raise UsageError(f"{path} holds a {type(model).__name__}, not a {cls.__name__}; {how}")
    return model


def _read_text(path):
    return sys.stdin.read() if str(path) == "-" else _input_path(path, "text file").read_text(encoding="utf-8")


def _forecaster_defaults():
    import inspect

    from .estimators import Forecaster
    return {k: v.default for k, v in inspect.signature(Forecaster).parameters.items()}


def build_parser():
    """The ``numbarnn`` argument parser (every option with help and its default)."""
    parser = _Parser(prog="numbarnn", description="Exact, fast recurrent networks on Numba.", formatter_class=_Help)
    parser.add_argument("--version", action="version", version=f"numbarnn {__version__}")
    parser.add_argument("--traceback", action="store_true",
                        help="on an error, show Python's traceback instead of the one-line message")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, help_text):
        return sub.add_parser(name, help=help_text, description=help_text, formatter_class=_Help)

    command("check", "check gradients against finite differences and time the kernels")
    p = command("demo", "forecast the bundled Mauna Loa CO2 series")
    p.add_argument("--outdir", default="numbarnn-demo", help="folder for the forecast (.nc) and the plot (.png)")

    defaults = _forecaster_defaults()
    p = command("fit", "fit a forecaster on a netCDF or CSV file and save it")
    p.add_argument("data", help="a .csv file (first column: time) or a .nc file")
    p.add_argument("--model", required=True, help="where to write the fitted model (.nc)")
    p.add_argument("--var", help="the variable (netCDF) or column (CSV) to model (default: the only one; "
                   "every column of a CSV as features)")
    p.add_argument("--time-dim", default="time", help="the time dimension's name")
    p.add_argument("--feature-dim", help="the feature dimension's name, if the data have one")
    p.add_argument("--device", type=choice(*DEVICES), default="cpu", metavar=_braces(DEVICES),
                   help="where the network trains")
    options = (("cell", choice(*NETWORKS), "the recurrent cell", _braces(NETWORKS)),
               ("hidden-size", _positive(int), "units in the recurrent layer", None),
               ("lookback", _positive(int), "steps of history each forecast reads", None),
               ("horizon", _positive(int), "steps to forecast", None),
               ("difference", int, "model differences at this lag (recursive strategy)", None),
               ("epochs", _positive(int), "passes over the training windows", None),
               ("learning-rate", _positive(float), "Adam's step size", None))
    for name, typ, text, metavar in options:
        default = defaults[name.replace("-", "_")]
        shown = "automatic" if default is None else default
        p.add_argument(f"--{name}", type=typ, metavar=metavar, help=f"{text} (default: {shown})")
    p.add_argument("--seed", type=int, help="random seed (default: none, a different fit each run)")

    p = command("predict", "forecast with a saved model")
    p.add_argument("model", help="a model file written by `numbarnn fit`")
    p.add_argument("--horizon", type=_positive(int), help="steps to forecast (default: the fitted horizon)")
    p.add_argument("--out", required=True, help="where to write the forecast (.nc or .csv)")
    p.add_argument("--device", type=choice(*DEVICES), metavar=_braces(DEVICES),
                   help="where the network runs (default: as fitted)")

    p = command("fit-tagger", "fit a part-of-speech tagger and save it")
    p.add_argument("data", nargs="?", help="FORM<TAB>TAG lines, a blank line after each sentence "
                   "(default: the bundled UD English-EWT train split, its dev split for early stopping)")
    p.add_argument("--model", required=True, help="where to write the fitted tagger (.nc)")
    p.add_argument("--validation", help="tagged sentences for early stopping, same format (default: none)")
    for name, text in (("epochs", "most passes over the sentences"), ("hidden-size", "units per direction")):
        p.add_argument(f"--{name}", type=_positive(int), help=f"{text} (default: the SequenceTagger's)")
    p.add_argument("--seed", type=int, help="random seed (default: none)")

    p = command("tag", "tag a text file (one sentence per line, tokens split by whitespace)")
    p.add_argument("model", help="a model file written by `numbarnn fit-tagger`")
    p.add_argument("text", help="the text file ('-' reads standard input)")
    p.add_argument("--out", help="where to write token<TAB>tag lines (default: standard output)")

    p = command("fit-lm", "fit a character language model on a text file and save it")
    p.add_argument("text", nargs="?", help="a UTF-8 text file (default: the bundled King James Bible)")
    p.add_argument("--model", required=True, help="where to write the fitted model (.nc)")
    p.add_argument("--level", type=choice("char", "word"), default="char", metavar=_braces(("char", "word")),
                   help="symbols: characters or words")
    for name, text in (("epochs", "most passes over the text"), ("hidden-size", "units in the recurrent layer")):
        p.add_argument(f"--{name}", type=_positive(int), help=f"{text} (default: the LanguageModel's)")
    p.add_argument("--seed", type=int, help="random seed (default: none)")

    strategies = ("greedy", "sample", "beam", "stochastic_beam")
    p = command("generate", "continue a prompt with a saved language model")
    p.add_argument("model", help="a model file written by `numbarnn fit-lm`")
    p.add_argument("--prompt", default="", help="the text to continue (default: the start of a document)")
    p.add_argument("--max-length", type=_positive(int), default=200, help="most symbols to write")
    p.add_argument("--strategy", type=choice(*strategies), default="sample", metavar=_braces(strategies),
                   help="how the next symbol is chosen")
    p.add_argument("--temperature", type=_positive(float), default=1.0, help="sampling temperature")
    p.add_argument("--top-k", type=_positive(int), help="sample from the k most likely symbols only (default: all)")
    p.add_argument("--top-p", type=_positive(float),
                   help="sample from the smallest set of symbols with this probability (default: all)")
    p.add_argument("--beam-width", type=_positive(int), default=4, help="beams for beam and stochastic_beam")
    p.add_argument("--seed", type=int, help="random seed for sampling (default: none)")

    p = command("translate", "map each line of a text file with a saved Seq2Seq")
    p.add_argument("model", help="a model file of a fitted numbarnn.Seq2Seq")
    p.add_argument("text", help="the text file, one source per line ('-' reads standard input)")
    p.add_argument("--out", help="where to write one output per line (default: standard output)")
    p.add_argument("--beam-width", type=_positive(int), default=1, help="beam search with this many beams (1: greedy)")
    return parser


def _fit(args):
    from .estimators import Forecaster
    model_path = output_path(args.model, "--model", NETCDF)
    kwargs = {k: getattr(args, k) for k in ("cell", "hidden_size", "lookback", "horizon", "difference",
                                            "epochs", "learning_rate") if getattr(args, k) is not None}
    if args.seed is not None:
        kwargs["random_state"] = args.seed
    y = read_series(_input_path(args.data, "data file"), args.var, args.time_dim)
    model = Forecaster(time_dim=args.time_dim, feature_dim=args.feature_dim, device=args.device, **kwargs).fit(y)
    model.save(model_path)
    print(f"fitted on {args.data} ({model.history_.sizes['epoch']} epochs); wrote {model_path}")


def _predict(args):
    from .estimators import load
    from .estimators._persistence import write_atomic
    out = output_path(args.out, "--out", FORECAST_FORMATS)
    forecast = load(_input_path(args.model, "model file"), device=args.device).predict(horizon=args.horizon)
    if out.suffix.lower() == ".csv":
        atomic_write(out, forecast.to_pandas().to_csv)
    else:
        write_atomic(forecast.to_dataset(name=forecast.name or "forecast"), out)
    print(f"wrote {out}")


def _fit_tagger(args):
    from .estimators import SequenceTagger
    model_path = output_path(args.model, "--model", NETCDF)
    if args.data is None:
        from . import datasets
        train, dev = datasets.ud_english_ewt("train"), datasets.ud_english_ewt("dev")
        data, validation = (train.sentences, train.tags), (dev.sentences, dev.tags)
    else:
        data = read_tagged(_input_path(args.data, "data file"))
        validation = read_tagged(_input_path(args.validation, "--validation file")) if args.validation else None
    kwargs = {k: getattr(args, k) for k in ("epochs", "hidden_size") if getattr(args, k) is not None}
    tagger = SequenceTagger(random_state=args.seed, **kwargs).fit(*data, validation=validation)
    tagger.save(model_path)
    print(f"fitted on {len(data[0])} sentences ({tagger.history_.sizes['epoch']} epochs); wrote {model_path}")


def _write_lines(out_path, lines, summary):
    if out_path:
        _write_text(out_path, lines)
        print(f"{summary}; wrote {out_path}")
    else:
        sys.stdout.write("\n".join(lines) + "\n")


def _tag(args):
    from .estimators import SequenceTagger
    model = _load(args.model, SequenceTagger, "fit one with `numbarnn fit-tagger`")
    lines = _read_text(args.text).splitlines()
    _write_lines(args.out, tag_lines(model, lines), f"tagged {sum(1 for line in lines if line.split())} sentences")


def _fit_lm(args):
    from .estimators import LanguageModel
    model_path = output_path(args.model, "--model", NETCDF)
    if args.text is None:
        from . import datasets
        text = datasets.kjv()
    else:
        text = _read_text(args.text)
    kwargs = {k: getattr(args, k) for k in ("epochs", "hidden_size") if getattr(args, k) is not None}
    lm = LanguageModel(level=args.level, random_state=args.seed, **kwargs).fit(text)
    lm.save(model_path)
    print(f"fitted on {len(text)} characters ({lm.history_.sizes['epoch']} epochs); wrote {model_path}")


def _generate(args):
    from .estimators import LanguageModel
    lm = _load(args.model, LanguageModel, "fit one with `numbarnn fit-lm`")
    options = {"sample": dict(temperature=args.temperature, top_k=args.top_k, top_p=args.top_p),
               "beam": dict(beam_width=args.beam_width),
               "stochastic_beam": dict(beam_width=args.beam_width)}.get(args.strategy, {})
    text = lm.generate(args.prompt, max_length=args.max_length, strategy=args.strategy, random_state=args.seed,
                       **options)
    sys.stdout.write(args.prompt + text + "\n")


def _translate(args):
    from .estimators import Seq2Seq
    model = _load(args.model, Seq2Seq, "fit and save one with numbarnn.Seq2Seq in Python")
    lines = [line for line in _read_text(args.text).splitlines() if line.strip()]
    if not model.string_targets_:
        lines = [line.split() for line in lines]
    out = model.predict(lines, strategy="beam" if args.beam_width > 1 else "greedy", beam_width=args.beam_width)
    out = [o if isinstance(o, str) else " ".join(o) for o in out]
    _write_lines(args.out, out, f"translated {len(lines)} lines")


def _demo(args):
    demo(args.outdir)


COMMANDS = {"check": lambda args: check(), "demo": _demo, "fit": _fit,
            "predict": _predict, "fit-tagger": _fit_tagger, "tag": _tag, "fit-lm": _fit_lm,
            "generate": _generate, "translate": _translate}


def main(argv=None):
    """Run the command line; return its exit status (0, 1 for a failed check, 2 for any error).

    Every failure is one line, ``numbarnn: error: <message>`` on standard error, with exit status 2
    (``--traceback`` shows Python's traceback instead)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args) or 0
    except (UsageError, *USER_ERRORS) as err:
        if args.traceback:
            raise
        sys.stderr.write(f"numbarnn: error: {message(err)}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
