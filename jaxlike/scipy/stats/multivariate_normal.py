"""The multivariate normal distribution, as `jax.scipy.stats.multivariate_normal`: `x` and
`mean` have the dimension on their last axis; `cov` is a (stack of) covariance matrices, or a
scalar variance shared by every dimension."""
import numpy as np

from jaxlike import numpy as jnp
from jaxlike.core import get_aval
from jaxlike.lax import linalg as lax_linalg
from jaxlike.numpy._util import broadcast_shapes
from jaxlike.scipy.stats._util import promote_dtypes

__all__ = ["logpdf", "pdf"]

_LOG_2PI = float(np.log(2 * np.pi))  # a Python float stays weakly typed


def _whiten(residual, chol):
    """Returns L⁻¹ r for each residual vector r (last axis), with L the Cholesky factor(s):
    one triangular solve for all of them when L is a single matrix."""
    n = residual.shape[-1]
    if chol.ndim == 2:
        # Rows r solve z Lᵀ = r, i.e. z = L⁻¹ r, all at once.
        rows = jnp.reshape(residual, (-1, n))
        z = lax_linalg.triangular_solve(chol, rows, left_side=False, lower=True,
                                        transpose_a=True)
        return jnp.reshape(z, residual.shape)
    batch = broadcast_shapes(residual.shape[:-1], chol.shape[:-2])
    residual = jnp.broadcast_to(residual, batch + (n,))
    chol = jnp.broadcast_to(chol, batch + (n, n))
    z = lax_linalg.triangular_solve(chol, residual[..., None], left_side=True, lower=True)
    return z[..., 0]


def logpdf(x, mean, cov, allow_singular=None):
    """Returns the log density of N(mean, cov) at x, over x's leading (batch) axes: with L
    the Cholesky factor of cov, -|L⁻¹(x-mean)|²/2 - n log(2π)/2 - Σ log diag(L). A cov that
    is not positive definite gives NaN."""
    if allow_singular is not None:
        raise NotImplementedError("allow_singular argument of multivariate_normal.logpdf")
    x, mean, cov = promote_dtypes("multivariate_normal.logpdf", x, mean, cov)
    if not mean.shape:
        # A scalar mean: the one-dimensional normal with variance cov.
        return -0.5 * jnp.square(x - mean) / cov - 0.5 * (_LOG_2PI + jnp.log(cov))
    n = mean.shape[-1]
    residual = x - mean
    if not cov.shape:
        # A scalar cov: the isotropic normal cov · I.
        return (-0.5 * jnp.sum(residual * residual, axis=-1) / cov
                - 0.5 * n * (_LOG_2PI + jnp.log(cov)))
    if cov.ndim < 2 or cov.shape[-2:] != (n, n):
        raise ValueError(f"multivariate_normal.logpdf got incompatible shapes: x "
                         f"{get_aval(x).shape}, mean {mean.shape}, cov {cov.shape} (cov must "
                         f"be a scalar or have trailing shape ({n}, {n})).")
    chol = lax_linalg.cholesky(cov)
    z = _whiten(residual, chol)
    log_det_half = jnp.sum(jnp.log(jnp.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)
    return -0.5 * jnp.sum(z * z, axis=-1) - 0.5 * n * _LOG_2PI - log_det_half


def pdf(x, mean, cov):
    """Returns the density of N(mean, cov) at x."""
    return jnp.exp(logpdf(x, mean, cov))
