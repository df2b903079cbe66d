"""Every loss's gradient against central finite differences, and its value against a direct formula."""

import numpy as np
import pytest

from numbarnn.training import MAE, MSE, CrossEntropy, GaussianNLL, Huber, get_loss


def _fd(loss, pred, target, weight, eps=1e-6):
    g = np.zeros_like(pred)
    for idx in np.ndindex(pred.shape):
        p = pred.copy()
        p[idx] += eps
        up = loss(p, target, weight)[0]
        p[idx] -= 2 * eps
        down = loss(p, target, weight)[0]
        g[idx] = (up - down) / (2 * eps)
    return g


@pytest.mark.parametrize("loss", [MSE(), MAE(), Huber(0.5), GaussianNLL()], ids=repr)
def test_regression_loss_gradients(loss):
    rng = np.random.default_rng(0)
    k = 3
    pred = rng.standard_normal((7, k * loss.outputs_per_target))
    target = rng.standard_normal((7, k))
    weight = np.array([1, 1, 0, 1, 1, 1, 0.0])
    value, grad = loss(pred, target, weight)
    np.testing.assert_allclose(grad, _fd(loss, pred, target, weight), rtol=1e-6, atol=1e-8)
    assert np.all(grad[weight == 0] == 0)


def test_values():
    p, t = np.array([[1.0, 2.0]]), np.array([[0.0, 4.0]])
    assert MSE()(p, t)[0] == pytest.approx(2.5)
    assert MAE()(p, t)[0] == pytest.approx(1.5)
    assert Huber(1.0)(p, t)[0] == pytest.approx((0.5 + 1.5) / 2)
    mu, raw = 0.5, 0.3
    var = np.log1p(np.exp(raw)) + 1e-6
    expected = 0.5 * (np.log(var) + (1.0 - mu) ** 2 / var)
    assert GaussianNLL()(np.array([[mu, raw]]), np.array([[1.0]]))[0] == pytest.approx(expected)


def test_cross_entropy_gradient_weights_and_ignore():
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((6, 4))
    labels = np.array([0, 3, -1, 2, 1, 3])
    loss = CrossEntropy(class_weight=[1.0, 2.0, 0.5, 1.0])
    value, grad = loss(logits, labels)
    np.testing.assert_allclose(grad, _fd(loss, logits, labels, None), rtol=1e-6, atol=1e-8)
    assert np.all(grad[2] == 0)
    torch = pytest.importorskip("torch")
    ref = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(labels),
                                            weight=torch.tensor([1.0, 2.0, 0.5, 1.0], dtype=torch.float64),
                                            ignore_index=-1)
    assert value == pytest.approx(float(ref))


def test_bad_labels_and_names():
    with pytest.raises(ValueError, match=r"class labels must lie in \[0, 3\)"):
        CrossEntropy()(np.zeros((2, 3)), np.array([0, 5]))
    with pytest.raises(ValueError, match="unknown loss 'l3'"):
        get_loss("l3")
    with pytest.raises(ValueError, match="Huber delta must be positive"):
        Huber(0)
