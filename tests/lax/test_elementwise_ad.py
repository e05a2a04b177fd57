"""Differentiation of the lax elementwise primitives: JVP and transpose rules.

Every differentiable primitive is checked against finite differences to order 2 in forward
and reverse mode (float64, inputs inside its domain), its gradient against the analytic
derivative (eagerly and under jit), and a subset to order 1 in float32. Then the edge cases
JAX defines: zero derivatives, ties of max/min and clamp, abs at 0, pow at x = 0, integer
exponents, rank-0 operands that broadcast (their cotangents are summed back), select_n with an
integer `which`, complex parts and their transpose conventions, dtype conversions, and
holomorphic derivatives.

Shapes are few ((), (3,) and (1, 3)/(2, 3)) so that XLA compiles stay few; hypothesis varies
values only, with few examples since each check runs many ops.
"""
import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike import dtypes, lax
from jaxlike.interpreters import ad
from jaxlike.test_util import check_grads

from helpers import assert_allclose, check_eager_and_jit

seeds = st.integers(0, 2**32 - 1)
few_examples = settings(max_examples=3)
SHAPE = (3,)


def uniform(lo, hi):
    """Returns a sampler (rng, shape) -> float64 values in [lo, hi)."""
    return lambda rng, shape: rng.uniform(lo, hi, shape)


def signed(lo, hi):
    """Returns a sampler of float64 values with |x| in [lo, hi) and random signs."""
    return lambda rng, shape: rng.uniform(lo, hi, shape) * rng.choice([-1.0, 1.0], shape)


class Unary:
    """A differentiable unary function, its domain sampler and its numpy derivative."""

    def __init__(self, fun, sample, derivative):
        self.fun, self.sample, self.derivative = fun, sample, derivative


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


UNARY = {
    "neg": Unary(lax.neg, uniform(-2, 2), lambda x: -np.ones_like(x)),
    "abs": Unary(lax.abs, signed(0.2, 2), np.sign),
    "square": Unary(lax.square, uniform(-2, 2), lambda x: 2 * x),
    "sqrt": Unary(lax.sqrt, uniform(0.5, 2), lambda x: 0.5 / np.sqrt(x)),
    "rsqrt": Unary(lax.rsqrt, uniform(0.5, 2), lambda x: -0.5 * x**-1.5),
    "cbrt": Unary(lax.cbrt, signed(0.5, 2), lambda x: np.abs(x) ** (-2 / 3) / 3),
    "integer_pow_3": Unary(lambda x: lax.integer_pow(x, 3), uniform(-2, 2),
                           lambda x: 3 * x**2),
    "integer_pow_-2": Unary(lambda x: lax.integer_pow(x, -2), signed(0.5, 2),
                            lambda x: -2 * x**-3.0),
    "exp": Unary(lax.exp, uniform(-2, 2), np.exp),
    "exp2": Unary(lax.exp2, uniform(-2, 2), lambda x: np.log(2) * 2**x),
    "expm1": Unary(lax.expm1, uniform(-2, 2), np.exp),
    "log": Unary(lax.log, uniform(0.5, 2), lambda x: 1 / x),
    "log1p": Unary(lax.log1p, uniform(-0.5, 2), lambda x: 1 / (1 + x)),
    "logistic": Unary(lax.logistic, uniform(-3, 3), lambda x: _sigmoid(x) * (1 - _sigmoid(x))),
    "sin": Unary(lax.sin, uniform(-3, 3), np.cos),
    "cos": Unary(lax.cos, uniform(-3, 3), lambda x: -np.sin(x)),
    "tan": Unary(lax.tan, uniform(-1, 1), lambda x: 1 + np.tan(x) ** 2),
    "asin": Unary(lax.asin, uniform(-0.8, 0.8), lambda x: 1 / np.sqrt(1 - x**2)),
    "acos": Unary(lax.acos, uniform(-0.8, 0.8), lambda x: -1 / np.sqrt(1 - x**2)),
    "atan": Unary(lax.atan, uniform(-2, 2), lambda x: 1 / (1 + x**2)),
    "sinh": Unary(lax.sinh, uniform(-2, 2), np.cosh),
    "cosh": Unary(lax.cosh, uniform(-2, 2), np.sinh),
    "tanh": Unary(lax.tanh, uniform(-2, 2), lambda x: 1 - np.tanh(x) ** 2),
    "asinh": Unary(lax.asinh, uniform(-2, 2), lambda x: 1 / np.sqrt(x**2 + 1)),
    "acosh": Unary(lax.acosh, uniform(1.2, 3), lambda x: 1 / np.sqrt(x**2 - 1)),
    "atanh": Unary(lax.atanh, uniform(-0.8, 0.8), lambda x: 1 / (1 - x**2)),
    "erf": Unary(lax.erf, uniform(-2, 2), lambda x: 2 / np.sqrt(np.pi) * np.exp(-x**2)),
    "erfc": Unary(lax.erfc, uniform(-2, 2), lambda x: -2 / np.sqrt(np.pi) * np.exp(-x**2)),
    "erf_inv": Unary(lax.erf_inv, uniform(-0.8, 0.8),
                     lambda x: np.sqrt(np.pi) / 2 * np.exp(scipy.special.erfinv(x) ** 2)),
    "lgamma": Unary(lax.lgamma, uniform(0.5, 3), scipy.special.digamma),
    "digamma": Unary(lax.digamma, uniform(0.5, 3), lambda x: scipy.special.polygamma(1, x)),
    "polygamma_1": Unary(lambda x: lax.polygamma(np.float64(1), x), uniform(0.5, 3),
                         lambda x: scipy.special.polygamma(2, x)),
}


