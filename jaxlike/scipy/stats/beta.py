"""The beta distribution with shapes a and b, as `jax.scipy.stats.beta` (density
y^(a-1) (1-y)^(b-1) / B(a, b) / scale at y = (x - loc) / scale in [0, 1])."""
import numpy as np

from jaxlike import numpy as jnp
from jaxlike.scipy import special
from jaxlike.scipy.stats._util import promote

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


def logpdf(x, a, b, loc=0, scale=1):
    """Returns the log density at x, -inf outside [loc, loc + scale] (else NaN unless a, b
    > 0)."""
    x, a, b, loc, scale = promote("beta.logpdf", x, a, b, loc, scale)
    y = (x - loc) / scale
    log_probs = (special.xlogy(a - 1, y) + special.xlog1py(b - 1, -y) - special.betaln(a, b)
                 - jnp.log(scale))
    log_probs = jnp.where((a <= 0) | (b <= 0), np.nan, log_probs)
    return jnp.where((y < 0) | (y > 1), -np.inf, log_probs)


def pdf(x, a, b, loc=0, scale=1):
    """Returns the density at x."""
    return jnp.exp(logpdf(x, a, b, loc, scale))


def _standardized(name, x, a, b, loc, scale):
    x, a, b, loc, scale = promote(name, x, a, b, loc, scale)
    return a, b, (x - loc) / scale


def cdf(x, a, b, loc=0, scale=1):
    """Returns P(X <= x) = I_y(a, b), the regularized incomplete beta function of y clipped
    to [0, 1]."""
    a, b, y = _standardized("beta.cdf", x, a, b, loc, scale)
    return special.betainc(a, b, jnp.clip(y, 0, 1))


def logcdf(x, a, b, loc=0, scale=1):
    """Returns log P(X <= x)."""
    return jnp.log(cdf(x, a, b, loc, scale))


def sf(x, a, b, loc=0, scale=1):
    """Returns P(X > x) = I_{1-y}(b, a), computed directly (accurate where it is small)."""
    a, b, y = _standardized("beta.sf", x, a, b, loc, scale)
    return special.betainc(b, a, jnp.clip(1 - y, 0, 1))


def logsf(x, a, b, loc=0, scale=1):
    """Returns log P(X > x)."""
    return jnp.log(sf(x, a, b, loc, scale))
