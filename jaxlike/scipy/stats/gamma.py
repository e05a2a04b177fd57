"""The gamma distribution with shape a, as `jax.scipy.stats.gamma` (density
y^(a-1) e^(-y) / Γ(a) / scale at y = (x - loc) / scale)."""
import numpy as np

from jaxlike import numpy as jnp
from jaxlike.scipy import special
from jaxlike.scipy.stats._util import promote

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


def logpdf(x, a, loc=0, scale=1):
    """Returns the log density at x: (a-1) log y - y - log Γ(a) - log(scale), -inf for
    y = (x - loc) / scale < 0."""
    x, a, loc, scale = promote("gamma.logpdf", x, a, loc, scale)
    y = (x - loc) / scale
    log_probs = special.xlogy(a - 1, y) - y - special.gammaln(a) - jnp.log(scale)
    return jnp.where(y < 0, -np.inf, log_probs)


def pdf(x, a, loc=0, scale=1):
    """Returns the density at x."""
    return jnp.exp(logpdf(x, a, loc, scale))


def _clipped(name, x, a, loc, scale):
    x, a, loc, scale = promote(name, x, a, loc, scale)
    return a, jnp.maximum((x - loc) / scale, 0)


def cdf(x, a, loc=0, scale=1):
    """Returns P(X <= x) = P(a, y), the regularized lower incomplete gamma function."""
    return special.gammainc(*_clipped("gamma.cdf", x, a, loc, scale))


def logcdf(x, a, loc=0, scale=1):
    """Returns log P(X <= x)."""
    return jnp.log(special.gammainc(*_clipped("gamma.logcdf", x, a, loc, scale)))


def sf(x, a, loc=0, scale=1):
    """Returns P(X > x) = Q(a, y), computed directly (accurate where it is small)."""
    return special.gammaincc(*_clipped("gamma.sf", x, a, loc, scale))


def logsf(x, a, loc=0, scale=1):
    """Returns log P(X > x)."""
    return jnp.log(special.gammaincc(*_clipped("gamma.logsf", x, a, loc, scale)))