def _rem_sample(rng, shape):
    # x / y is kept away from integers, where rem jumps.
    y = rng.uniform(0.5, 2, shape) * rng.choice([-1.0, 1.0], shape)
    x = y * (rng.integers(-3, 3, shape) + rng.uniform(0.2, 0.8, shape))
    return x, y


def _independent(*samplers):
    return lambda rng, shape: tuple(sample(rng, shape) for sample in samplers)


class Binary:
    """A differentiable binary function, its domain sampler (rng, shape) -> (x, y) and its
    numpy partial derivatives."""

    def __init__(self, fun, sample, dx, dy):
        self.fun, self.sample, self.dx, self.dy = fun, sample, dx, dy


_normal2 = _independent(uniform(-2, 2), uniform(-2, 2))
BINARY = {
    "add": Binary(lax.add, _normal2, lambda x, y: 1 + 0 * x, lambda x, y: 1 + 0 * y),
    "sub": Binary(lax.sub, _normal2, lambda x, y: 1 + 0 * x, lambda x, y: -1 + 0 * y),
    "mul": Binary(lax.mul, _normal2, lambda x, y: y, lambda x, y: x),
    "div": Binary(lax.div, _independent(uniform(-2, 2), signed(0.5, 2)),
                  lambda x, y: 1 / y, lambda x, y: -x / y**2),
    "rem": Binary(lax.rem, _rem_sample, lambda x, y: 1 + 0 * x,
                  lambda x, y: -np.trunc(x / y)),
    "max": Binary(lax.max, _normal2, lambda x, y: (x > y) * 1.0, lambda x, y: (y > x) * 1.0),
    "min": Binary(lax.min, _normal2, lambda x, y: (x < y) * 1.0, lambda x, y: (y < x) * 1.0),
    "pow": Binary(lax.pow, _independent(uniform(0.5, 2), uniform(-2, 2)),
                  lambda x, y: y * x ** (y - 1), lambda x, y: np.log(x) * x**y),
    "atan2": Binary(lax.atan2, _normal2, lambda x, y: y / (x**2 + y**2),
                    lambda x, y: -x / (x**2 + y**2)),
}


def _sum_of(fun):
    return lambda *args: lax.reduce_sum(fun(*args), tuple(range(len(np.shape(args[-1])))))


