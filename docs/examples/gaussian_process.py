"""Gaussian-process regression with jaxlike: fit the kernel hyperparameters by gradient
descent on the log marginal likelihood, differentiated end to end through `cholesky` and
`solve_triangular`, then plot the posterior.

    python docs/examples/gaussian_process.py          # writes docs/examples/gaussian_process.png

The model: y = f(x) + noise, f ~ GP(0, k) with the squared-exponential kernel
k(x, x') = amplitude^2 exp(-(x - x')^2 / (2 length^2)) and Gaussian noise of standard
deviation `noise`. With K = k(X, X) + noise^2 I = L L^T, the negative log marginal likelihood
is 1/2 y^T K^-1 y + sum(log diag L) + n/2 log(2 pi), and the posterior at new points x* has
mean k*^T K^-1 y and variance k(x*, x*) - |L^-1 k*|^2.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

import jaxlike as jax  # noqa: E402
import jaxlike.numpy as jnp  # noqa: E402
from jaxlike.scipy.linalg import cholesky, solve_triangular  # noqa: E402

OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gaussian_process.png")


def make_data(n=40, seed=0):
    """Returns noisy samples (x, y) of sin(2x) + x/4 at n random points of [-3, 3]."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-3, 3, n)).astype(np.float32)
    y = (np.sin(2 * x) + x / 4 + 0.15 * rng.standard_normal(n)).astype(np.float32)
    return x, y


def kernel(params, a, b):
    """Returns the squared-exponential kernel matrix k(a_i, b_j)."""
    amplitude, length = jnp.exp(params["log_amplitude"]), jnp.exp(params["log_length"])
    sq_dist = (a[:, None] - b[None, :]) ** 2
    return amplitude ** 2 * jnp.exp(-0.5 * sq_dist / length ** 2)


def _factor(params, x):
    # K + noise^2 I (plus a small jitter for float32) and its lower Cholesky factor.
    noise = jnp.exp(params["log_noise"])
    k = kernel(params, x, x) + (noise ** 2 + 1e-5) * jnp.eye(x.shape[0])
    return cholesky(k, lower=True)


def neg_log_marginal_likelihood(params, x, y):
    """Returns -log p(y | x, params), the objective minimized over the hyperparameters."""
    chol = _factor(params, x)
    z = solve_triangular(chol, y, lower=True)  # L^-1 y, so that y^T K^-1 y = |z|^2
    return (0.5 * jnp.sum(z ** 2) + jnp.sum(jnp.log(jnp.diagonal(chol)))
            + 0.5 * x.shape[0] * np.log(2 * np.pi))


def init_params():
    """Returns deliberately poor starting hyperparameters (too long, too noisy)."""
    return {"log_amplitude": jnp.asarray(0.0), "log_length": jnp.asarray(np.log(3.0)),
            "log_noise": jnp.asarray(np.log(0.8))}


def fit(params, x, y, steps=200, learning_rate=0.02):
    """Returns (fitted params, list of losses) after `steps` of gradient descent (with
    gradients from jit(value_and_grad) through the Cholesky factorization)."""
    step = jax.jit(jax.value_and_grad(neg_log_marginal_likelihood))
    losses = []
    for _ in range(steps):
        loss, grads = step(params, x, y)
        losses.append(float(loss))
        params = jax.tree_util.tree_map(lambda p, g: p - learning_rate * g, params, grads)
    return params, losses


@jax.jit
def predict(params, x, y, x_star):
    """Returns the posterior mean and standard deviation of f at the points x_star."""
    chol = _factor(params, x)
    k_star = kernel(params, x, x_star)
    alpha = solve_triangular(chol, solve_triangular(chol, y, lower=True), lower=True,
                             trans="T")
    mean = k_star.T @ alpha
    v = solve_triangular(chol, k_star, lower=True)
    var = jnp.exp(2 * params["log_amplitude"]) - jnp.sum(v ** 2, axis=0)
    return mean, jnp.sqrt(jnp.maximum(var, 0.0))


def plot(params, x, y, losses, path=OUTPUT):
    """Saves the data, the posterior mean with a 2-sigma band, and the loss curve."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    grid = np.linspace(-3.5, 3.5, 200).astype(np.float32)
    mean, std = (np.asarray(v) for v in predict(params, x, y, grid))
    fig, (ax, ax_loss) = plt.subplots(1, 2, figsize=(11, 4),
                                      gridspec_kw={"width_ratios": [2, 1]})
    ax.fill_between(grid, mean - 2 * std, mean + 2 * std, color="C0", alpha=0.2,
                    label="posterior ±2σ")
    ax.plot(grid, mean, color="C0", label="posterior mean")
    ax.plot(grid, np.sin(2 * grid) + grid / 4, "k--", lw=1, label="true function")
    ax.scatter(x, y, s=14, color="C3", zorder=3, label="observations")
    ax.set_title("GP regression, hyperparameters fitted by gradient descent")
    ax.legend(loc="upper left", fontsize=8)
    ax_loss.plot(losses)
    ax_loss.set_xlabel("gradient step")
    ax_loss.set_ylabel("negative log marginal likelihood")
    fitted = {k[4:]: float(np.exp(v)) for k, v in params.items()}
    ax_loss.set_title(", ".join(f"{k}={v:.2f}" for k, v in sorted(fitted.items())),
                      fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    x, y = make_data()
    params, losses = fit(init_params(), x, y)
    print(f"negative log marginal likelihood: {losses[0]:.3f} -> {losses[-1]:.3f}")
    for name, value in sorted(params.items()):
        print(f"  {name[4:]:>9} = {float(np.exp(value)):.3f}")
    plot(params, x, y, losses)
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
