"""vmap of every lax elementwise primitive: results against a Python loop over the examples
for in_axes in every position (negative ones and None included), out_axes, rank-0 and size-1
operands that broadcast, nested vmaps, jit(vmap(f)) against vmap(jit(f)), vmap(grad(f))
against a loop of grad, a constant number of equations (no per-example unrolling, nothing
moved when the operands agree), errors that name one example's shapes, and vmap's
inconsistent-sizes message.

Per-example operands are (2, 3), (1, 3) or rank 0 (batch size 4, so that a misplaced batch
axis shows as a shape error); hypothesis varies values only, since each new shape costs
compiles. Each primitive gets a few in_axes/out_axes configurations, rotating through the
list so that together the primitives of one arity cover all of them.
"""
import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlike as jax
from jaxlike import lax
from jaxlike.core import Primitive

from helpers import assert_allclose
from vmap_helpers import loop

B = 4  # batch size
seeds = st.integers(0, 2**32 - 1)
few_examples = settings(max_examples=3)


def values(seed, shape, domain, in_axis=None, size=B):
    """Returns random values of per-example `shape` in `domain` (see DOMAINS), with a batch
    axis of `size` at `in_axis` (None: no batch axis)."""
    rng = np.random.default_rng(seed)
    if in_axis is not None:
        shape = list(shape)
        shape.insert(in_axis % (len(shape) + 1), size)
    return DOMAINS[domain](rng, tuple(shape))


DOMAINS = {
    "real": lambda rng, s: rng.uniform(-3, 3, s).astype(np.float32),
    "pos": lambda rng, s: rng.uniform(0.5, 3, s).astype(np.float32),
    "unit": lambda rng, s: rng.uniform(-0.9, 0.9, s).astype(np.float32),
    "ge1": lambda rng, s: rng.uniform(1.1, 3, s).astype(np.float32),
    "order": lambda rng, s: rng.integers(0, 3, s).astype(np.float32),  # polygamma's m
    "int": lambda rng, s: rng.integers(-50, 50, s).astype(np.int32),
    "shift": lambda rng, s: rng.integers(0, 32, s).astype(np.int32),
    "bool": lambda rng, s: rng.integers(0, 2, s).astype(bool),
    "which3": lambda rng, s: rng.integers(0, 3, s).astype(np.int32),
    "complex": lambda rng, s: (rng.standard_normal(s)
                               + 1j * rng.standard_normal(s)).astype(np.complex64),
    "u8": lambda rng, s: rng.integers(0, 256, s).astype(np.uint8),
}


def check_vmap(f, args, in_axes, out_axes=0, extra_eqns=None):
    """Asserts vmap(f) and jit(vmap(f)) equal the loop over examples, and that vmap(f) has a
    number of equations independent of the batch size: that of f plus at most
    `extra_eqns` (default: a batch-axis move and a reshape per operand and one output
    move)."""
    expected = loop(f, *args, in_axes=in_axes, out_axes=out_axes)
    vf = _vmapped(f, in_axes, out_axes)
    assert_allclose(vf(*args), expected, rtol=1e-5, err_msg="eager")
    assert_allclose(jax.jit(vf)(*args), expected, rtol=1e-5, err_msg="jit")
    examples = [a if ax is None else np.take(a, 0, ax) for a, ax in zip(args, in_axes)]
    n_eqns = len(jax.make_jaxpr(f)(*examples).eqns)
    batched_eqns = len(jax.make_jaxpr(vf)(*args).eqns)
    extra = 2 * len(args) + 1 if extra_eqns is None else extra_eqns
    assert n_eqns <= batched_eqns <= n_eqns + extra
    # Tracing only (no compile): another batch size gives the same program.
    bigger = [a if ax is None else np.concatenate([a, a], ax) for a, ax in zip(args, in_axes)]
    assert len(jax.make_jaxpr(vf)(*bigger).eqns) == batched_eqns


_vmapped_cache = {}


def _vmapped(f, in_axes, out_axes):
    """Returns one vmap(f) per (f, axes), so that jit compiles it once across examples."""
    key = (f, in_axes, out_axes)
    if key not in _vmapped_cache:
        _vmapped_cache[key] = jax.vmap(f, in_axes=in_axes, out_axes=out_axes)
    return _vmapped_cache[key]


