"""The uniform distribution on [loc, loc + scale], as `jax.scipy.stats.uniform`."""
import numpy as np

from jaxlike import numpy as jnp
from jaxlike.scipy.stats._util import promote, strong

__all__ = ["cdf", "logpdf", "pdf", "ppf"]


def logpdf(x, loc=0, scale=1):
    """Returns the log density at x: -log(scale) on [loc, loc + scale], -inf elsewhere."""
    x, loc, scale = promote("uniform.logpdf", x, loc, scale)
    outside = (x < loc) | (x > loc + scale)
    return jnp.where(outside, -np.inf, -jnp.log(scale))


def pdf(x, loc=0, scale=1):
    """Returns the density at x: 1/scale on [loc, loc + scale], 0 elsewhere."""
    return jnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """Returns P(X <= x): 0 below loc, 1 above loc + scale, linear in between."""
    x, loc, scale = promote("uniform.cdf", x, loc, scale)
    inside = jnp.where(x > loc + scale, 1, (x - loc) / scale)
    return strong(jnp.where(x < loc, 0, inside))


def ppf(q, loc=0, scale=1):
    """Returns the inverse of cdf, loc + q * scale, for q in [0, 1] (NaN outside)."""
    q, loc, scale = promote("uniform.ppf", q, loc, scale)
    return jnp.where((q < 0) | (q > 1), np.nan, loc + q * scale)
