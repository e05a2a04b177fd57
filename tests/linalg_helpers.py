"""Random matrices and checks shared by the linear-algebra tests (lax.linalg, jnp.linalg,
jaxlike.scipy.linalg)."""
import numpy as np

import jaxlike as jax

from helpers import assert_allclose


def rand(seed, shape, dtype=np.float32):
    """Returns a random normal array of `dtype` (complex dtypes get random imaginary parts)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def well_conditioned(seed, shape, dtype=np.float32):
    """Returns random matrices with a strong diagonal (condition numbers of a few units)."""
    return (rand(seed, shape, dtype) + 3 * np.eye(shape[-1])).astype(dtype)


def spd(seed, shape, dtype=np.float32):
    """Returns random Hermitian positive-definite matrices."""
    a = rand(seed, shape, dtype)
    return (a @ np.conj(np.swapaxes(a, -1, -2)) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def hermitian(seed, shape, dtype=np.float32):
    """Returns random Hermitian matrices (distinct eigenvalues with probability one)."""
    a = rand(seed, shape, dtype)
    return ((a + np.conj(np.swapaxes(a, -1, -2))) / 2).astype(dtype)


def assert_trees_close(actual, expected, tol, err_msg=""):
    """Asserts two pytrees of arrays agree leaf by leaf, the expected leaves cast to the
    actual ones' dtypes (references computed in float64 compare with float32 results)."""
    actual, expected = jax.tree_util.tree_leaves(actual), jax.tree_util.tree_leaves(expected)
    assert len(actual) == len(expected), err_msg
    for a, e in zip(actual, expected):
        a = np.asarray(a)
        assert_allclose(a, np.asarray(e).astype(a.dtype), rtol=tol, atol=tol, err_msg=err_msg)


def check(fun, args, expected, tol):
    """Asserts fun(*args) and jit(fun)(*args) both equal `expected` (see
    assert_trees_close)."""
    assert_trees_close(fun(*args), expected, tol, "eager")
    assert_trees_close(jax.jit(fun)(*args), expected, tol, "jit")
