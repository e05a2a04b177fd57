"""lax.while_loop, fori_loop, scan, map and associative_scan against plain Python loops,
eagerly and under jit; their jaxprs and compiled programs; their errors; the JAX
documentation's control-flow examples.

Loop bodies are module-level functions, so each is traced once and its compiled loop is
reused by every hypothesis example (only values vary).
"""
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike import lax
from jaxlike.core import check_jaxpr

from helpers import assert_allclose

VEC = hnp.arrays(np.float32, (3,), elements=st.floats(-2, 2, width=32))
XS = hnp.arrays(np.float32, (5, 3), elements=st.floats(-2, 2, width=32))
_jitted = {}


def check(fun, args, expected, tol=1e-5):
    """Asserts fun(*args) and jit(fun)(*args) equal `expected` (a pytree) and that fun's
    jaxpr type-checks."""
    jitted = _jitted.setdefault(fun, jax.jit(fun))
    for got, how in ((fun(*args), "eager"), (jitted(*args), "jit")):
        got_leaves = jax.tree_util.tree_leaves(got)
        expected_leaves = jax.tree_util.tree_leaves(expected)
        assert len(got_leaves) == len(expected_leaves), how
        for g, e in zip(got_leaves, expected_leaves):
            assert_allclose(g, e, rtol=tol, atol=tol, err_msg=how,
                            check_dtype=isinstance(e, (np.ndarray, np.generic)))
    check_jaxpr(jax.make_jaxpr(fun)(*args).jaxpr)


def primitives(fun, *args):
    return [e.primitive.name for e in jax.make_jaxpr(fun)(*args).eqns]


# ---------------------------------------------------------------------------------------------
# while_loop.

