"""scikit-learn's own estimator checks pass for the sequence estimators (skipped without scikit-learn)."""

import pytest

import numbarnn

sklearn_checks = pytest.importorskip("sklearn.utils.estimator_checks")


@pytest.mark.filterwarnings("ignore:Estimator .* does not inherit", "ignore::sklearn.exceptions.SkipTestWarning")
@pytest.mark.parametrize("estimator", [numbarnn.SequenceRegressor(hidden_size=16, epochs=30, random_state=0),
                                       numbarnn.SequenceClassifier(hidden_size=16, epochs=30, n_models=2,
                                                                   random_state=0)],
                         ids=["regressor", "classifier"])
def test_check_estimator(estimator):
    results = sklearn_checks.check_estimator(estimator, on_fail=None)
    failed = [f"{r['check_name']}: {r['exception']}" for r in results if r["status"] == "failed"]
    assert not failed, "\n".join(failed)
    assert len(results) > 40