# ---------------------------------------------------------------------------------------------
# Finite differences, to order 2, in both modes (float64).

@pytest.mark.parametrize("name", list(UNARY))
def test_unary_check_grads(x64, name):
    case = UNARY[name]
    x = case.sample(np.random.default_rng(0), SHAPE)
    check_grads(case.fun, (x,), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("shapes", [(SHAPE, SHAPE), ((), SHAPE), (SHAPE, ())],
                         ids=["same", "x_scalar", "y_scalar"])
@pytest.mark.parametrize("name", list(BINARY))
def test_binary_check_grads(x64, name, shapes):
    # A rank-0 operand broadcasts: its cotangent is summed back to rank 0.
    case = BINARY[name]
    x, y = case.sample(np.random.default_rng(0), SHAPE)
    x = x if shapes[0] else x[0]
    y = y if shapes[1] else y[0]
    check_grads(case.fun, (x, y), order=2, modes=("fwd", "rev"))


def test_size_one_axes_broadcast(x64):
    x = np.random.default_rng(0).uniform(0.5, 2, (1, 3))
    y = np.random.default_rng(1).uniform(0.5, 2, (2, 3))
    for fun in (lax.add, lax.sub, lax.mul, lax.div, lax.pow, lax.max):
        check_grads(fun, (x, y), order=1, modes=("fwd", "rev"))
    g = jax.grad(lambda x: jnp.sum(lax.mul(x, y)))(x)
    assert_allclose(g, np.sum(y, axis=0, keepdims=True))


F32_SUBSET = ["sin", "exp", "log", "tanh", "sqrt", "logistic"]


@pytest.mark.parametrize("name", F32_SUBSET + ["mul", "div", "pow", "atan2"])
def test_float32_check_grads(name):
    rng = np.random.default_rng(0)
    if name in UNARY:
        fun, args = UNARY[name].fun, (UNARY[name].sample(rng, SHAPE),)
    else:
        fun, args = BINARY[name].fun, BINARY[name].sample(rng, SHAPE)
    args = tuple(np.asarray(a, np.float32) for a in args)
    check_grads(fun, args, order=1, modes=("fwd", "rev"), eps=1e-3, atol=1e-2, rtol=1e-2)


# ---------------------------------------------------------------------------------------------
# Gradients against the analytic derivatives, eagerly and under jit.

@pytest.mark.parametrize("name", list(UNARY))
@few_examples
@given(seed=seeds)
def test_unary_grad_matches_derivative(x64, name, seed):
    case = UNARY[name]
    x = case.sample(np.random.default_rng(seed), SHAPE)
    check_eager_and_jit(jax.grad(_sum_of(case.fun)), (x,), case.derivative(x), rtol=1e-10,
                        atol=1e-12)


@pytest.mark.parametrize("name", list(BINARY))
@few_examples
@given(seed=seeds)
def test_binary_grad_matches_derivative(x64, name, seed):
    case = BINARY[name]
    x, y = case.sample(np.random.default_rng(seed), SHAPE)
    grads = jax.grad(_sum_of(case.fun), argnums=(0, 1))
    gx, gy = grads(x, y)
    assert_allclose(gx, case.dx(x, y), rtol=1e-10, atol=1e-12)
    assert_allclose(gy, case.dy(x, y), rtol=1e-10, atol=1e-12)
    jit_gx, jit_gy = jax.jit(grads)(x, y)
    assert_allclose(jit_gx, gx, rtol=1e-12, atol=1e-14)
    assert_allclose(jit_gy, gy, rtol=1e-12, atol=1e-14)


def test_scalar_operand_cotangent_is_summed(x64):
    xs = np.array([1.0, 2.0, 4.0])
    for fun, expected in [(lax.add, 3.0), (lambda s, x: lax.sub(x, s), -3.0),
                          (lax.mul, 7.0), (lambda s, x: lax.div(x, s), -7.0 / 4),
                          (lambda s, x: lax.complex(s, x), 3.0)]:
        g = jax.grad(lambda s: jnp.sum(jnp.real(fun(s, xs))))(2.0)
        assert np.asarray(g).shape == ()
        np.testing.assert_allclose(float(g), expected)


def test_grad_under_jit(x64):
    def f(x, y):
        return jnp.sum(lax.tanh(x) * lax.exp(-y) + lax.atan2(x, y) + lax.max(x, y) ** 2)
    x, y = np.array([0.3, -0.7, 1.1]), np.array([0.2, 0.5, -0.4])
    expected = jax.grad(f, argnums=(0, 1))(x, y)
    for transformed in (jax.jit(jax.grad(f, argnums=(0, 1))),
                        jax.grad(jax.jit(f), argnums=(0, 1))):
        for got, want in zip(transformed(x, y), expected):
            assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_seed_program_jaxpr_primitives():
    printed = str(jax.make_jaxpr(jax.grad(lambda x: jnp.sin(x) * jnp.cos(x)))(1.0))
    names = {line.split("=")[1].split()[0] for line in printed.splitlines()[1:-1]
             if "=" in line}
    assert names == {"sin", "cos", "mul", "neg", "add_any"}


# ---------------------------------------------------------------------------------------------
# Zero derivatives.

@pytest.mark.parametrize("fun", [
    lax.sign, lax.floor, lax.ceil, lax.round, lambda x: lax.round(x, 1),
    lambda x: lax.nextafter(x, x + 1), lax.stop_gradient,
    lambda x: lax.bitcast_convert_type(lax.bitcast_convert_type(x, np.int32), np.float32),
], ids=["sign", "floor", "ceil", "round", "round_even", "nextafter", "stop_gradient",
        "bitcast"])
def test_zero_derivatives(fun):
    x = np.array([-1.7, 0.2, 2.5], np.float32)
    y, t = jax.jvp(fun, (x,), (np.ones(3, np.float32),))
    assert_allclose(t, np.zeros(3, np.float32))
    assert_allclose(jax.grad(lambda x: jnp.sum(fun(x)))(x), np.zeros(3, np.float32))


@pytest.mark.parametrize("fun", [lax.is_finite, lambda x: lax.lt(x, 1.0),
                                 lambda x: lax.eq(x, x), lambda x: lax.convert_element_type(
                                     x, np.int32)], ids=["is_finite", "lt", "eq", "to_int"])
def test_non_float_outputs_have_float0_tangents(fun):
    x = np.array([-1.7, 0.2, 2.5], np.float32)
    _, t = jax.jvp(fun, (x,), (np.ones(3, np.float32),))
    assert np.asarray(t).dtype == dtypes.float0 and np.shape(t) == (3,)


def test_integer_ops_inside_a_differentiated_function():
    # Bitwise and integer ops on values derived from x contribute nothing to the gradient.
    def f(x):
        i = lax.convert_element_type(x, np.int32)
        bits = lax.population_count(lax.bitwise_xor(lax.shift_left(i, 1), lax.clz(i)))
        return jnp.sum(x * lax.convert_element_type(bits, np.float32))
    x = np.array([1.5, 2.5, 7.5], np.float32)
    i = x.astype(np.int32)
    bits = np.array([bin(int(v)).count("1") for v in (i << 1) ^ np.array(
        [32 - int(v).bit_length() for v in i])], np.float32)
    assert_allclose(jax.grad(f)(x), bits)


# ---------------------------------------------------------------------------------------------
# Edge cases as JAX defines them.

def test_abs_derivative_at_zero_is_one():
    assert float(jax.grad(lax.abs)(0.0)) == 1.0
    assert float(jax.grad(lax.abs)(-0.5)) == -1.0


@given(a=st.floats(-3, 3, width=32, allow_subnormal=False),
       b=st.floats(-3, 3, width=32, allow_subnormal=False))
def test_max_min_ties_split_evenly(a, b):
    for fun in (lax.max, lax.min):
        gx, gy = jax.grad(fun, argnums=(0, 1))(a, b)
        if a == b:
            expected = (0.5, 0.5)
        else:
            x_wins = (a > b) == (fun is lax.max)
            expected = (1.0, 0.0) if x_wins else (0.0, 1.0)
        assert (float(gx), float(gy)) == expected
    gx, gy = jax.grad(lax.max, argnums=(0, 1))(a, a)
    assert (float(gx), float(gy)) == (0.5, 0.5)


def test_pow_at_zero(x64):
    grad_both = jax.grad(lax.pow, argnums=(0, 1))
    assert [float(g) for g in grad_both(0.0, 2.0)] == [0.0, 0.0]  # log(0) taken as 0
    gx, gy = grad_both(0.0, 0.0)
    assert np.isnan(float(gx)) and float(gy) == 0.0
    gx, gy = grad_both(0.0, 0.5)
    assert np.isinf(float(gx)) and float(gy) == 0.0


def test_pow_integer_exponent(x64):
    # An integer exponent has no tangent; y = 0 gives derivative 0 even at x = 0.
    assert float(jax.grad(lambda x: lax.pow(x, np.int64(0)))(0.0)) == 0.0
    assert float(jax.grad(lambda x: lax.pow(x, 3))(2.0)) == 12.0
    ys = np.array([0, 1, 2], np.int64)
    g = jax.grad(lambda x: jnp.sum(lax.pow(x, ys)))(np.array([0.0, 3.0, 3.0]))
    assert_allclose(g, np.array([0.0, 1.0, 6.0]))
    check_grads(lambda x: lax.pow(x, ys), (np.array([0.7, 1.3, 2.0]),), order=2)


def test_integer_pow_small_exponents(x64):
    assert float(jax.grad(lambda x: lax.integer_pow(x, 0))(0.0)) == 0.0
    assert float(jax.grad(lambda x: lax.integer_pow(x, 1))(0.0)) == 1.0
    assert float(jax.grad(lambda x: lax.integer_pow(x, 2))(3.0)) == 6.0


def test_rem_derivatives():
    gx, gy = jax.grad(lax.rem, argnums=(0, 1))(7.5, 2.0)
    assert (float(gx), float(gy)) == (1.0, -3.0)
    gx, gy = jax.grad(lax.rem, argnums=(0, 1))(-7.5, 2.0)
    assert (float(gx), float(gy)) == (1.0, 3.0)


@pytest.mark.parametrize("lo, x, hi, expected", [
    (0.0, 1.0, 2.0, (0.0, 1.0, 0.0)),  # inside: x's tangent passes
    (0.0, 0.0, 2.0, (0.0, 0.0, 0.0)),  # ties at either bound: zero
    (0.0, 2.0, 2.0, (0.0, 0.0, 0.0)),
    (1.0, 0.0, 2.0, (1.0, 0.0, 0.0)),  # clipped from below
    (0.0, 3.0, 2.0, (0.0, 0.0, 1.0)),  # clipped from above
    (2.0, 1.0, 0.0, (0.0, 0.0, 1.0)),  # min > max: the max wins
    (1.0, 1.0, 1.0, (0.0, 0.0, 0.0)),
])
def test_clamp_gradients(lo, x, hi, expected):
    grads = jax.grad(lax.clamp, argnums=(0, 1, 2))(lo, x, hi)
    assert tuple(float(g) for g in grads) == expected


def test_clamp_with_scalar_bounds(x64):
    x = np.array([-1.0, 0.5, 3.0])
    g = jax.grad(lambda lo, x, hi: jnp.sum(lax.clamp(lo, x, hi)), argnums=(0, 1, 2))
    glo, gx, ghi = g(0.0, x, 2.0)
    assert np.shape(glo) == () and float(glo) == 1.0 and float(ghi) == 1.0
    assert_allclose(gx, np.array([0.0, 1.0, 0.0]))
    check_grads(lambda lo, x, hi: lax.clamp(lo, x, hi), (0.0, x, 2.0), order=2)


def test_select_n_gradients(x64):
    a, b, c = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0]), np.array([7.0, 8.0, 9.0])
    which = np.array([0, 2, 1], np.int32)
    weights = np.array([1.0, 2.0, 3.0])
    f = lambda a, b, c: jnp.sum(lax.select_n(which, a, b, c) * weights)  # noqa: E731
    ga, gb, gc = jax.grad(f, argnums=(0, 1, 2))(a, b, c)
    assert_allclose(ga, np.array([1.0, 0.0, 0.0]))
    assert_allclose(gb, np.array([0.0, 0.0, 3.0]))
    assert_allclose(gc, np.array([0.0, 2.0, 0.0]))
    pred = np.array([True, False, True])
    check_grads(lambda a, b: lax.select(pred, a, b), (a, b), order=2)
    # A scalar boolean `which`, and a case that is a constant (no tangent).
    g = jax.grad(lambda a: jnp.sum(lax.select(np.bool_(True), a * a, b)))(a)
    assert_allclose(g, 2 * a)
    _, t = jax.jvp(lambda a: lax.select_n(which, a, b, c), (a,), (np.ones(3),))
    assert_allclose(t, np.array([1.0, 0.0, 0.0]))


