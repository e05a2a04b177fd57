"""The small convolutional network of the demo (two conv + max-pool layers, a dense head)
trains on synthetic images with `jit(value_and_grad)`: the loss falls, and the compiled
gradient agrees with forward-mode derivatives."""
import importlib.util
import os

import numpy as np

import jaxlike as jax

from helpers import assert_allclose

_PATH = os.path.join(os.path.dirname(__file__), "..", "demo", "cnn.py")
_spec = importlib.util.spec_from_file_location("demo_cnn", _PATH)
cnn = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cnn)


def test_loss_falls():
    losses = cnn.train_cnn(steps=60, batch=32, verbose=False)
    assert np.all(np.isfinite(losses))
    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:5])
    assert np.mean(losses[-10:]) < np.log(4)  # better than guessing among 4 classes


def test_reverse_mode_agrees_with_forward_mode():
    # <grad(loss), d> equals the directional derivative jvp(loss, d), both compiled.
    images, labels = cnn.synthetic_shapes(8)
    params = cnn.init_cnn()
    rng = np.random.default_rng(0)
    direction = jax.tree_util.tree_map(
        lambda p: rng.standard_normal(p.shape).astype(np.float32), params)
    value, grads = jax.jit(jax.value_and_grad(cnn.loss))(params, images, labels)
    _, derivative = jax.jit(lambda p, d: jax.jvp(lambda p: cnn.loss(p, images, labels),
                                                 (p,), (d,)))(params, direction)
    inner = sum(float(np.vdot(grads[k], direction[k])) for k in params)
    assert np.isfinite(float(value))
    assert_allclose(np.float32(inner), np.asarray(derivative), rtol=1e-3, atol=1e-4)
    assert float(np.abs(np.asarray(grads["conv1"])).max()) > 0  # gradients reach layer 1
