"""The sktime adapters pass sktime's own estimator checks, every case (skipped without sktime)."""

import numpy as np
import pytest

pytest.importorskip("sktime")

from sktime.utils.estimator_checks import check_estimator  # noqa: E402

import numbarnn  # noqa: E402
from numbarnn.sktime import NumbarnnClassifier, NumbarnnForecaster  # noqa: E402


@pytest.mark.parametrize("cls, at_least", [(NumbarnnForecaster, 1000), (NumbarnnClassifier, 200)])
def test_check_estimator_passes_every_case(cls, at_least):
    results = check_estimator(cls, raise_exceptions=False, verbose=False)
    failed = {k: v for k, v in results.items() if v != "PASSED"}
    assert not failed, f"{len(failed)} of {len(results)} sktime checks failed, first: {next(iter(failed.items()))}"
    assert len(results) >= at_least  # the suite really ran


def test_forecaster_adapter_matches_the_wrapped_forecaster():
    import pandas as pd
    y = pd.Series(np.sin(np.arange(80) / 3) + 5, index=pd.period_range("2000-01", periods=80, freq="M"))
    inner = numbarnn.Forecaster(hidden_size=4, epochs=3, n_models=1, horizon=4, random_state=0)
    adapted = NumbarnnForecaster(inner).fit(y, fh=[1, 2, 3, 4]).predict()
    direct = numbarnn.clone(inner).fit(y).predict()
    np.testing.assert_allclose(np.asarray(adapted).ravel(), np.asarray(direct))
    assert not hasattr(inner, "model_")  # the wrapped estimator is cloned, never fitted in place
    later = NumbarnnForecaster(inner).fit(y, fh=[2, 4]).predict()
    np.testing.assert_allclose(np.asarray(later).ravel(), np.asarray(direct)[[1, 3]])


def test_forecaster_adapter_rejects_in_sample_horizons():
    import pandas as pd
    y = pd.Series(np.arange(40.0) + 1)
    f = NumbarnnForecaster(numbarnn.Forecaster(hidden_size=4, epochs=1, n_models=1, horizon=2, random_state=0))
    f.fit(y, fh=[1, 2])
    with pytest.raises(NotImplementedError, match="(?i)in-sample"):
        f.predict(fh=[0, 1])


def test_classifier_adapter_reads_numpy3d_as_sample_channel_time():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 2, 12))          # the signal is in channel 0 only
    y = (X[:, 0].mean(axis=1) > 0).astype(int)
    clf = NumbarnnClassifier(numbarnn.SequenceClassifier(hidden_size=8, epochs=30, random_state=0)).fit(X, y)
    assert clf.classifier_.layout == "sample_feature_time"
    assert clf.classifier_.n_features_in_ == 2
    assert (clf.predict(X) == y).mean() > 0.9


def test_forecaster_adapter_intervals_from_quantile_heads():
    import pandas as pd
    y = pd.Series(np.sin(np.arange(96) / 2) + 10, index=pd.period_range("2000-01", periods=96, freq="M"))
    inner = numbarnn.Forecaster(hidden_size=4, epochs=3, n_models=1, probabilistic=True, random_state=0)
    f = NumbarnnForecaster(inner)
    assert f.get_tag("capability:pred_int") and not NumbarnnForecaster().get_tag("capability:pred_int")
    f.fit(y, fh=[1, 2, 3])
    interval = f.predict_interval(coverage=0.8)
    lower, upper = interval.iloc[:, 0].to_numpy(), interval.iloc[:, 1].to_numpy()
    q = numbarnn.clone(inner).set_params(horizon=3).fit(y).predict(quantiles=[0.1, 0.9])
    np.testing.assert_allclose(lower, np.asarray(q)[:, 0])
    np.testing.assert_allclose(upper, np.asarray(q)[:, 1])
    assert np.all(lower < upper)