def test_reduce_precision_is_linear(x64):
    x, t = np.array([1.0001, -2.5, 3.3]), np.array([1.00001, 0.3, -7.7])
    fun = lambda x: lax.reduce_precision(x, 5, 10)  # noqa: E731
    _, tangent = jax.jvp(fun, (x,), (t,))
    assert_allclose(tangent, fun(t))
    (ct,) = jax.vjp(fun, x)[1](t)
    assert_allclose(ct, fun(t))


def test_digamma_and_polygamma():
    assert np.isclose(float(jax.grad(lax.digamma)(2.5)), scipy.special.polygamma(1, 2.5),
                      rtol=1e-5)
    printed = str(jax.make_jaxpr(jax.grad(lax.digamma))(2.5))
    assert "polygamma 1.0:f32[]" in printed
    with pytest.raises(ValueError, match="polygamma gradient with respect to m"):
        jax.grad(lax.polygamma)(1.0, 2.5)


# ---------------------------------------------------------------------------------------------
# Complex numbers and dtype conversions: JAX's (non-conjugating) transpose conventions.

def test_complex_part_transposes(x64):
    z = 1.0 + 2.0j
    assert complex(jax.vjp(lax.real, z)[1](1.0)[0]) == 1.0
    assert complex(jax.vjp(lax.imag, z)[1](1.0)[0]) == -1.0j
    gx, gy = jax.vjp(lax.complex, 1.0, 2.0)[1](3.0 + 4.0j)
    assert (float(gx), float(gy)) == (3.0, -4.0)
    assert complex(jax.vjp(lax.conj, z)[1](3.0 + 4.0j)[0]) == 3.0 - 4.0j
    (ct,) = jax.vjp(lax.conj, 1.0)[1](3.0 + 4.0j)
    assert np.asarray(ct).dtype == np.float64 and float(ct) == 3.0
    check_grads(lambda x, y: lax.abs(lax.complex(x, y)), (np.array([1.0, -2.0, 0.5]),
                                                           np.array([0.3, 1.0, -2.0])), order=2)


