"""SequenceRegressor and SequenceClassifier: padding, tagging, labels, class weights, bad input."""

import numpy as np
import pytest
import xarray as xr

from numbarnn import NotFittedError, SequenceClassifier, SequenceRegressor, clone

FAST = dict(hidden_size=8, epochs=3, random_state=0)


def padded(n=60, T=10, F=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, T, F))
    lengths = rng.integers(3, T + 1, n)
    for i, L in enumerate(lengths):
        X[i, L:] = np.nan
    return X, lengths


def test_regressor_per_sequence_ignores_padding():
    X, lengths = padded()
    y = np.nansum(X[:, :, 0], axis=1)
    reg = SequenceRegressor(**FAST).fit(X, y)
    pred = reg.predict(X)
    assert pred.shape == (60,) and np.all(np.isfinite(pred))
    X2 = X.copy()
    X2[np.isnan(X2)] = np.nan  # same padding, different garbage is impossible: NaN only
    np.testing.assert_array_equal(reg.predict(X2), pred)
    assert reg.n_features_in_ == 2 and reg.history_.sizes["epoch"] == 3


def test_regressor_per_timestep_and_xarray_labels():
    X, lengths = padded()
    y = np.cumsum(np.nan_to_num(X[:, :, 0]), axis=1)
    y[np.isnan(X[:, :, 0])] = np.nan
    da = xr.DataArray(X, dims=("sample", "time", "feature"),
                      coords={"sample": [f"s{i}" for i in range(60)], "time": np.arange(10) * 0.5})
    reg = SequenceRegressor(bidirectional=True, **FAST).fit(da, y)
    out = reg.predict(da)
    assert out.dims == ("sample", "time") and out.sample.values[0] == "s0" and out.time.values[1] == 0.5
    assert np.all(np.isnan(out.values[np.isnan(X[:, :, 0])]))
    assert np.all(np.isfinite(out.values[~np.isnan(X[:, :, 0])]))


def test_classifier_sequence_and_tagging():
    X, lengths = padded(n=80)
    labels = np.where(np.nanmean(X[:, :, 0], axis=1) > 0, "pos", "neg")
    clf = SequenceClassifier(class_weight="balanced", **FAST).fit(X, labels)
    proba = clf.predict_proba(X)
    assert proba.shape == (80, 2) and np.allclose(proba.sum(axis=1), 1)
    assert set(clf.predict(X)) <= {"neg", "pos"}
    tags = np.where(X[:, :, 0] > 0, 1, 0)  # per-timestep tagging (padding holds label 0: ignored)
    tagger = SequenceClassifier(class_weight={1: 2.0}, **FAST).fit(X, tags)
    assert tagger.predict(X).shape == (80, 10)
    p = tagger.predict_proba(X)
    assert p.shape == (80, 10, 2) and np.isnan(p[np.isnan(X[:, :, 0])]).all()
    np.testing.assert_allclose(tagger.class_weights_, [1.0, 2.0])


def test_two_dimensional_X_is_univariate_and_clone():
    X = np.random.default_rng(0).standard_normal((40, 8))
    y = X.sum(axis=1)
    reg = SequenceRegressor(**FAST).fit(X, y)
    assert reg.n_features_in_ == 8 and reg.predict(X).shape == (40,)  # columns, as in scikit-learn
    with pytest.raises(ValueError, match="X has 6 features, but SequenceRegressor is expecting 8 features"):
        reg.predict(X[:, :6])
    assert clone(reg).get_params() == reg.get_params()


