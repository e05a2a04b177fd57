"""The Poisson distribution with mean mu, as `jax.scipy.stats.poisson`."""
import numpy as np

from jaxlike import numpy as jnp
from jaxlike.scipy import special
from jaxlike.scipy.stats._util import promote

__all__ = ["cdf", "logpmf", "pmf"]


def logpmf(k, mu, loc=0):
    """Returns log P(X = k) = (k-loc) log mu - mu - log((k-loc)!), -inf unless k - loc is
    a non-negative integer (else NaN for mu < 0)."""
    k, mu, loc = promote("poisson.logpmf", k, mu, loc)
    x = k - loc
    log_probs = special.xlogy(x, mu) - special.gammaln(x + 1) - mu
    log_probs = jnp.where(mu < 0, np.nan, log_probs)
    return jnp.where((x < 0) | (x != jnp.round(x)), -np.inf, log_probs)


def pmf(k, mu, loc=0):
    """Returns P(X = k)."""
    return jnp.exp(logpmf(k, mu, loc))


def cdf(k, mu, loc=0):
    """Returns P(X <= k) = Q(floor(k - loc) + 1, mu), the regularized upper incomplete
    gamma function; 0 for k < loc (NaN for mu < 0)."""
    k, mu, loc = promote("poisson.cdf", k, mu, loc)
    x = k - loc
    out = special.gammaincc(jnp.floor(jnp.maximum(x, 0)) + 1, mu)
    return jnp.where(x < 0, 0, out)