def test_abs_of_complex(x64):
    _, t = jax.jvp(lax.abs, (3.0 + 4.0j,), (1.0 + 2.0j,))
    np.testing.assert_allclose(float(t), 2.2)  # real(t * conj(z) / |z|)
    _, t = jax.jvp(lax.abs, (0j,), (1.0 + 1.0j,))
    assert float(t) == 0.0
    assert complex(jax.grad(lax.abs)(3.0 + 4.0j)) == pytest.approx(0.6 - 0.8j)


@pytest.mark.parametrize("name, fun, derivative", [
    ("exp", lax.exp, np.exp), ("sin", lax.sin, np.cos), ("cos", lax.cos, lambda z: -np.sin(z)),
    ("log", lax.log, lambda z: 1 / z), ("sqrt", lax.sqrt, lambda z: 0.5 / np.sqrt(z)),
    ("tanh", lax.tanh, lambda z: 1 - np.tanh(z) ** 2),
    ("mul", lambda z: lax.mul(z, z), lambda z: 2 * z),
    ("div", lambda z: lax.div(1.0 + 0j, z), lambda z: -1 / z**2),
    ("integer_pow", lambda z: lax.integer_pow(z, 3), lambda z: 3 * z**2),
    ("pow", lambda z: lax.pow(z, 2.5 + 0j), lambda z: 2.5 * z**1.5),
])
def test_holomorphic_derivatives(x64, name, fun, derivative):
    for z in (1.0 + 1.0j, -0.5 + 2.0j):
        g = jax.grad(fun, holomorphic=True)(z)
        np.testing.assert_allclose(complex(g), derivative(z), rtol=1e-12)


