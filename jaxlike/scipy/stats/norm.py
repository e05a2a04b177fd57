"""The normal distribution, as `jax.scipy.stats.norm`: `loc` is the mean and `scale` the
standard deviation."""
import numpy as np

from jaxlike import numpy as jnp
from jaxlike.scipy import special
from jaxlike.scipy.stats._util import promote

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]

_LOG_SQRT_2PI = 0.5 * float(np.log(2 * np.pi))  # a Python float stays weakly typed


def logpdf(x, loc=0, scale=1):
    """Returns the log of the normal density at x: -((x-loc)/scale)²/2 - log(√(2π)|scale|)."""
    x, loc, scale = promote("norm.logpdf", x, loc, scale)
    z = (x - loc) / scale
    return -0.5 * z * z - jnp.log(jnp.abs(scale)) - _LOG_SQRT_2PI


def pdf(x, loc=0, scale=1):
    """Returns the normal density at x."""
    return jnp.exp(logpdf(x, loc, scale))


def _standardized(name, x, loc, scale):
    x, loc, scale = promote(name, x, loc, scale)
    return (x - loc) / scale


def cdf(x, loc=0, scale=1):
    """Returns the normal cumulative distribution function P(X <= x)."""
    return special.ndtr(_standardized("norm.cdf", x, loc, scale))


def logcdf(x, loc=0, scale=1):
    """Returns log P(X <= x), accurate far in both tails."""
    return special.log_ndtr(_standardized("norm.logcdf", x, loc, scale))


def sf(x, loc=0, scale=1):
    """Returns the survival function P(X > x) = 1 - cdf(x), accurate where it is small."""
    return special.ndtr(-_standardized("norm.sf", x, loc, scale))


def logsf(x, loc=0, scale=1):
    """Returns log P(X > x), accurate far in both tails."""
    return special.log_ndtr(-_standardized("norm.logsf", x, loc, scale))


def ppf(q, loc=0, scale=1):
    """Returns the percent point function (inverse of cdf): the x with P(X <= x) = q."""
    q, loc, scale = promote("norm.ppf", q, loc, scale)
    return special.ndtri(q) * scale + loc


def isf(q, loc=0, scale=1):
    """Returns the inverse survival function: the x with P(X > x) = q."""
    q, loc, scale = promote("norm.isf", q, loc, scale)
    return loc - special.ndtri(q) * scale