def rotating(names, configs, per_name=1):
    """Returns (name, config) pairs: each name with `per_name` configs, rotating through
    `configs` so that every config is used."""
    return [(name, configs[(i * per_name + j) % len(configs)])
            for i, name in enumerate(names) for j in range(per_name)]


# ---------------------------------------------------------------------------------------------
# Unary primitives. name: (function, domain).

UNARY = {
    "neg": (lax.neg, "real"), "sign": (lax.sign, "real"), "floor": (lax.floor, "real"),
    "ceil": (lax.ceil, "real"),
    "round": (functools.partial(lax.round, rounding_method=lax.RoundingMethod.TO_NEAREST_EVEN),
              "real"),
    "is_finite": (lax.is_finite, "real"), "abs": (lax.abs, "complex"),
    "square": (lax.square, "real"), "sqrt": (lax.sqrt, "pos"), "rsqrt": (lax.rsqrt, "pos"),
    "cbrt": (lax.cbrt, "real"), "integer_pow": (functools.partial(lax.integer_pow, y=-3), "pos"),
    "reduce_precision": (functools.partial(lax.reduce_precision, exponent_bits=5,
                                           mantissa_bits=10), "real"),
    "exp": (lax.exp, "real"), "exp2": (lax.exp2, "real"), "log": (lax.log, "pos"),
    "log1p": (lax.log1p, "pos"), "expm1": (lax.expm1, "real"),
    "logistic": (lax.logistic, "real"), "sin": (lax.sin, "real"), "cos": (lax.cos, "real"),
    "tan": (lax.tan, "unit"), "asin": (lax.asin, "unit"), "acos": (lax.acos, "unit"),
    "atan": (lax.atan, "real"), "sinh": (lax.sinh, "real"), "cosh": (lax.cosh, "real"),
    "tanh": (lax.tanh, "real"), "asinh": (lax.asinh, "real"), "acosh": (lax.acosh, "ge1"),
    "atanh": (lax.atanh, "unit"), "erf": (lax.erf, "real"), "erfc": (lax.erfc, "real"),
    "erf_inv": (lax.erf_inv, "unit"), "lgamma": (lax.lgamma, "pos"),
    "digamma": (lax.digamma, "pos"), "not": (lax.bitwise_not, "int"),
    "population_count": (lax.population_count, "int"), "clz": (lax.clz, "int"),
    "real": (lax.real, "complex"), "imag": (lax.imag, "complex"), "conj": (lax.conj, "real"),
    "convert_element_type": (lambda x: lax.convert_element_type(x, np.int32), "real"),
    "convert_to_weak": (lambda x: lax.convert_element_type(x, np.float32, True), "int"),
    "bitcast_same_width": (lambda x: lax.bitcast_convert_type(x, np.int32), "real"),
    "stop_gradient": (lax.stop_gradient, "real"),
}
# (per-example shape, in_axis, out_axes); the rank-0 case has a batched shape (B,).
UNARY_CONFIGS = [((2, 3), 0, 0), ((2, 3), 1, -1), ((), 0, 0), ((2, 3), -1, 1)]


@pytest.mark.parametrize("name, config", rotating(list(UNARY), UNARY_CONFIGS),
                         ids=lambda v: v if isinstance(v, str) else "")
@few_examples
@given(seed=seeds)
def test_unary(name, config, seed):
    fun, domain = UNARY[name]
    shape, in_axis, out_axes = config
    x = values(seed, shape, domain, in_axis)
    # Unary rules never move the batch axis: only vmap's own output move may be added.
    check_vmap(fun, (x,), (in_axis,), out_axes, extra_eqns=1)


def test_unary_keeps_the_batch_axis_in_place():
    x = values(0, (2, 3), "real", 1)
    jaxpr = jax.make_jaxpr(jax.vmap(lambda x: lax.exp(lax.sin(x)), in_axes=1, out_axes=1))(x)
    assert [e.primitive.name for e in jaxpr.eqns] == ["sin", "exp"]


# ---------------------------------------------------------------------------------------------
# Binary primitives. name: (function, domain of x, domain of y).