@pytest.mark.parametrize("fun", [
    lax.exp, lax.sin, lax.sqrt, lax.tanh, lax.abs, lax.real, lax.imag, lax.conj,
    lambda z: lax.mul(z, z * (1 + 2j)), lambda z: lax.div(z, z + 3),
    lambda z: lax.complex(lax.real(z), lax.imag(z) * 2),
], ids=["exp", "sin", "sqrt", "tanh", "abs", "real", "imag", "conj", "mul", "div", "complex"])
def test_complex_check_grads(x64, fun):
    # Complex inputs, holomorphic or only real-differentiable (abs, real, conj ...).
    z = np.array([0.5 + 1j, 1.5 - 0.3j, -2.0 + 0.1j])
    check_grads(fun, (z,), order=2, modes=("fwd", "rev"))


def test_convert_element_type_derivatives(x64):
    (ct,) = jax.vjp(lambda x: lax.convert_element_type(x, np.complex128), 1.0)[1](3.0 + 4.0j)
    assert np.asarray(ct).dtype == np.float64 and float(ct) == 3.0
    with pytest.warns(np.exceptions.ComplexWarning):
        (ct,) = jax.vjp(lambda z: lax.convert_element_type(z, np.float64), 1.0 + 2.0j)[1](3.0)
    assert complex(ct) == 3.0
    x = np.array([0.5, 1.5, -2.0], np.float32)
    _, t = jax.jvp(lambda x: lax.convert_element_type(x, np.float64), (x,),
                   (np.ones(3, np.float32),))
    assert np.asarray(t).dtype == np.float64
    g = jax.grad(lambda x: jnp.sum(lax.convert_element_type(x, np.float64) ** 2))(x)
    assert np.asarray(g).dtype == np.float32
    assert_allclose(g, 2 * x)
    check_grads(lambda x: lax.convert_element_type(x, np.complex128) * (1 + 2j),
                (np.array([0.5, 1.5, -2.0]),), order=2)


def test_weak_types_are_kept():
    # A weakly typed primal (a Python scalar) gets a weakly typed tangent.
    for fun in (lax.sqrt, lax.exp2, lax.square, lax.erf, lax.tanh, lax.abs, lax.cbrt):
        y, t = jax.jvp(fun, (2.0,), (1.0,))
        assert "weak_type=True" in repr(t), fun
    y, t = jax.jvp(lax.sqrt, (np.float32(2.0),), (np.float32(1.0),))
    assert "weak_type" not in repr(t)


def test_transpose_errors_for_non_linear_uses():
    aval = jax.core.ShapedArray((), np.dtype(np.float32))
    with pytest.raises(ValueError, match="mul"):
        ad.primitive_transposes[lax.mul_p](1.0, ad.UndefinedPrimal(aval),
                                           ad.UndefinedPrimal(aval))
    with pytest.raises(ValueError, match="div"):
        ad.primitive_transposes[lax.div_p](1.0, 2.0, ad.UndefinedPrimal(aval))
