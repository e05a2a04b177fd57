"""The Gaussian-process example (docs/examples/gaussian_process.py): its loss is
differentiated end to end through cholesky and solve_triangular (checked against finite
differences), a few gradient steps lower it, and the posterior interpolates the data."""
import importlib.util
import os

import numpy as np

import jaxlike as jax

_PATH = os.path.join(os.path.dirname(__file__), "..", "docs", "examples", "gaussian_process.py")


def _load_example():
    spec = importlib.util.spec_from_file_location("gaussian_process_example", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gp = _load_example()


def test_gradient_matches_finite_differences():
    x, y = gp.make_data(n=12)
    params = gp.init_params()
    grads = jax.grad(gp.neg_log_marginal_likelihood)(params, x, y)
    eps = 1e-2
    for name in params:
        plus = dict(params, **{name: params[name] + eps})
        minus = dict(params, **{name: params[name] - eps})
        numeric = (float(gp.neg_log_marginal_likelihood(plus, x, y))
                   - float(gp.neg_log_marginal_likelihood(minus, x, y))) / (2 * eps)
        np.testing.assert_allclose(float(grads[name]), numeric, rtol=2e-2, atol=2e-2,
                                   err_msg=name)


def test_a_few_steps_lower_the_loss_and_the_posterior_fits(tmp_path):
    x, y = gp.make_data(n=12)
    params, losses = gp.fit(gp.init_params(), x, y, steps=15, learning_rate=0.02)
    assert losses[-1] < losses[0] - 3 and all(b < a for a, b in zip(losses, losses[1:]))
    mean, std = gp.predict(params, x, y, x)
    assert np.abs(np.asarray(mean) - y).mean() < 0.3
    assert (np.asarray(std) >= 0).all()
    gp.plot(params, x, y, losses, path=str(tmp_path / "gp.png"))
    assert (tmp_path / "gp.png").stat().st_size > 0