BINARY = {
    "add": (lax.add, "real", "real"), "sub": (lax.sub, "real", "real"),
    "mul": (lax.mul, "real", "real"), "div": (lax.div, "real", "pos"),
    "div_int": (lax.div, "int", "shift"), "rem": (lax.rem, "real", "pos"),
    "max": (lax.max, "real", "real"), "min": (lax.min, "real", "real"),
    "nextafter": (lax.nextafter, "real", "real"), "pow": (lax.pow, "pos", "real"),
    "pow_int_exponent": (lax.pow, "pos", "int"), "atan2": (lax.atan2, "real", "real"),
    "polygamma": (lax.polygamma, "order", "pos"), "complex": (lax.complex, "real", "real"),
    "eq": (lax.eq, "int", "int"), "ne": (lax.ne, "int", "int"), "lt": (lax.lt, "real", "real"),
    "le": (lax.le, "real", "real"), "gt": (lax.gt, "real", "real"),
    "ge": (lax.ge, "real", "real"), "and": (lax.bitwise_and, "bool", "bool"),
    "or": (lax.bitwise_or, "int", "int"), "xor": (lax.bitwise_xor, "int", "int"),
    "shift_left": (lax.shift_left, "int", "shift"),
    "shift_right_logical": (lax.shift_right_logical, "int", "shift"),
    "shift_right_arithmetic": (lax.shift_right_arithmetic, "int", "shift"),
}
# (x shape, x in_axis, y shape, y in_axis, out_axes) per example.
BINARY_CONFIGS = [
    ((2, 3), 0, (2, 3), 0, 0),  # batch axes alike: the primitive alone
    ((2, 3), 1, (2, 3), None, -1),  # an unbatched operand of full rank
    ((2, 3), -1, (), None, 1),  # a rank-0 unbatched operand: the primitive alone
    ((), 0, (2, 3), 1, 0),  # one rank-0 value per example against full rank
    ((2, 3), None, (), 0, -1),  # only the rank-0 operand batched
    ((1, 3), 0, (2, 3), -1, 0),  # size-1 axes broadcast, batch axes differ
    ((2, 3), 1, (2, 3), -2, 2),  # batch axes at different places
]


@pytest.mark.parametrize("name, config", rotating(list(BINARY), BINARY_CONFIGS, per_name=2),
                         ids=lambda v: v if isinstance(v, str) else "")
@few_examples
@given(seed=seeds)
def test_binary(name, config, seed):
    fun, x_domain, y_domain = BINARY[name]
    x_shape, x_axis, y_shape, y_axis, out_axes = config
    x = values(seed, x_shape, x_domain, x_axis)
    y = values(seed + 1, y_shape, y_domain, y_axis)
    check_vmap(fun, (x, y), (x_axis, y_axis), out_axes)


def test_binary_with_batch_axes_alike_is_one_primitive():
    x, y = values(0, (2, 3), "real", 1), values(1, (2, 3), "real", 1)
    for f in (lambda x, y: lax.mul(x, y), lambda x, y: lax.add(x, 2.0),
              lambda x, y: lax.max(x, np.float32(1))):
        jaxpr = jax.make_jaxpr(jax.vmap(f, in_axes=1, out_axes=1))(x, y)
        assert len(jaxpr.eqns) == 1


def test_python_scalars_and_closed_over_arrays():
    # Weakly typed literals and constants closed over are unbatched operands.
    w = values(2, (2, 3), "real")
    x = values(3, (2, 3), "real", 0)
    f = lambda x: lax.mul(lax.add(x, 1.5), w)  # noqa: E731
    check_vmap(f, (x,), (0,))
    out = jax.vmap(lambda x: lax.add(x, 2.0))(lax.convert_element_type(x, np.float32, True))
    assert out.weak_type and out.dtype == np.float32


# ---------------------------------------------------------------------------------------------
# select_n and clamp: operands of the exact shape, or rank-0 `which` and bounds.

# (which shape, which in_axis, case shape, case in_axes, out_axes) per example.
SELECT_CONFIGS = [
    ((), None, (2, 3), (0, 0), 0),  # scalar predicate: the primitive alone
    ((), 0, (2, 3), (1, None), -1),  # one scalar predicate per example
    ((2, 3), -1, (2, 3), (0, 1), 1),
    ((2, 3), 0, (2, 3), (None, None), 0),  # only the predicate batched
    ((2, 3), None, (2, 3), (None, -1), 2),
    ((), 0, (), (None, 0), 0),  # all rank 0
]


