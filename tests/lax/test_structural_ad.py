"""Derivatives of the lax structural primitives: JVP and transpose rules.

Every structural primitive is linear in its array operands, so its JVP applied to a tangent
is the primitive applied to the tangent, and its transpose is checked through the identity
<vjp(u), v> == <u, jvp(v)>. check_grads compares both modes with finite differences (in
float64, where they are accurate). Shapes are fixed and few so that XLA compiles stay few;
hypothesis varies values only.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jaxlike as jax
from jaxlike import dtypes, lax
from jaxlike.core import check_jaxpr
from jaxlike.interpreters import ad
from jaxlike.lax import structural
from jaxlike.test_util import check_grads

from helpers import assert_allclose

F64 = np.float64


class Case:
    """A function linear in all its (float64) arguments of `shapes`, with the primitives
    its pullback's jaxpr is expected to contain, in order."""

    def __init__(self, fun, shapes, transposed):
        self.fun, self.shapes, self.transposed = fun, shapes, transposed

    def args(self, rng):
        return tuple(rng.standard_normal(s).astype(F64) if s else F64(rng.standard_normal())
                     for s in self.shapes)


PAD_CT = ["reduce_sum", "reduce_sum", "sub"]  # the padding value's cotangent
CASES = {
    "broadcast_in_dim": Case(lambda x: lax.broadcast_in_dim(x, (2, 3), (1,)), [(3,)],
                             ["reduce_sum"]),
    "broadcast_in_dim_size1": Case(lambda x: lax.broadcast_in_dim(x, (4, 2, 3), (1, 2)),
                                   [(1, 3)], ["reduce_sum", "broadcast_in_dim"]),
    "broadcast_in_dim_permuted": Case(lambda x: lax.broadcast_in_dim(x, (3, 4, 2), (2, 0)),
                                      [(2, 3)], ["reduce_sum", "transpose"]),
    "broadcast_in_dim_scalar": Case(lambda x: lax.broadcast_in_dim(x, (2, 3), ()), [()],
                                    ["reduce_sum"]),
    "reshape": Case(lambda x: lax.reshape(x, (3, 2)), [(2, 3)], ["reshape"]),
    "reshape_dimensions": Case(lambda x: lax.reshape(x, (6,), (1, 0)), [(2, 3)],
                               ["reshape", "transpose"]),
    "transpose": Case(lambda x: lax.transpose(x, (1, 0)), [(2, 3)], ["transpose"]),
    "squeeze": Case(lambda x: lax.squeeze(x, (0,)), [(1, 3)], ["broadcast_in_dim"]),
    "rev": Case(lambda x: lax.rev(x, (1,)), [(2, 3)], ["rev"]),
    "concatenate": Case(lambda x, y: lax.concatenate([x, y, x], 0), [(2, 3), (1, 3)],
                        ["slice", "slice", "slice", "add_any"]),
    "pad": Case(lambda x, v: lax.pad(x, v, ((1, -1, 1), (-1, 2, 1))), [(2, 3), ()],
                ["pad", "slice"] + PAD_CT),
    "pad_interior": Case(lambda x, v: lax.pad(x, v, ((0, 0, 1), (0, 0, 2))), [(2, 3), ()],
                         ["slice"] + PAD_CT),
    "pad_edges": Case(lambda x, v: lax.pad(x, v, ((1, 2, 0), (0, -1, 0))), [(2, 3), ()],
                      ["pad"] + PAD_CT),
    "slice": Case(lambda x: lax.slice(x, (0, 1), (2, 3), (1, 2)), [(2, 3)], ["pad"]),
    "slice_unit_strides": Case(lambda x: lax.slice(x, (1, 0), (2, 2)), [(2, 3)], ["pad"]),
    "dynamic_slice": Case(lambda x: lax.dynamic_slice(x, (1, 1), (1, 2)), [(2, 3)],
                          ["broadcast_in_dim", "dynamic_update_slice"]),
    "dynamic_slice_clamped": Case(lambda x: lax.dynamic_slice(x, (1, -1), (2, 2)), [(2, 3)],
                                  ["broadcast_in_dim", "dynamic_update_slice"]),
    "dynamic_update_slice": Case(
        lambda x, u: lax.dynamic_update_slice(x, u, (1, 1)), [(2, 3), (1, 2)],
        ["broadcast_in_dim", "dynamic_update_slice", "dynamic_slice"]),
    "dynamic_update_slice_clamped": Case(
        lambda x, u: lax.dynamic_update_slice(x, u, (5, -3)), [(2, 3), (1, 2)],
        ["broadcast_in_dim", "dynamic_update_slice", "dynamic_slice"]),
}
cases = pytest.mark.parametrize("name", list(CASES))
seeds = st.integers(0, 2**32 - 1)