def collatz_steps(n):
    def body(c):
        k, steps = c
        return jnp.where(k % 2 == 0, k // 2, 3 * k + 1), steps + 1
    return lax.while_loop(lambda c: c[0] != 1, body, (n, np.int32(0)))[1]


def np_collatz_steps(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return np.int32(steps)


@given(st.integers(1, 200))
def test_while_loop_matches_python(n):
    check(collatz_steps, (np.int32(n),), np_collatz_steps(n))


def growth(x, limit):
    # The body closes over x (traced under jit); the carry is a pytree.
    def body(c):
        return {"v": c["v"] * x + 1.0, "n": c["n"] + 1}
    return lax.while_loop(lambda c: c["v"].sum() < limit, body,
                          {"v": jnp.ones(3), "n": 0})


@given(hnp.arrays(np.float32, (3,), elements=st.floats(1.25, 3, width=32)),
       st.floats(1, 1000, width=32))
def test_while_loop_pytree_carry_and_closure(x, limit):
    v, n = np.ones(3, np.float32), 0
    while v.sum() < limit:
        v, n = v * x + 1, n + 1
    check(growth, (x, np.float32(limit)), {"n": np.int32(n), "v": v}, tol=1e-4)


def test_weak_initial_carry_is_promoted_by_a_strong_body():
    out = lax.while_loop(lambda c: c < 5.0, lambda c: c + np.float32(1), 0.0)
    assert out.dtype == np.float32 and not out.aval.weak_type and float(out) == 5.0


def test_weak_types_follow_jax():
    # Each expected repr is what JAX 0.10.2 prints for the same call: a weakly typed initial
    # carry takes the dtype the body gives it; weak types otherwise follow the body.
    cases = [
        (lambda: lax.fori_loop(0, 10, lambda i, x: x + i, 0),
         "Array(45, dtype=int32, weak_type=True)"),
        (lambda: lax.fori_loop(0, 3, lambda i, x: x + 0.5, 0), "Array(1.5, dtype=float32)"),
        (lambda: lax.while_loop(lambda x: x < 2, lambda x: (x + 1).astype(jnp.float16), 0.0),
         "Array(2., dtype=float16)"),
        (lambda: lax.scan(lambda c, x: (c + x, c), 0, jnp.array([1, 2, 3])),
         "(Array(6, dtype=int32), Array([0, 1, 3], dtype=int32, weak_type=True))"),
        (lambda: lax.cond(True, lambda x: 1.0, lambda x: x, np.float32(2.0)),
         "Array(1., dtype=float32)"),
    ]
    for fun, expected in cases:
        assert repr(fun()) == expected


def test_while_jaxpr_has_cond_and_body():
    jaxpr = jax.make_jaxpr(collatz_steps)(np.int32(5))
    (eqn,) = jaxpr.eqns
    assert eqn.primitive.name == "while"
    assert set(eqn.params) == {"cond_jaxpr", "body_jaxpr", "cond_nconsts", "body_nconsts"}
    assert [e.primitive.name for e in eqn.params["cond_jaxpr"].eqns] == ["ne"]
    printed = str(jaxpr)
    assert "body_jaxpr={ lambda" in printed and "cond_jaxpr={ lambda" in printed


# ---------------------------------------------------------------------------------------------
# fori_loop.

def poly(x):
    return lax.fori_loop(0, 4, lambda i, c: c * x + i, jnp.ones(3))


def poly_dynamic(n, x):
    return lax.fori_loop(1, n, lambda i, c: c * x + i, jnp.ones(3))


def np_poly(lo, hi, x):
    c = np.ones(3, np.float32)
    for i in range(lo, hi):
        c = c * x + i
    return c


@given(VEC, st.integers(-1, 6))
def test_fori_loop_static_and_traced_bounds(x, n):
    check(poly, (x,), np_poly(0, 4, x), tol=1e-4)
    check(poly_dynamic, (np.int32(n), x), np_poly(1, n, x), tol=1e-4)


def test_fori_loop_is_a_scan_with_static_bounds_else_a_while():
    x = np.ones(3, np.float32)
    assert primitives(poly, x) == ["broadcast_in_dim", "scan"]
    assert "while" in primitives(poly_dynamic, np.int32(3), x)
    assert float(lax.fori_loop(5, 2, lambda i, c: c + 1.0, 0.0)) == 0.0


# ---------------------------------------------------------------------------------------------
# scan.

def rnn_like(c, xs):
    def step(c, x):
        c = jnp.tanh(c * 0.5 + x)
        return c, (c.sum(), x * 2.0)
    return lax.scan(step, c, xs)


def rnn_like_reverse(c, xs):
    return lax.scan(lambda c, x: (c + x, c * x), c, xs, reverse=True)


def np_scan(step, c, xs, reverse=False):
    ys = []
    for x in (xs[::-1] if reverse else xs):
        c, y = step(c, x)
        ys.append(y)
    ys = ys[::-1] if reverse else ys
    return c, ys


@given(VEC, XS)
def test_scan_matches_python_loop(c, xs):
    final, ys = np_scan(lambda c, x: (np.tanh(c * 0.5 + x), (np.tanh(c * 0.5 + x).sum(), x * 2)),
                        c, xs)
    expected = (final, (np.stack([y[0] for y in ys]), np.stack([y[1] for y in ys])))
    check(rnn_like, (c, xs), expected, tol=1e-5)
    final, ys = np_scan(lambda c, x: (c + x, c * x), c, xs, reverse=True)
    check(rnn_like_reverse, (c, xs), (final, np.stack(ys)), tol=1e-4)


def _unrolled_scan(unroll, reverse):
    return jax.jit(lambda c, xs: lax.scan(lambda c, x: (jnp.sin(c) + x, c * x), c, xs,
                                          unroll=unroll, reverse=reverse))


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_unroll_gives_the_same_results(reverse):
    c, xs = np.ones(3, np.float32), np.random.default_rng(0).standard_normal((5, 3)).astype(
        np.float32)
    expected = _unrolled_scan(1, reverse)(c, xs)
    for unroll in (2, 3, True):
        for got, want in zip(_unrolled_scan(unroll, reverse)(c, xs), expected):
            assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    assert "stablehlo.while" not in _unrolled_scan(True, reverse).lower(c, xs).as_text()


def test_scan_without_xs_pytree_carry_and_no_ys():
    (a, b), ys = lax.scan(lambda c, _: ((c[1], c[0] + c[1]), None), (0, 1), None, length=10)
    assert (int(a), int(b)) == (55, 89) and ys is None
    carry, ys = lax.scan(lambda c, x: (c + x["a"], {"y": x["b"] * c}), np.float32(0),
                         {"a": np.ones(4, np.float32), "b": np.arange(4, dtype=np.float32)})
    assert float(carry) == 4.0
    assert_allclose(ys["y"], np.arange(4, dtype=np.float32) * np.arange(4, dtype=np.float32))


def test_scan_of_length_zero():
    carry, ys = lax.scan(lambda c, x: (c + x.sum(), x), np.float32(1),
                         np.zeros((0, 2), np.float32))
    assert float(carry) == 1.0 and ys.shape == (0, 2)


def test_scan_jaxpr_prints_like_jax():
    jaxpr = jax.make_jaxpr(rnn_like_reverse)(np.ones(3, np.float32), np.ones((5, 3), np.float32))
    (eqn,) = jaxpr.eqns
    assert eqn.primitive.name == "scan" and eqn.params["reverse"] is True
    assert eqn.params["length"] == 5 and eqn.params["num_carry"] == 1
    assert set(eqn.params) == {"jaxpr", "length", "reverse", "num_consts", "num_carry", "unroll"}
    printed = str(jaxpr)
    for line in ["jaxpr={ lambda", "length=5", "num_carry=1", "num_consts=0", "reverse=True",
                 "unroll=1"]:
        assert line in printed


# Printed by JAX 0.10.2 for the same functions.
JAX_PRINTED_SCAN = """\
{ lambda ; a:f32[] b:f32[3]. let
    c:f32[] d:f32[3] = scan[
      jaxpr={ lambda ; e:f32[] f:f32[]. let
          g:f32[] = add e f
          h:f32[] = mul e f
        in (g, h) }
      length=3
      num_carry=1
      num_consts=0
      reverse=False
      unroll=1
    ] a b
  in (c, d) }"""
JAX_PRINTED_WHILE = """\
{ lambda ; a:i32[]. let
    b:i32[] = while[
      body_jaxpr={ lambda ; c:i32[]. let d:i32[] = add c 1:i32[] in (d,) }
      body_nconsts=0
      cond_jaxpr={ lambda ; e:i32[]. let f:bool[] = lt e 1:i32[] in (f,) }
      cond_nconsts=0
    ] a
  in (b,) }"""


def test_loop_jaxprs_print_exactly_as_jax():
    scan = jax.make_jaxpr(lambda c, xs: lax.scan(lambda c, x: (c + x, c * x), c, xs))
    assert str(scan(np.float32(1), np.ones(3, np.float32))) == JAX_PRINTED_SCAN
    loop = jax.make_jaxpr(lambda x: lax.while_loop(lambda c: c < 1, lambda c: c + 1, x))
    assert str(loop(np.int32(1))) == JAX_PRINTED_WHILE


def _stablehlo_size(length):
    fun = jax.jit(lambda c, xs: lax.scan(lambda c, x: (jnp.sin(c) * x + 1.0, c), c, xs))
    return len(fun.lower(np.ones(3, np.float32), np.ones((length, 3), np.float32)).as_text())


def test_compiled_scan_does_not_grow_with_length():
    small, large = _stablehlo_size(10), _stablehlo_size(1000)
    # Only the printed sizes (10x3 vs 1000x3) differ: the body is emitted once.
    assert large - small < 50, (small, large)
    text = jax.jit(rnn_like).lower(np.ones(3, np.float32), np.ones((5, 3), np.float32)).as_text()
    assert "stablehlo.while" in text and "stablehlo.dynamic_slice" in text
    assert "stablehlo.dynamic_update_slice" in text


# ---------------------------------------------------------------------------------------------
# map and associative_scan.

def _mapped(x):
    return jnp.sin(x) * x.sum()


@given(XS)
def test_map_with_and_without_batches(xs):
    expected = np.stack([np.sin(x) * x.sum() for x in xs])
    for batch_size in (None, 2, 5, 8):
        got = lax.map(_mapped, xs, batch_size=batch_size)
        assert_allclose(got, expected, rtol=1e-5, atol=1e-5, err_msg=str(batch_size))


@pytest.mark.parametrize("n", [1, 7, 8])
def test_associative_scan_matches_cumulative_numpy(n):
    x = np.random.default_rng(n).standard_normal((n, 2)).astype(np.float32)
    assert_allclose(lax.associative_scan(lax.add, x), np.cumsum(x, 0), rtol=1e-5, atol=1e-5)
    assert_allclose(lax.associative_scan(lax.max, x, reverse=True),
                    np.maximum.accumulate(x[::-1], 0)[::-1])
    assert_allclose(lax.associative_scan(lax.mul, x.T, axis=1), np.cumprod(x.T, 1),
                    rtol=1e-5, atol=1e-5)


def test_associative_scan_of_a_pytree_linear_recurrence():
    # h[t] = a[t] * h[t-1] + b[t] as a composition of affine maps.
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0.5, 1, 7).astype(np.float32), rng.standard_normal(7).astype(np.float32)

    def compose(first, second):
        return second[0] * first[0], second[0] * first[1] + second[1]
    _, h = lax.associative_scan(compose, (a, b))
    expected, state = [], 0.0
    for t in range(7):
        state = a[t] * state + b[t]
        expected.append(state)
    assert_allclose(h, np.array(expected, np.float32), rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------------------------------------
# The bounded while_loop (jaxlike extension).

def test_bounded_while_loop_matches_while_loop_and_stops_at_the_bound():
    def cond_fun(c):
        return c[0] < 10

    def body_fun(c):
        return c[0] + 1, c[1] * 2.0
    init = (np.int32(0), np.float32(1))
    for got in (lax.while_loop(cond_fun, body_fun, init, max_iters=20),
                lax.while_loop(cond_fun, body_fun, init)):
        assert (int(got[0]), float(got[1])) == (10, 1024.0)
    assert int(lax.while_loop(cond_fun, body_fun, init, max_iters=4)[0]) == 4
    assert "scan" in primitives(lambda x: lax.while_loop(cond_fun, body_fun, x, max_iters=3),
                                init)


# ---------------------------------------------------------------------------------------------
# With jax_disable_jit, control flow runs as Python (for debugging), as in JAX.

def test_disable_jit_runs_python_loops_and_branches():
    from jaxlike.config import config
    seen = []
    config.update("jax_disable_jit", True)
    try:
        # The bodies see concrete values: float() works inside them.
        out = lax.while_loop(lambda x: x < 3, lambda x: seen.append(float(x)) or x + 1, 0)
        carry, ys = lax.scan(lambda c, x: (c + float(x), c), 0.0, np.arange(3.0), reverse=True)
        branch = lax.cond(True, lambda x: seen.append("true") or x, lambda x: x, 1.0)
        staged = jax.make_jaxpr(lambda x: lax.cond(x > 0, lambda: x, lambda: -x))(1.0)
    finally:
        config.update("jax_disable_jit", False)
    assert out == 3 and seen == [0.0, 1.0, 2.0, "true"] and branch == 1.0
    assert carry == 3.0 and [float(y) for y in ys] == [3.0, 2.0, 0.0]
    assert "cond" in [e.primitive.name for e in staged.eqns]


# ---------------------------------------------------------------------------------------------
# The examples of JAX's documentation (control flow).

def test_documentation_examples():
    operand = jnp.array([0.])
    assert_allclose(lax.cond(True, lambda x: x + 1, lambda x: x - 1, operand), [1.0],
                    check_dtype=False)
    assert_allclose(lax.cond(False, lambda x: x + 1, lambda x: x - 1, operand), [-1.0],
                    check_dtype=False)
    branches = [lambda x: x - 1, lambda x: x, lambda x: x + 1]
    assert [float(lax.switch(i, branches, operand)[0]) for i in range(3)] == [-1, 0, 1]
    assert int(lax.while_loop(lambda x: x < 10, lambda x: x + 1, 0)) == 10
    assert int(lax.fori_loop(0, 10, lambda i, x: x + i, 0)) == 45

    def cumsum(res, el):
        res = res + el
        return res, res
    final, result = lax.scan(cumsum, 0, jnp.array([1, 2, 3, 4, 5]))
    assert int(final) == 15 and list(np.asarray(result)) == [1, 3, 6, 10, 15]


def test_documentation_rnn_with_scan():
    rng = np.random.default_rng(0)
    w_h, w_x = (rng.standard_normal((4, 4)) * 0.3).astype(np.float32), \
        (rng.standard_normal((4, 2)) * 0.3).astype(np.float32)
    b, h0 = np.zeros(4, np.float32), np.zeros(4, np.float32)
    xs = rng.standard_normal((6, 2)).astype(np.float32)

    @jax.jit
    def rnn(h, xs):
        def step(h, x):
            h = jnp.tanh(w_h @ h + w_x @ x + b)
            return h, h
        return lax.scan(step, h, xs)
    h, expected = h0, []
    for x in xs:
        h = np.tanh(w_h @ h + w_x @ x + b)
        expected.append(h)
    final, hs = rnn(h0, xs)
    assert_allclose(final, h, rtol=1e-5, atol=1e-5)
    assert_allclose(hs, np.stack(expected), rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------------------------------------
# Errors.

def test_carry_type_change_names_the_leaf_and_both_types():
    with pytest.raises(TypeError) as info:
        lax.while_loop(lambda c: c["x"] < 3, lambda c: {"x": c["x"] + 1, "y": c["y"] > 0},
                       {"x": 0, "y": np.float32(1)})
    message = str(info.value)
    assert "while_loop" in message and "['y']" in message
    assert "float32[]" in message and "bool[]" in message and "dtypes differ" in message
    with pytest.raises(TypeError, match=r"scan: .*carry.*float32\[\].*float32\[2\]"):
        lax.scan(lambda c, x: (c * jnp.ones(2), x), np.float32(0), np.ones(3, np.float32))
    with pytest.raises(TypeError, match="same pytree structure"):
        lax.fori_loop(0, 3, lambda i, c: (c, c), np.float32(0))


def test_bad_cond_fun_and_scan_arguments():
    with pytest.raises(TypeError, match="cond_fun .* must return a boolean scalar"):
        lax.while_loop(lambda c: c, lambda c: c + 1.0, 1.0)
    with pytest.raises(ValueError, match=re.escape("different leading axis sizes: [0]: 3, "
                                                   "[1]: 4")):
        lax.scan(lambda c, x: (c, x), 0.0, (np.ones(3), np.ones(4)))
    with pytest.raises(ValueError, match="length=4 disagrees"):
        lax.scan(lambda c, x: (c, x), 0.0, np.ones(3), length=4)
    with pytest.raises(ValueError, match="`length=`"):
        lax.scan(lambda c, x: (c, x), 0.0, None)
    with pytest.raises(TypeError, match="must return a pair"):
        lax.scan(lambda c, x: c, 0.0, np.ones(3))
    with pytest.raises(TypeError, match="fori_loop: lower and upper must be integer"):
        lax.fori_loop(0.0, 3, lambda i, c: c, 0.0)
