"""Errors name the user's argument and say what to do; a failed fit leaves nothing fitted."""

import numpy as np
import pytest

import numbarnn


def _unfitted(est):
    return not [a for a in vars(est) if a.endswith("_")]


Y = np.sin(np.arange(60) / 3.0)


@pytest.mark.parametrize("y, error, message", [
    (np.where(np.arange(60) == 5, np.inf, Y), ValueError,
     r"y holds 1 infinite value\(s\) \(the first at time index 5\); replace them with NaN"),
    (np.array([]), ValueError, r"y is empty \(\{'time': 0\}\); give at least one value per series"),
    (np.full(30, np.nan), ValueError, "y: series 0 is all NaN; drop it before fitting"),
    (np.array(["a", "b"] * 20), TypeError, "expected numeric data"),
])
def test_forecaster_names_y(y, error, message):
    f = numbarnn.Forecaster(epochs=1, horizon=3)
    with pytest.raises(error, match=message):
        f.fit(y)
    assert _unfitted(f)


def test_forecaster_names_x_and_its_covariates():
    X = np.random.default_rng(0).standard_normal((60, 2))
    bad = X.copy()
    bad[7, 1] = -np.inf
    f = numbarnn.Forecaster(epochs=1, horizon=3)
    with pytest.raises(ValueError, match=r"X holds 1 infinite value\(s\) \(the first at time index 7\)"):
        f.fit(Y, X=bad)
    assert _unfitted(f)
    f = numbarnn.Forecaster(epochs=1, horizon=3, lookback=6, hidden_size=4).fit(Y, X=X)
    with pytest.raises(ValueError, match=r"X has 3 covariate\(s\) \(features\); the model was fitted with 2"):
        f.predict(X=np.random.default_rng(0).standard_normal((63, 3)))


@pytest.mark.parametrize("labels, error, message", [
    (["up", None] * 10, ValueError, r"y holds 10 missing label\(s\) \(None or NaN; the first at position 1\)"),
    (["up", 3] * 10, TypeError, r"y mixes labels of different kinds \(number, string\); give labels of one kind"),
])
def test_classifier_labels(labels, error, message):
    X = np.random.default_rng(0).standard_normal((20, 5, 1))
    clf = numbarnn.SequenceClassifier(epochs=1)
    with pytest.raises(error, match=message):
        clf.fit(X, np.array(labels, dtype=object))
    assert _unfitted(clf)


def test_text_estimators_labels():
    with pytest.raises(TypeError, match="y mixes labels of different kinds"):
        numbarnn.TextClassifier(epochs=1).fit([["a", "b"], ["c"]], ["x", 3])
    tagger = numbarnn.SequenceTagger(epochs=1)
    with pytest.raises(ValueError, match=r"tags holds 1 missing label\(s\)"):
        tagger.fit([["a", "b"], ["c"]], [["x", None], ["y"]])
    assert _unfitted(tagger)


class _ArrayLike:
    """A dask-like array: it carries a dtype and converts through ``__array__``."""

    def __init__(self, a):
        self.a, self.dtype, self.shape, self.ndim = a, a.dtype, a.shape, a.ndim

    def __array__(self, dtype=None, copy=None):
        return self.a if dtype is None else self.a.astype(dtype)


def test_networks_have_one_dtype_rule_for_every_kind_of_input():
    """Arrays that carry a dtype must match the network's; lists (no dtype) are read as its dtype."""
    import xarray as xr
    net = numbarnn.LSTM(2, 3, seed=0)
    x32 = np.random.default_rng(0).standard_normal((4, 2, 2)).astype("float32")
    expected = net(x32)[0]
    for wrong in (x32.astype("float64"), _ArrayLike(x32.astype("float64")), xr.DataArray(x32.astype("float64"))):
        with pytest.raises(TypeError, match=r"x has dtype float64 but the network is float32; convert it with "
                                            r"x.astype\('float32'\) or build the network with dtype='float64'"):
            net(wrong)
    for right in (_ArrayLike(x32), x32.tolist()):
        np.testing.assert_array_equal(np.asarray(net(right)[0]), expected)
    with pytest.raises(TypeError, match="x must hold numbers, got dtype <U1"):
        net(_ArrayLike(np.full((4, 2, 2), "a")))
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="x has dtype float64 but the network is float32"):
        net(torch.zeros(4, 2, 2, dtype=torch.float64))


def test_pandas_names_come_back_as_given():
    import pandas as pd
    for index_name, series_name in (("month", "sales"), (None, None)):
        idx = pd.date_range("2000-01-01", periods=60, freq="MS", name=index_name)
        s = pd.Series(np.sin(np.arange(60) / 3) + 5, index=idx, name=series_name)
        out = numbarnn.Forecaster(horizon=3, epochs=2, n_models=1, random_state=0).fit(s).predict()
        assert out.index.name == index_name and out.name == series_name
        assert str(out.index[0])[:10] == "2005-01-01"
