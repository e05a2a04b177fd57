"""vmap of cond, switch, while_loop, fori_loop and scan against a Python loop over examples:
batched predicates (cond becomes a select over its branches; while keeps looping until
every example is done), batched operands, consts, carries and xs, in_axes/out_axes, nested
vmap, jit(vmap) vs vmap(jit), vmap(grad). The batched programs stay one primitive.
"""
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

B = 4
floats = st.floats(-2, 2, width=32)


def loop_over(fun, in_axes, args, out_axes=0):
    """Returns `fun` applied to each example (args sliced along in_axes), stacked at
    out_axes: the reference for vmap."""
    size = next(np.shape(a)[ax] for a, ax in zip(args, in_axes) if ax is not None)
    outs = [fun(*[a if ax is None else np.take(a, i, ax) for a, ax in zip(args, in_axes)])
            for i in range(size)]

    def stack(items, axis):
        return jax.tree_util.tree_map(lambda *xs: np.stack([np.asarray(x) for x in xs], axis),
                                      *items)
    if isinstance(out_axes, tuple):
        return tuple(stack([o[k] for o in outs], ax) for k, ax in enumerate(out_axes))
    return stack(outs, out_axes)


_batched = {}


def check_vmap(fun, in_axes, args, out_axes=0, tol=1e-5):
    """Asserts vmap(fun) and jit(vmap(fun)) equal the loop over examples, and that the
    batched jaxpr type-checks; returns that jaxpr. (The transformed functions are made once
    per fun, so hypothesis examples reuse their compiled programs.)"""
    expected = loop_over(fun, in_axes, args, out_axes)
    key = (fun, in_axes, out_axes)
    if key not in _batched:
        batched = jax.vmap(fun, in_axes, out_axes)
        _batched[key] = (batched, jax.jit(batched))
    for f, how in zip(_batched[key], ("vmap", "jit(vmap)")):
        for g, e in zip(jax.tree_util.tree_leaves(f(*args)),
                        jax.tree_util.tree_leaves(expected)):
            assert_allclose(g, e, rtol=tol, atol=tol, err_msg=how, check_dtype=False)
    jaxpr = jax.make_jaxpr(_batched[key][0])(*args)
    check_jaxpr(jaxpr.jaxpr)
    return jaxpr


# ---------------------------------------------------------------------------------------------
# cond and switch.

def branchy(p, x):
    return lax.cond(p, lambda a: jnp.sin(a) * 2.0, lambda a: a * a - 1.0, x)


@given(hnp.arrays(np.bool_, (B,)), hnp.arrays(np.float32, (B, 3), elements=floats))
def test_cond_with_batched_predicate_selects(p, x):
    jaxpr = check_vmap(branchy, (0, 0), (p, x))
    names = [e.primitive.name for e in jaxpr.eqns]
    assert "cond" not in names and "select_n" in names


@given(hnp.arrays(np.float32, (3, B), elements=floats))
def test_cond_with_unbatched_predicate_stays_a_cond(x):
    for p in (True, False):
        jaxpr = check_vmap(branchy, (None, 1), (p, x), out_axes=1)
        assert "cond" in [e.primitive.name for e in jaxpr.eqns]


BRANCHES = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: jnp.sin(a) - b]


def three_way(i, a, b):
    return lax.switch(i, BRANCHES, a, b)


@given(hnp.arrays(np.int32, (B,), elements=st.integers(-1, 3)),
       hnp.arrays(np.float32, (B,), elements=floats), st.floats(-2, 2, width=32))
def test_switch_with_batched_index_and_unbatched_operand(i, a, b):
    check_vmap(three_way, (0, 0, None), (i, a, np.float32(b)))


