"""Tests of jaxlike.scipy.optimize.minimize (BFGS): minima of Rosenbrock's function and of
random convex quadratics against scipy.optimize.minimize and the closed form, eagerly and
under jit, float32 and float64; extra args; the result fields; iteration limits; vmap; and
the errors JAX raises.

Each minimize compiles one program (two nested while loops); the tests keep their functions
and shapes few so that compiles stay few.
"""
import numpy as np
import pytest
import scipy.optimize as so
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike.scipy.optimize import OptimizeResults, minimize

from helpers import assert_allclose

seeds = st.integers(0, 2**32 - 1)


def rosenbrock(x):
    return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def quadratic(x, a, b):
    """1/2 xᵀ A x - bᵀ x, minimized at A⁻¹ b."""
    return 0.5 * jnp.dot(x, a @ x) - jnp.dot(b, x)


# Jitted once at module level, so that tests calling it with the same shapes share the
# compiled program.
_minimize_rosenbrock = jax.jit(lambda x0: minimize(rosenbrock, x0, method="BFGS"))


def _scipy_rosenbrock(x0):
    return so.minimize(so.rosen, np.asarray(x0, np.float64), method="BFGS", jac=so.rosen_der,
                       options={"gtol": 1e-8})


def test_rosenbrock_float64_matches_scipy(x64):
    x0 = np.array([-1.2, 1.0, -0.5, 0.8])
    result = _minimize_rosenbrock(jnp.asarray(x0))
    expected = _scipy_rosenbrock(x0)
    assert bool(result.success) and int(result.status) == 0
    assert_allclose(result.x, expected.x, rtol=1e-5, atol=1e-5)
    assert_allclose(result.fun, expected.fun, atol=1e-9)
    assert float(jnp.max(jnp.abs(result.jac))) < 1e-5
    assert int(result.nfev) == int(result.njev) and 0 < int(result.nit) < 200
    assert result.hess_inv.shape == (4, 4)


def test_rosenbrock_float32_under_jit():
    x0 = jnp.zeros(4, jnp.float32)
    result = _minimize_rosenbrock(x0)
    assert isinstance(result, OptimizeResults)
    assert result.x.dtype == np.float32 and result.hess_inv.dtype == np.float32
    assert result.status.dtype == np.int32 and result.success.dtype == np.bool_
    assert_allclose(result.x, np.ones(4, np.float32), rtol=1e-3, atol=1e-3)
    # Eager and jit run the same loops.
    eager = minimize(rosenbrock, x0, method="BFGS")
    assert_allclose(eager.x, result.x, rtol=1e-6, atol=1e-6)
    assert int(eager.nit) == int(result.nit)


_solve_quadratic = jax.jit(lambda x0, a, b: minimize(quadratic, x0, (a, b), method="bfgs"))


@given(seed=seeds)
@settings(max_examples=3)
def test_quadratic_with_args(x64, seed):
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(3, 3))
    a, b, x0 = m @ m.T + 3 * np.eye(3), rng.normal(size=3), rng.normal(size=3)
    result = _solve_quadratic(jnp.asarray(x0), a, b)
    assert bool(result.success) and float(jnp.max(jnp.abs(result.jac))) < 1e-5
    assert_allclose(result.x, np.linalg.solve(a, b), rtol=1e-4, atol=1e-5)
    # The same line search as SciPy's (strong Wolfe, the same first trial step and cubic
    # interpolation here) takes the same path on a quadratic.
    expected = so.minimize(lambda x: 0.5 * x @ a @ x - b @ x, x0, jac=lambda x: a @ x - b,
                           method="BFGS")
    assert_allclose(result.x, expected.x, rtol=1e-7, atol=1e-9)


def test_quadratic_matches_jax():
    # Reference: JAX 0.10.2, minimize(lambda x, a: jnp.sum((x - a)**2), jnp.zeros(3),
    # args=(jnp.arange(3.),), method='BFGS').
    result = minimize(lambda x, a: jnp.sum((x - a) ** 2), jnp.zeros(3), args=(jnp.arange(3.0),),
                      method="BFGS")
    assert_allclose(result.x, np.float32([0, 1, 2]), rtol=1e-6, atol=1e-6)
    assert (int(result.nit), int(result.nfev), int(result.njev)) == (2, 3, 3)
    assert_allclose(result.hess_inv, np.float32([[1, 0, 0], [0, 0.9, -0.2], [0, -0.2, 0.6]]),
                    rtol=1e-5, atol=1e-6)


def test_options():
    result = minimize(rosenbrock, jnp.zeros(4), method="BFGS", options={"maxiter": 3})
    assert int(result.nit) == 3 and int(result.status) == 1 and not bool(result.success)
    # A loose gtol stops early; the L2 norm is accepted; tol is ignored, as in JAX.
    loose = minimize(rosenbrock, jnp.zeros(4), method="BFGS", tol=1e-12,
                     options={"gtol": 1.0, "norm": 2})
    assert bool(loose.success) and float(jnp.sqrt(jnp.sum(loose.jac ** 2))) < 1.0
    assert int(loose.nit) < 25  # the default gtol=1e-5 takes 31 iterations from zeros(4)
    # Already at the minimum: no iteration.
    done = _minimize_rosenbrock(jnp.ones(4))
    assert int(done.nit) == 0 and bool(done.success)


def test_vmap_over_starting_points():
    x0s = jnp.asarray([[0.0, 0.0], [-1.0, 2.0]])
    batched = jax.vmap(lambda x: minimize(rosenbrock, x, method="BFGS").x)(x0s)
    looped = np.stack([np.asarray(_minimize_rosenbrock(x).x) for x in x0s])
    assert_allclose(batched, looped, rtol=1e-5, atol=1e-5)


def test_errors():
    f = lambda x, *args: jnp.sum(x ** 2)
    with pytest.raises(TypeError, match="args argument to jax.scipy.optimize.minimize must be "
                                        r"a tuple, got \[1\]"):
        minimize(f, jnp.ones(3), args=[1], method="BFGS")
    with pytest.raises(ValueError, match="Method Nelder-Mead not recognized"):
        minimize(f, jnp.ones(3), method="Nelder-Mead")
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['foo'\]"):
        minimize(f, jnp.ones(3), method="BFGS", options={"foo": 1})
    with pytest.raises(ValueError, match=r"x0 must be a 1-D array.*\(2, 2\)"):
        minimize(f, jnp.ones((2, 2)), method="BFGS")
    with pytest.raises(TypeError, match="x0 must have a floating dtype, got int32"):
        minimize(f, jnp.ones(3, jnp.int32), method="BFGS")