@pytest.mark.parametrize("config", SELECT_CONFIGS)
@few_examples
@given(seed=seeds)
def test_select_n_bool(config, seed):
    which_shape, which_axis, case_shape, case_axes, out_axes = config
    which = values(seed, which_shape, "bool", which_axis)
    cases = [values(seed + i, case_shape, "real", ax) for i, ax in enumerate(case_axes, 1)]
    check_vmap(lax.select_n, (which, *cases), (which_axis, *case_axes), out_axes)


@pytest.mark.parametrize("config", SELECT_CONFIGS[1:4])
def test_select_n_integer_three_cases(config):
    which_shape, which_axis, case_shape, case_axes, out_axes = config
    which = values(0, which_shape, "which3", which_axis)
    cases = [values(i, case_shape, "int", ax) for i, ax in enumerate(case_axes + (0,), 1)]
    check_vmap(lax.select_n, (which, *cases), (which_axis, *case_axes, 0), out_axes)


def test_select_with_scalar_predicate_keeps_the_batch_axis():
    x, y = values(0, (2, 3), "real", 1), values(1, (2, 3), "real", 1)
    f = jax.vmap(lambda p, x, y: lax.select(p, x, y), in_axes=(None, 1, 1), out_axes=1)
    jaxpr = jax.make_jaxpr(f)(True, x, y)
    assert [e.primitive.name for e in jaxpr.eqns] == ["select_n"]
    assert_allclose(f(np.bool_(False), x, y), y)


# (lo shape, lo in_axis, x shape, x in_axis, hi shape, hi in_axis, out_axes) per example.
CLAMP_CONFIGS = [
    ((), None, (2, 3), 0, (), None, 0),  # scalar bounds: the primitive alone
    ((), 0, (2, 3), 1, (), None, -1),  # one scalar bound per example
    ((2, 3), -1, (2, 3), None, (2, 3), 0, 1),  # x unbatched, bounds batched
    ((2, 3), None, (2, 3), 0, (), 0, 0),
    ((), 0, (), None, (), None, 0),  # all rank 0
]


@pytest.mark.parametrize("config", CLAMP_CONFIGS)
@few_examples
@given(seed=seeds)
def test_clamp(config, seed):
    lo_shape, lo_axis, x_shape, x_axis, hi_shape, hi_axis, out_axes = config
    lo = values(seed, lo_shape, "real", lo_axis) - 1
    x = values(seed + 1, x_shape, "real", x_axis)
    hi = values(seed + 2, hi_shape, "real", hi_axis) + 1
    check_vmap(lax.clamp, (lo, x, hi), (lo_axis, x_axis, hi_axis), out_axes)


# ---------------------------------------------------------------------------------------------
# bitcast_convert_type changes the rank when the widths differ.

# (function, per-example shape, domain, in_axis, out_axes)
BITCASTS = {
    "narrower_adds_an_axis": (lambda x: lax.bitcast_convert_type(x, np.uint8), (2, 3), "real",
                              -1, 0),
    "wider_consumes_the_last_axis": (lambda x: lax.bitcast_convert_type(x, np.float32),
                                     (3, 4), "u8", -1, 0),
    "wider_batch_axis_first": (lambda x: lax.bitcast_convert_type(x, np.int32), (3, 4), "u8",
                               0, -1),
}


@pytest.mark.parametrize("name", list(BITCASTS))
def test_bitcast_convert_type(name):
    fun, shape, domain, in_axis, out_axes = BITCASTS[name]
    x = values(0, shape, domain, in_axis)
    check_vmap(fun, (x,), (in_axis,), out_axes, extra_eqns=2)


# ---------------------------------------------------------------------------------------------
# Nesting and composition with jit and grad.

NESTED = {"atan2": lax.atan2, "pow": lax.pow, "select": lambda x, y: lax.select(
    lax.lt(x, y), x, y), "clamp": lambda x, y: lax.clamp(x, y, np.float32(2))}


