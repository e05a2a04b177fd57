"""The Bernoulli distribution (1 with probability p, 0 with probability 1 - p), as
`jax.scipy.stats.bernoulli`."""
import numpy as np

from jaxlike import numpy as jnp
from jaxlike.scipy import special
from jaxlike.scipy.stats._util import promote

__all__ = ["cdf", "logpmf", "pmf", "ppf"]


def logpmf(k, p, loc=0):
    """Returns log P(X = k) = (k-loc) log p + (1-k+loc) log(1-p), -inf outside [0, 1] (as
    JAX, k between 0 and 1 is not rounded)."""
    k, p, loc = promote("bernoulli.logpmf", k, p, loc)
    x = k - loc
    log_probs = special.xlogy(x, p) + special.xlog1py(1 - x, -p)
    return jnp.where((x < 0) | (x > 1), -np.inf, log_probs)


def pmf(k, p, loc=0):
    """Returns P(X = k)."""
    return jnp.exp(logpmf(k, p, loc))


def cdf(k, p):
    """Returns P(X <= k): 0 for k < 0, 1 - p for 0 <= k < 1, 1 for k >= 1 (NaN unless
    0 <= p <= 1)."""
    k, p = promote("bernoulli.cdf", k, p)
    out = jnp.where(k < 0, 0, jnp.where(k < 1, 1 - p, 1))
    return jnp.where((p < 0) | (p > 1) | jnp.isnan(p) | jnp.isnan(k), np.nan, out)


def ppf(q, p):
    """Returns the smallest k in {0, 1} with P(X <= k) >= q (NaN outside [0, 1])."""
    q, p = promote("bernoulli.ppf", q, p)
    out = jnp.where(q <= 1 - p, 0, 1)
    return jnp.where((q < 0) | (q > 1) | (p < 0) | (p > 1), np.nan, out)