def _inner(xs, ys):
    return sum(np.vdot(np.asarray(x), np.asarray(y)) for x, y in zip(xs, ys))


def _element(y, index):
    """Returns the scalar y[index], with structural primitives only."""
    picked = lax.slice(y, index, tuple(i + 1 for i in index))
    return lax.reshape(picked, ())


def _jacobian_row(fun, shapes, index):
    """Returns d fun(...)[index] / d args for a `fun` linear in all its args, from its values
    on the standard basis (a linear map's derivative is the map itself)."""
    rows = []
    for k, shape in enumerate(shapes):
        row = np.zeros(shape, F64)
        for j in np.ndindex(*shape):
            basis = [np.zeros(s, F64) for s in shapes]
            basis[k][j] = 1.0
            row[j] = np.asarray(fun(*basis))[index]
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------------------------
# Against finite differences, and the linear-map properties.

@cases
def test_check_grads(x64, name):
    case = CASES[name]
    check_grads(case.fun, case.args(np.random.default_rng(0)), order=2, modes=("fwd", "rev"))


@cases
@given(seed=seeds)
def test_jvp_applies_the_map_and_vjp_transposes_it(x64, name, seed):
    case = CASES[name]
    rng = np.random.default_rng(seed)
    primals, tangents = case.args(rng), case.args(rng)
    out, tangent_out = jax.jvp(case.fun, primals, tangents)
    assert_allclose(out, case.fun(*primals))
    assert_allclose(tangent_out, case.fun(*tangents))  # a linear map is its own derivative

    # <vjp(u), v> == <u, jvp(v)>
    out, pullback = jax.vjp(case.fun, *primals)
    cotangent = rng.standard_normal(np.shape(out))
    cts = pullback(cotangent)
    assert [np.shape(c) for c in cts] == [np.shape(p) for p in primals]
    assert all(np.asarray(c).dtype == F64 for c in cts)
    np.testing.assert_allclose(_inner(cts, tangents), _inner([cotangent], [tangent_out]),
                               rtol=1e-12, atol=1e-12)


@cases
def test_grad_through_jit(x64, name):
    case = CASES[name]
    primals = case.args(np.random.default_rng(1))
    out_shape = np.shape(case.fun(*primals))
    index = tuple(d - 1 for d in out_shape)  # the last element: reached by every case

    def g(*args):
        return _element(case.fun(*args), index)
    argnums = tuple(range(len(primals)))
    expected = _jacobian_row(case.fun, case.shapes, index)
    for grad_fun, where in ((jax.jit(jax.grad(g, argnums)), "jit(grad)"),
                            (jax.grad(jax.jit(g), argnums), "grad(jit)")):
        for got, want in zip(grad_fun(*primals), expected):
            assert_allclose(got, want, err_msg=f"{name}: {where}")


@cases
def test_transposed_jaxpr_primitives(x64, name):
    case = CASES[name]
    primals = case.args(np.random.default_rng(2))
    out, pullback = jax.vjp(case.fun, *primals)
    jaxpr = jax.make_jaxpr(pullback)(np.ones(np.shape(out), F64)).jaxpr
    check_jaxpr(jaxpr)
    assert [e.primitive.name for e in jaxpr.eqns] == case.transposed, str(jaxpr)


def test_grad_jaxpr_shows_the_transposes(x64):
    def g(x):
        y = lax.pad(lax.broadcast_in_dim(x, (2, 3), (1,)), F64(0.0), ((1, 0, 0), (0, 0, 1)))
        return _element(lax.rev(y, (0,)), (0, 0))
    jaxpr = jax.make_jaxpr(jax.grad(g))(np.ones(3, F64)).jaxpr
    check_jaxpr(jaxpr)
    names = [e.primitive.name for e in jaxpr.eqns]
    # Backward through reshape, slice, rev, pad, broadcast_in_dim (in that order).
    backward = ["reshape", "pad", "rev", "pad", "slice", "reduce_sum"]
    it = iter(names)
    assert all(name in it for name in backward), str(jaxpr)