@pytest.mark.parametrize("name", list(NESTED))
def test_nested_vmap_is_an_outer_product(name):
    # vmap over x's rows inside vmap over y's columns: every (row, column) pair.
    f = NESTED[name]
    x, y = values(0, (3,), "pos", 0), values(1, (3,), "real", 1)
    vf = jax.vmap(jax.vmap(f, in_axes=(0, None)), in_axes=(None, 1), out_axes=-1)
    expected = loop(lambda b: loop(f, x, b, in_axes=(0, None)), y, in_axes=1, out_axes=-1)
    assert_allclose(vf(x, y), expected, rtol=1e-5)
    # Each level may move batch axes and broadcast unbatched operands, a few equations per
    # equation of f, whatever the sizes.
    n_eqns = len(jax.make_jaxpr(f)(x[0], y[:, 0]).eqns)
    assert len(jax.make_jaxpr(vf)(x, y).eqns) <= 4 * n_eqns + 2


JIT_FUNS = {
    "unary_chain": (lambda x, y: lax.tanh(lax.exp(lax.neg(x))), (0, None)),
    "binary_mixed_axes": (lambda x, y: lax.atan2(lax.mul(x, y), y), (1, 0)),
    "select_and_clamp": (lambda x, y: lax.select(lax.gt(x, y), lax.clamp(-1.0, x, 1.0), y),
                         (None, -1)),
}


@pytest.mark.parametrize("name", list(JIT_FUNS))
def test_jit_of_vmap_equals_vmap_of_jit(name):
    f, in_axes = JIT_FUNS[name]
    x = values(0, (2, 3), "real", in_axes[0])
    y = values(1, (2, 3), "real", in_axes[1])
    outside = jax.jit(jax.vmap(f, in_axes=in_axes))(x, y)
    inside = jax.vmap(jax.jit(f), in_axes=in_axes)(x, y)
    assert_allclose(inside, outside, rtol=1e-6)
    assert_allclose(outside, loop(f, x, y, in_axes=in_axes), rtol=1e-5)


def _summed(f):
    return lambda *args: lax.reduce_sum(f(*args), (0,))


GRAD_FUNS = {
    "sin": (_summed(lambda x, y: lax.mul(lax.sin(x), y)), "real"),
    "pow": (_summed(lax.pow), "pos"),
    "atan2": (_summed(lax.atan2), "real"),
    "div_integer_pow": (_summed(lambda x, y: lax.div(lax.integer_pow(x, 3), y)), "pos"),
    "clamp": (_summed(lambda x, y: lax.clamp(np.float32(-1), lax.mul(x, y), np.float32(1))),
              "real"),
    "select": (_summed(lambda x, y: lax.select(lax.gt(x, y), lax.exp(x), lax.square(y))),
               "real"),
    "convert_complex": (_summed(lambda x, y: lax.real(lax.mul(
        lax.complex(x, y), lax.convert_element_type(x, np.complex64)))), "real"),
}