def test_bad_input():
    X, _ = padded()
    y = np.zeros(60)
    with pytest.raises(NotFittedError):
        SequenceRegressor().predict(X)
    gap = X.copy()
    gap[0, 1] = np.nan  # a missing value inside a sequence is filled with the training mean
    gap[0, 2:] = 1.0
    assert np.isfinite(SequenceRegressor(**FAST).fit(gap, y).predict(gap)).all()
    with pytest.raises(ValueError, match="sample 3 has no valid timestep"):
        SequenceRegressor(**FAST).fit(np.where(np.arange(60)[:, None, None] == 3, np.nan, X), y)
    with pytest.raises(ValueError, match="y has 59 samples; X has 60"):
        SequenceRegressor(**FAST).fit(X, y[:-1])
    reg = SequenceRegressor(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but SequenceRegressor is expecting 2 features"):
        reg.predict(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match="unknown cell 'tcn'"):
        SequenceRegressor(cell="tcn").fit(X, y)
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        SequenceClassifier(device="tpu").fit(X, np.arange(60) % 2)
    with pytest.raises(TypeError, match="X must hold numbers"):
        SequenceRegressor(**FAST).fit(np.array([[["a"]]]), [1.0])
    with pytest.raises(ValueError, match="unknown class_weight 'even'"):
        SequenceClassifier(class_weight="even", **FAST).fit(X, np.arange(60) % 2)
    with pytest.raises(ValueError, match="X needs dimensions 'sample' and 'time'"):
        SequenceRegressor(**FAST).fit(xr.DataArray(X, dims=("n", "t", "f")), y)


def test_sktime_layout_is_read_when_asked():
    """(sample, channel, time), sktime's numpy3D, needs layout="sample_feature_time"; the same model results."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 9, 2))
    y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    ours = SequenceClassifier(hidden_size=4, epochs=2, random_state=0).fit(X, y)
    theirs = SequenceClassifier(hidden_size=4, epochs=2, random_state=0, layout="sample_feature_time")
    theirs.fit(X.transpose(0, 2, 1), y)
    assert theirs.n_features_in_ == 2
    np.testing.assert_array_equal(theirs.predict_proba(X.transpose(0, 2, 1)), ours.predict_proba(X))
    with pytest.raises(ValueError, match="unknown layout 'ncl'"):
        SequenceClassifier(layout="ncl").fit(X, y)


def test_long_sequences_are_folded_into_patches():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 100, 2))
    X[:5, 70:] = np.nan                                   # five shorter sequences
    y = (X[:, :10, 0].mean(axis=1) > 0).astype(int)       # the label sits at the start
    clf = SequenceClassifier(hidden_size=8, epochs=3, random_state=0).fit(X, y)
    assert clf.patch_ == 4                                # 100 steps -> 25 recurrent steps of 4
    assert clf.model_.net.input_size == 8                 # 4 steps x 2 features per input vector
    folded, lengths = clf._network_input(np.zeros((2, 100, 2)), np.array([100, 70]))
    assert folded.shape == (25, 2, 8) and lengths.tolist() == [25, 18]
    assert clf.predict_proba(X[:3]).shape == (3, 2)
    assert SequenceClassifier(patch=1, hidden_size=8, epochs=1, random_state=0).fit(X, y).model_.net.input_size == 2
    assert SequenceClassifier(hidden_size=8, epochs=1, random_state=0).fit(X[:, :20], y).patch_ == 1
    tags = np.zeros((40, 100), int)
    assert SequenceClassifier(hidden_size=8, epochs=1, random_state=0).fit(X, tags).patch_ == 1
    with pytest.raises(ValueError, match="patch=4 folds timesteps together, but y has one target per timestep"):
        SequenceClassifier(patch=4, hidden_size=8, epochs=1).fit(X, tags)
    with pytest.raises(ValueError, match="patch must be >= 1"):
        SequenceClassifier(patch=0).fit(X, y)


def test_patched_model_round_trip(tmp_path):
    import numbarnn
    rng = np.random.default_rng(1)
    X = rng.standard_normal((30, 64, 1))
    y = rng.standard_normal(30)
    reg = SequenceRegressor(hidden_size=4, epochs=2, random_state=0).fit(X, y)
    assert reg.patch_ == 2
    reg.save(tmp_path / "r.nc")
    back = numbarnn.load(tmp_path / "r.nc")
    assert back.patch_ == 2
    np.testing.assert_array_equal(back.predict(X), reg.predict(X))


def test_default_batches_and_epochs_follow_the_training_set():
    clf = SequenceClassifier()
    assert clf._training_schedule(36) == (8, 200)         # a small set: batches of 8, 200 passes
    assert clf._training_schedule(270) == (32, 112)       # about 1,000 optimizer steps
    assert clf._training_schedule(100_000) == (32, 50)
    assert SequenceClassifier(batch_size=16, epochs=7)._training_schedule(36) == (16, 7)


def _softmax(z):
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def test_classifier_averages_the_probabilities_of_its_members(tmp_path):
    import numbarnn
    X, lengths = padded(n=80)
    labels = np.where(np.nanmean(X[:, :, 0], axis=1) > 0, "pos", "neg")
    clf = SequenceClassifier(n_models=3, **FAST).fit(X, labels)
    assert len(clf.model_.members) == 3 and clf.history_.sizes["member"] == 3
    # member 0 is the network a one-model fit with the same seed trains, bit for bit
    one = SequenceClassifier(n_models=1, **FAST).fit(X, labels)
    for name, value in one.model_.params.items():
        np.testing.assert_array_equal(clf.model_.members[0].params[name], value)
    # the members differ, and predict_proba is the mean of their softmax outputs (a NumPy reference)
    assert not np.array_equal(clf.model_.members[0].params["head.weight"], clf.model_.members[1].params["head.weight"])
    x, lens = clf._network_input(clf._inputs(X, fitting=False)[0], lengths)
    ref = np.mean([_softmax(m.forward(x, lengths=lens, record=False)[0].astype(np.float64))
                   for m in clf.model_.members], axis=0)
    np.testing.assert_allclose(clf.predict_proba(X), ref, rtol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[ref.argmax(axis=1)])
    clf.save(tmp_path / "c.nc")
    back = numbarnn.load(tmp_path / "c.nc")
    assert len(back.model_.members) == 3
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))


def test_classifier_default_is_five_models_and_n_models_is_checked():
    X, _ = padded(n=40)
    y = np.arange(40) % 2
    assert len(SequenceClassifier(hidden_size=4, epochs=1, random_state=0).fit(X, y).model_.members) == 5
    with pytest.raises(ValueError, match="n_models"):
        SequenceClassifier(n_models=0).fit(X, y)