# ---------------------------------------------------------------------------------------------
# Operands that are not linear: constants, integer start indices, iota.

def test_constant_operands_get_no_cotangent(x64):
    rng = np.random.default_rng(3)
    x, c = rng.standard_normal((2, 3)), rng.standard_normal((1, 3))
    ct = rng.standard_normal((3, 3))
    (gx,) = jax.vjp(lambda x: lax.concatenate([x, c], 0), x)[1](ct)
    assert_allclose(gx, ct[:2])
    (gv,) = jax.vjp(lambda v: lax.pad(x, v, ((1, 0, 0), (0, 0, 0))), F64(2.0))[1](ct)
    assert_allclose(gv, ct[0].sum())
    (gx,) = jax.vjp(lambda x: lax.dynamic_update_slice(x, c[:, :2], (1, 1)), x)[1](ct[:2])
    assert_allclose(gx, np.where([[1, 1, 1], [1, 0, 0]], ct[:2], 0.0))
    (gu,) = jax.vjp(lambda u: lax.dynamic_update_slice(x, u, (1, 1)), c[:, :2])[1](ct[:2])
    assert_allclose(gu, ct[1:2, 1:])


def test_traced_start_indices(x64):
    x = np.random.default_rng(4).standard_normal((2, 3))

    def g(x, i):
        return _element(lax.dynamic_slice(x, (i, i), (1, 2)), (0, 1))
    grad_g = jax.jit(jax.grad(g))
    for i, (r, c) in ((0, (0, 1)), (1, (1, 2)), (-1, (1, 2)), (7, (1, 2))):
        expected = np.zeros((2, 3))
        expected[r, c] = 1.0
        assert_allclose(grad_g(x, np.int32(i)), expected, err_msg=f"start {i}")


def test_integer_start_indices_have_float0_derivatives(x64):
    x = np.random.default_rng(5).standard_normal((2, 3))

    def f(x, i):
        return lax.dynamic_update_slice(x, lax.dynamic_slice(x, (i, 0), (1, 2)), (0, i))
    out, pullback = jax.vjp(f, x, np.int32(1))
    gx, gi = pullback(np.ones((2, 3)))
    assert gi.dtype == dtypes.float0 and gi.shape == ()
    assert gx.shape == (2, 3)
    _, tangent = jax.jvp(f, (x, np.int32(1)), (np.ones((2, 3)), np.zeros((), dtypes.float0)))
    assert_allclose(tangent, np.ones((2, 3)))


def test_integer_operands_have_float0_cotangents():
    xi = np.arange(6, dtype=np.int32).reshape(2, 3)
    out, pullback = jax.vjp(lambda x: lax.transpose(lax.reshape(x, (3, 2)), (1, 0)), xi)
    (ct,) = pullback(np.zeros((2, 3), dtypes.float0))
    assert ct.dtype == dtypes.float0 and ct.shape == (2, 3)


def test_iota_has_no_derivative(x64):
    def f(x):
        return lax.concatenate([x, lax.broadcasted_iota(F64, (1, 3), 1)], 0)
    x = np.ones((2, 3))
    out, tangent = jax.jvp(f, (x,), (np.ones((2, 3)),))
    assert_allclose(tangent, np.array([[1.0] * 3, [1.0] * 3, [0.0] * 3]))
    check_grads(f, (x,), order=1)


# ---------------------------------------------------------------------------------------------
# Every structural primitive is registered; float32 keeps its dtype through the rules.

def test_every_primitive_has_its_rules():
    for name in structural.__all__:
        if not name.endswith("_p"):
            continue
        prim = getattr(structural, name)
        assert prim in ad.primitive_jvps, f"{prim.name} lacks a JVP rule"
        if prim is not structural.iota_p:
            assert prim in ad.primitive_transposes, f"{prim.name} lacks a transpose rule"


def test_float32_cotangents_keep_their_dtype():
    x = np.ones((2, 3), np.float32)
    out, pullback = jax.vjp(lambda x, v: lax.pad(x, v, ((1, 0, 1), (0, 1, 0))), x,
                            np.float32(0.5))
    gx, gv = pullback(np.ones(out.shape, np.float32))
    assert_allclose(gx, np.ones((2, 3), np.float32))
    assert_allclose(gv, np.float32(out.size - x.size))
