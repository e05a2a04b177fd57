"""Derivatives through cond, switch, scan, fori_loop and while_loop: forward and reverse
mode against finite differences (in float64, with the x64 fixture) and against the same
program written with Python branches and loops; reverse mode of a data-dependent
while_loop is a clear error; a jit-compiled epoch of SGD inside one scan trains an MLP.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike import lax
from jaxlike.core import check_jaxpr
from jaxlike.test_util import check_grads

from helpers import assert_allclose

seeds = st.integers(0, 2**32 - 1)


def normal(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape)


# ---------------------------------------------------------------------------------------------
# cond and switch.

def _true_branch(a, b):
    return jnp.sin(a) * b, a * a


def _false_branch(a, b):
    return a * 2.0, jnp.cos(b) * a


def branchy(p, x, y):
    return lax.cond(p, _true_branch, _false_branch, x, y)


def branchy_python(p, x, y):
    return (jnp.sin(x) * y, x * x) if p else (x * 2.0, jnp.cos(y) * x)


@pytest.mark.parametrize("pred", [True, False])
@given(seed=seeds)
@settings(max_examples=3)
def test_cond_grads(x64, pred, seed):
    x, y = normal(seed, (3,)), normal(seed + 1, (3,))
    check_grads(lambda a, b: branchy(pred, a, b), (x, y), order=2)


@pytest.mark.parametrize("pred", [True, False])
def test_cond_grad_matches_python_branches(pred):
    x, y = np.float32(0.7), np.float32(-1.3)

    def loss(f):
        return lambda a, b: sum(o.sum() for o in f(pred, a, b))
    for got, expected in zip(jax.grad(loss(branchy), (0, 1))(x, y),
                             jax.grad(loss(branchy_python), (0, 1))(x, y)):
        assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


SWITCH_BRANCHES = [lambda a: a * a, lambda a: jnp.exp(a), lambda a: jnp.sin(a) * a]


def test_switch_grads_and_index_has_no_derivative(x64):
    branches = SWITCH_BRANCHES
    for i in range(3):
        check_grads(lambda a, i=i: lax.switch(i, branches, a), (normal(i, (3,)),), order=2)
    # The index is an integer operand: it gets a float0 (no) cotangent.
    ct_index, ct_a = jax.grad(lambda i, a: lax.switch(i, branches, a), (0, 1),
                              allow_int=True)(np.int32(1), 1.0)
    assert ct_index.shape == () and float(ct_a) == pytest.approx(np.e)


def test_branch_closing_over_the_differentiated_value(x64):
    def f(x, y):
        return lax.cond(x.sum() > 0, lambda a: a * x, lambda a: a + jnp.sin(x), y)
    check_grads(f, (normal(0, (3,)), normal(1, (3,))), order=2)
    check_grads(f, (-np.abs(normal(2, (3,))), normal(3, (3,))), order=2)


def test_cond_gradient_jaxpr_has_known_and_linear_conds():
    jaxpr = jax.make_jaxpr(jax.grad(lambda x: branchy(True, x, 2.0)[0].sum()))(np.ones(3))
    check_jaxpr(jaxpr.jaxpr)
    assert [e.primitive.name for e in jaxpr.eqns].count("cond") == 2


# ---------------------------------------------------------------------------------------------
# scan and fori_loop.

def _rnn_step(carry, x):
    w, h = carry
    h = jnp.tanh(w * h + x)
    return (w, h), h * h


def tanh_rnn(w, h, xs):
    (_, h), ys = lax.scan(_rnn_step, (w, h), xs)
    return h, ys


def _reverse_step(carry, x):
    w, c = carry
    return (w, c * x + w), jnp.sin(c)


def reverse_scan(w, h, xs):
    return lax.scan(_reverse_step, (w, h), xs, reverse=True)


def tanh_rnn_python(w, h, xs):
    ys = []
    for x in xs:
        h = jnp.tanh(w * h + x)
        ys.append(h * h)
    return h, jnp.stack(ys)


@given(seed=seeds)
@settings(max_examples=3)
def test_scan_grads(x64, seed):
    w, h, xs = normal(seed, (3,)), normal(seed + 1, (3,)), normal(seed + 2, (4, 3))
    check_grads(tanh_rnn, (w, h, xs), order=2)
    check_grads(reverse_scan, (w, h, xs), order=1)


def test_scan_grad_matches_unrolled_program():
    w, h, xs = [normal(i, s).astype(np.float32) for i, s in ((0, (3,)), (1, (3,)), (2, (5, 3)))]

    def loss(f):
        def fun(w, h, xs):
            final, ys = f(w, h, xs)
            return final.sum() + (ys * ys).sum()
        return fun
    expected = jax.grad(loss(tanh_rnn_python), (0, 1, 2))(w, h, xs)
    for grad in (jax.grad(loss(tanh_rnn), (0, 1, 2)), jax.jit(jax.grad(loss(tanh_rnn),
                                                                       (0, 1, 2)))):
        for got, want in zip(grad(w, h, xs), expected):
            assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_grad_of_jitted_function_with_scan():
    # jit's partial evaluation stages the whole scan (primal and tangent parts) into the
    # tangent program; the scan's transpose runs its non-linear part forward first.
    def f(w, xs):
        final, ys = tanh_rnn(w, jnp.zeros(3), xs)
        return final.sum() + 2.0 * ys.sum()
    w, xs = normal(0, (3,)).astype(np.float32), normal(1, (5, 3)).astype(np.float32)
    for got, want in zip(jax.grad(jax.jit(f), (0, 1))(w, xs), jax.grad(f, (0, 1))(w, xs)):
        assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_value_and_grad_of_jitted_function_with_scan_and_cond():
    def f(w, xs):
        final, ys = tanh_rnn(w, jnp.zeros(3), xs)
        return lax.cond(final.sum() > 0, lambda: (final * final).sum(), lambda: ys.sum())
    xs = normal(1, (5, 3)).astype(np.float32)
    for w in (np.full(3, 0.5, np.float32), np.full(3, -0.5, np.float32)):
        (value, grads), (value_ref, grads_ref) = [
            jax.value_and_grad(g, (0, 1))(w, xs) for g in (jax.jit(f), f)]
        assert_allclose(value, value_ref, rtol=1e-6, atol=1e-6)
        for got, want in zip(grads, grads_ref):
            assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_scan_gradient_is_a_reverse_scan_with_hoisted_residuals():
    w = np.ones((3, 3), np.float32)

    def loss(h, xs):
        return lax.scan(lambda c, x: (jnp.tanh(w.T @ c + x), None), h, xs)[0].sum()
    jaxpr = jax.make_jaxpr(jax.grad(loss))(np.ones(3, np.float32), np.ones((4, 3), np.float32))
    check_jaxpr(jaxpr.jaxpr)
    scans = [e for e in jaxpr.eqns if e.primitive.name == "scan"]
    assert [e.params["reverse"] for e in scans] == [False, True]
    # w.T depends only on consts: it is computed once, outside both loops, not stacked.
    assert all(a.aval.shape != (4, 3, 3) for e in scans for a in e.invars + e.outvars)


def test_fori_loop_grad_matches_unrolled(x64):
    def f(x):
        return lax.fori_loop(0, 4, lambda i, c: jnp.sin(c) * x + i, x)

    def unrolled(x):
        c = x
        for i in range(4):
            c = jnp.sin(c) * x + i
        return c
    x = normal(5, (3,))
    check_grads(f, (x,), order=2)
    assert_allclose(jax.grad(lambda x: f(x).sum())(x), jax.grad(lambda x: unrolled(x).sum())(x))


def test_hessian_through_scan(x64):
    def f(x):
        return lax.scan(lambda c, a: (c * a + jnp.sin(c), None), 1.0, x)[0]
    x = normal(3, (3,))
    h = jax.hessian(f)(x)
    h_fwd = jax.jacfwd(jax.jacfwd(f))(x)
    assert_allclose(h, h_fwd, rtol=1e-10, atol=1e-10)


# ---------------------------------------------------------------------------------------------
# while_loop: forward mode; reverse mode is an error unless bounded by max_iters.

def power_loop(x):
    return lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, jnp.sin(c[1]) * x),
                          (0, x))[1]


def test_while_loop_jvp_and_linearize(x64):
    check_grads(power_loop, (normal(4, (3,)),), order=2, modes=("fwd",))
    x, t = normal(5, (3,)), normal(6, (3,))
    _, expected = jax.jvp(power_loop, (x,), (t,))
    _, f_jvp = jax.linearize(power_loop, x)
    assert_allclose(f_jvp(t), expected, rtol=1e-12, atol=1e-12)


def test_reverse_mode_of_while_loop_is_a_clear_error():
    with pytest.raises(ValueError, match="Reverse-mode differentiation .*while_loop.*"
                                         "lax.scan.*fori_loop.*max_iters"):
        jax.grad(lambda x: power_loop(x).sum())(np.ones(3, np.float32))
    with pytest.raises(ValueError, match="Reverse-mode"):
        # Under jit the bound is traced, so the loop is a `while`.
        jax.grad(jax.jit(lambda x, n: lax.fori_loop(0, n, lambda i, c: c * x, x)))(1.0, 3)


def test_bounded_while_loop_reverse_mode(x64):
    def bounded(x):
        return lax.while_loop(lambda c: c[1].sum() < 10.0,
                              lambda c: (c[0] + 1, c[1] * x + 1.0), (0, x), max_iters=10)[1]

    x = np.abs(normal(7, (3,))) + 0.5
    c, steps = x, 0
    while c.sum() < 10.0:
        c, steps = c * x + 1.0, steps + 1

    def unrolled(x):
        c = x
        for _ in range(steps):
            c = c * x + 1.0
        return c
    check_grads(bounded, (x,), order=2)
    assert_allclose(jax.grad(lambda x: bounded(x).sum())(x),
                    jax.grad(lambda x: unrolled(x).sum())(x))


# ---------------------------------------------------------------------------------------------
# A training loop: one jit-compiled epoch of SGD over minibatches inside a scan.

def _mlp_init(seed):
    rng = np.random.default_rng(seed)
    return {"w1": (rng.standard_normal((4, 16)) * 0.5).astype(np.float32),
            "b1": np.zeros(16, np.float32),
            "w2": (rng.standard_normal((16, 1)) * 0.5).astype(np.float32),
            "b2": np.zeros(1, np.float32)}


def _mlp_loss(params, x, y):
    h = jnp.tanh(x @ params["w1"] + params["b1"])
    pred = (h @ params["w2"] + params["b2"])[:, 0]
    return jnp.mean((pred - y) ** 2)


@jax.jit
def sgd_epoch(params, xs, ys):
    def step(params, batch):
        loss, grads = jax.value_and_grad(_mlp_loss)(params, *batch)
        params = jax.tree_util.tree_map(lambda p, g: p - 0.1 * g, params, grads)
        return params, loss
    return lax.scan(step, params, (xs, ys))


def test_sgd_epoch_inside_one_scan_reduces_the_loss():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 4)).astype(np.float32)
    y = np.sin(x @ np.array([1.0, -2.0, 0.5, 1.5], np.float32)).astype(np.float32)
    xs, ys = x.reshape(8, 32, 4), y.reshape(8, 32)
    params = _mlp_init(1)
    start = float(_mlp_loss(params, x, y))
    for _ in range(5):
        params, losses = sgd_epoch(params, xs, ys)
    assert losses.shape == (8,)
    assert float(_mlp_loss(params, x, y)) < 0.5 * start
    jaxpr = jax.make_jaxpr(sgd_epoch)(params, xs, ys)
    assert [e.primitive.name for e in jaxpr.eqns] == ["jit"]
    inner = jaxpr.eqns[0].params["jaxpr"]
    assert [e.primitive.name for e in inner.eqns] == ["scan"]
