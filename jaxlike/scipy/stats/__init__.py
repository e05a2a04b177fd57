"""jaxlike.scipy.stats: probability distributions, as `jax.scipy.stats` has them. Each
distribution is a module of functions (`norm.logpdf(x, loc, scale)`, `poisson.cdf(k, mu)`
...) written with jaxlike.numpy and jaxlike.scipy.special, so they trace, differentiate and
vectorize like user code."""
from jaxlike.scipy.stats import bernoulli, beta, gamma, multivariate_normal, norm, poisson, uniform

__all__ = ["bernoulli", "beta", "gamma", "multivariate_normal", "norm", "poisson", "uniform"]
