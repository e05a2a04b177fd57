"""jaxlike.random: JAX's counter-based PRNG (Threefry-2x32), bit for bit.

Keys are explicit: `key(seed)` makes one, `split` and `fold_in` derive independent ones, and
every sampler takes a key and returns the same values JAX 0.10.2 returns for that key,
shape and dtype (eagerly, under `jit` and under `vmap` over keys).
"""
from jaxlike.random._keys import (PRNGKey, PRNGKeyArray, fold_in, key, key_data, key_impl,
                                  split, wrap_key_data)
from jaxlike.random._continuous import (bernoulli, bits, exponential, gumbel, laplace,
                                        multivariate_normal, normal, orthogonal,
                                        truncated_normal, uniform)
from jaxlike.random._discrete import categorical, choice, permutation, randint
from jaxlike.random._gamma import beta, dirichlet, gamma, loggamma, random_gamma_p

__all__ = ["PRNGKey", "PRNGKeyArray", "key", "key_data", "key_impl", "wrap_key_data", "split",
           "fold_in", "bits", "uniform", "normal", "truncated_normal", "bernoulli", "gumbel",
           "exponential", "laplace", "multivariate_normal", "orthogonal", "randint",
           "permutation", "choice", "categorical", "gamma", "loggamma", "beta", "dirichlet",
           "random_gamma_p"]