def test_cond_closing_over_a_batched_value():
    x = np.arange(6, dtype=np.float32).reshape(B // 2, 3)
    f = jax.vmap(lambda x: lax.cond(x.sum() > 4, lambda: x * 2.0, lambda: -x))
    assert_allclose(f(x), np.stack([-x[0], x[1] * 2]))


# ---------------------------------------------------------------------------------------------
# while_loop and fori_loop.

def count_doublings(x, limit):
    return lax.while_loop(lambda c: c[1] < limit, lambda c: (c[0] + 1, c[1] * 2.0),
                          (0, x))


@given(hnp.arrays(np.float32, (B,), elements=st.floats(0.125, 10, width=32)),
       st.floats(1, 100, width=32))
def test_while_with_batched_predicate_runs_until_all_are_done(x, limit):
    jaxpr = check_vmap(count_doublings, (0, None), (x, np.float32(limit)))
    assert [e.primitive.name for e in jaxpr.eqns].count("while") == 1


@given(hnp.arrays(np.float32, (B,), elements=st.floats(1.5, 10, width=32)))
def test_while_with_batched_limit_and_unbatched_init(limit):
    check_vmap(count_doublings, (None, 0), (np.float32(1), limit))


def fori_sum(n, x):
    return lax.fori_loop(0, n, lambda i, c: c + x * i, jnp.zeros_like(x))


def fori_sum3(x):
    return fori_sum(3, x)


@given(hnp.arrays(np.int32, (B,), elements=st.integers(0, 5)),
       hnp.arrays(np.float32, (B, 3), elements=floats))
def test_fori_loop_with_batched_bounds_and_body(n, x):
    check_vmap(fori_sum, (0, 0), (n, x))
    check_vmap(fori_sum3, (1,), (x.T,))


# ---------------------------------------------------------------------------------------------
# scan.

def rnn(w, h, xs):
    return lax.scan(lambda h, x: (jnp.tanh(w * h + x), h.sum()), h, xs)


@pytest.mark.parametrize("in_axes", [(None, None, 1), (0, None, None), (None, 0, 2),
                                     (0, 0, 0)])
def test_scan_batched_consts_carries_and_xs(in_axes):
    rng = np.random.default_rng(sum(a or 0 for a in in_axes))
    shapes = {None: [(3,), (3,), (5, 3)], 0: [(B, 3), (B, 3), (B, 5, 3)],
              1: [None, None, (5, B, 3)], 2: [None, None, (5, 3, B)]}
    args = [rng.standard_normal(shapes[ax][k]).astype(np.float32)
            for k, ax in enumerate(in_axes)]
    check_vmap(rnn, in_axes, args, out_axes=(0, 1) if in_axes[2] == 0 else 0)


def test_vmap_of_jit_equals_jit_of_vmap():
    rng = np.random.default_rng(3)
    w, xs = rng.standard_normal((B, 3)).astype(np.float32), \
        rng.standard_normal((5, 3)).astype(np.float32)
    h = np.zeros(3, np.float32)
    for fun, args, axes in ((rnn, (w, h, xs), (0, None, None)),
                            (branchy, (np.array([True, False] * 2), w), (0, 0)),
                            (count_doublings, (np.abs(w[:, 0]) + 1, np.float32(30)), (0, None))):
        for a, b in zip(jax.tree_util.tree_leaves(jax.vmap(jax.jit(fun), axes)(*args)),
                        jax.tree_util.tree_leaves(jax.jit(jax.vmap(fun, axes))(*args))):
            assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_nested_vmap_of_scan():
    xs = np.random.default_rng(0).standard_normal((2, B, 5, 3)).astype(np.float32)
    w, h = np.ones(3, np.float32), np.zeros(3, np.float32)
    got = jax.vmap(jax.vmap(lambda xs: rnn(w, h, xs)))(xs)
    expected = [[rnn(w, h, xs[i, j]) for j in range(B)] for i in range(2)]
    assert_allclose(got[0], np.array([[np.asarray(e[0]) for e in row] for row in expected]),
                    rtol=1e-5, atol=1e-5)


def test_vmap_of_grad_through_scan_and_cond():
    def loss(w, xs):
        final, ys = rnn(w, np.zeros(3, np.float32), xs)
        return lax.cond(final.sum() > 0, lambda: (final * final).sum(), lambda: ys.sum())
    rng = np.random.default_rng(1)
    w, xs = rng.standard_normal((B, 3)).astype(np.float32), \
        rng.standard_normal((B, 5, 3)).astype(np.float32)
    check_vmap(jax.grad(loss), (0, 0), (w, xs))