@pytest.mark.parametrize("name", list(GRAD_FUNS))
@few_examples
@given(seed=seeds)
def test_per_example_gradients(name, seed):
    f, domain = GRAD_FUNS[name]
    x, y = values(seed, (3,), domain, 1), values(seed + 1, (3,), domain)
    grad = jax.grad(f, argnums=(0, 1))
    out = jax.vmap(grad, in_axes=(1, None), out_axes=-1)(x, y)
    assert_allclose(out, loop(grad, x, y, in_axes=(1, None), out_axes=-1), rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# Errors: what one example would raise, naming its shapes.

def test_shapes_are_checked_per_example():
    # Batched, (4, 3) and (1, 2, 3) would broadcast; one example's (3,) and (2, 3) do not.
    with pytest.raises(TypeError, match=r"add.*\(3,\).*\(2, 3\)"):
        jax.vmap(lax.add, in_axes=(0, None))(np.ones((4, 3), np.float32),
                                              np.ones((2, 3), np.float32))
    with pytest.raises(TypeError, match=r"select cases must have the same shapes"):
        jax.vmap(lax.select_n, in_axes=(None, 0, None))(True, np.ones((4, 3), np.float32),
                                                        np.ones((1, 3), np.float32))
    with pytest.raises(TypeError, match=r"clamp requires min.shape == operand.shape"):
        jax.vmap(lax.clamp, in_axes=(None, 0, None))(np.ones((3,), np.float32),
                                                     np.ones((4, 1), np.float32), 2.0)


def test_bitcast_to_wider_needs_an_axis_per_example():
    # Batched, u8[4] has the four bytes of a float32; one example (a u8 scalar) does not.
    with pytest.raises(ValueError, match="1 \\* 8 != 32"):
        jax.vmap(lambda x: lax.bitcast_convert_type(x, np.float32))(np.ones(4, np.uint8))


def test_dtype_errors_are_lax_errors():
    with pytest.raises(TypeError, match="requires arguments to have the same dtypes"):
        jax.vmap(lax.add)(np.ones(4, np.float32), np.ones(4, np.int32))
    with pytest.raises(TypeError, match="sin does not accept dtype int32"):
        jax.vmap(lax.sin)(np.ones(4, np.int32))


# ---------------------------------------------------------------------------------------------
# vmap's inconsistent-sizes message names arguments as JAX's does.

def _sizes_message(f, *args, **kwargs):
    with pytest.raises(ValueError, match="inconsistent sizes") as info:
        f(*args, **kwargs)
    return str(info.value)


def test_inconsistent_sizes_name_the_parameters():
    def f(x, y):
        return x

    msg = _sizes_message(jax.vmap(f), np.ones(3, np.float32), np.ones((2, 4), np.int32))
    assert msg == ("vmap got inconsistent sizes for array axes to be mapped:\n"
                   "  * one axis had size 3: axis 0 of argument x of type float32[3];\n"
                   "  * one axis had size 2: axis 0 of argument y of type int32[2,4]")
    msg = _sizes_message(jax.vmap(f, in_axes=(0, -1)), {"a": np.ones(3), "b": [np.ones(3)]},
                         np.ones((2, 4)))
    assert msg.endswith("  * most axes (2 of them) had size 3, e.g. axis 0 of argument "
                        "x['a'] of type float32[3];\n"
                        "  * one axis had size 4: axis -1 of argument y of type float32[2,4]")


def test_inconsistent_sizes_keywords_builtins_and_axis_size():
    def g(x, *rest, **kw):
        return x

    msg = _sizes_message(jax.vmap(g), np.ones(3), np.ones(4), k=np.ones(5))
    assert "axis 0 of argument x of type" in msg and "axis 0 of args[1] of" in msg
    assert "axis 0 of kwargs['k'] of type float32[5]" in msg
    msg = _sizes_message(jax.vmap(max), np.ones(3), np.ones(4))  # no signature to read
    assert "axis 0 of args[0] of type" in msg and "axis 0 of args[1] of type" in msg
    msg = _sizes_message(jax.vmap(lambda a, b: a, axis_size=5), np.ones(3), np.ones(3))
    assert msg.split("\n")[1:] == [
        "  * the `axis_size` argument was 5;",
        "  * most axes (2 of them) had size 3, e.g. axis 0 of argument a of type float32[3]"]


def test_rank_error_names_the_argument():
    with pytest.raises(ValueError, match=r"argument y along axis 1, which implies that its "
                                         r"rank should be at least 2, but is only 1"):
        jax.vmap(lambda x, y: x, in_axes=(0, 1))(np.ones(3), np.ones(3))


def test_every_elementwise_primitive_is_covered():
    # Traced (not compiled) at one example's shapes: the tables above reach every primitive.
    from jaxlike.lax import elementwise
    x, c = np.float32(0.5), np.complex64(1)
    traced = [jax.make_jaxpr(UNARY[n][0])(c if UNARY[n][1] == "complex" else
                                          np.int32(1) if UNARY[n][1] == "int" else x)
              for n in UNARY]
    traced += [jax.make_jaxpr(BINARY[n][0])(*(
        np.int32(1) if d in ("int", "shift") else np.bool_(1) if d == "bool" else x
        for d in BINARY[n][1:])) for n in BINARY]
    traced += [jax.make_jaxpr(f)(np.ones((3, 4), np.uint8) if d == "u8" else np.ones(
        (2, 3), np.float32)) for f, _, d, _, _ in BITCASTS.values()]
    covered = {e.primitive.name for jaxpr in traced for e in jaxpr.eqns}
    covered |= {"select_n", "clamp"}  # tested on their own
    names = {p.name for p in vars(elementwise).values() if isinstance(p, Primitive)}
    assert names <= covered, names - covered
