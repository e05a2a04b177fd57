"""Collectives over named vmap axes: psum, pmean, pmax, pmin, all_gather, psum_scatter,
axis_index and axis_size against numpy, for batched and unbatched operands, nested vmaps
with two axis names, collectives inside jit inside vmap, derivatives inside vmap (JAX's
convention: psum transposes to psum, so vmap(grad(f)) differentiates the sum of every
example's output), and the errors for unbound axis names and unsupported arguments.

Operands are few shapes with B = 4 examples; hypothesis varies values only.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlike as jax
from jaxlike import lax

from helpers import assert_allclose, check_eager_and_jit
from vmap_helpers import needs_batching_rules

B = 4
seeds = st.integers(0, 2**32 - 1)
few_examples = settings(max_examples=3)
OWN = ("psum", "pmax", "pmin", "all_gather", "reduce_scatter", "axis_index")


def normal(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def vmap_i(f, **kwargs):
    return jax.vmap(f, axis_name="i", **kwargs)


X2 = normal(7, (2, 3, 5))  # axis 'i' of size 2, axis 'j' of size 3, examples of shape (5,)


def vmap_ij(f):
    return jax.vmap(jax.vmap(f, axis_name="j"), axis_name="i")


def everywhere(reduced, axis=0):
    """Returns `reduced` (the result over the examples) repeated for each of the B examples."""
    return np.repeat(np.expand_dims(reduced, axis), B, axis)


# ---------------------------------------------------------------------------------------------
# psum, pmean, pmax, pmin.

REDUCERS = {"psum": (lax.psum, np.sum), "pmean": (lax.pmean, np.mean),
            "pmax": (lax.pmax, np.max), "pmin": (lax.pmin, np.min)}


@pytest.mark.parametrize("name", list(REDUCERS))
@pytest.mark.parametrize("in_axes", [0, 1])
@few_examples
@given(seed=seeds)
def test_reductions_over_the_examples(name, in_axes, seed):
    collective, reference = REDUCERS[name]
    x = normal(seed, (B, 3) if in_axes == 0 else (3, B))
    expected = everywhere(reference(x, axis=in_axes))
    f = vmap_i(lambda x: collective(x, "i"), in_axes=in_axes)
    check_eager_and_jit(f, (x,), expected, rtol=1e-5)
    # Inside jit inside vmap: the staged collective is batched with the jit's inner program.
    g = vmap_i(jax.jit(lambda x: collective(x, "i")), in_axes=in_axes)
    assert_allclose(g(x), expected, rtol=1e-5)


def test_psum_of_a_pytree_and_of_integers():
    x = np.arange(B * 3, dtype=np.int32).reshape(B, 3)
    out = vmap_i(lambda x: lax.psum({"a": x, "b": (x, x[0])}, "i"))(x)
    assert_allclose(out["a"], everywhere(x.sum(0, dtype=np.int32)))
    assert_allclose(out["b"][1], everywhere(x[:, 0].sum(0, dtype=np.int32)))
    assert_allclose(vmap_i(lambda x: lax.pmax(x, "i"))(x), everywhere(x.max(0)))


def test_unbatched_operands():
    # A value that is the same in every example: psum multiplies it by the axis size,
    # pmax/pmin leave it as it is; Python scalars stay weakly typed, as in JAX.
    x, y = normal(0, (B,)), normal(1, (3,))
    assert_allclose(vmap_i(lambda x: lax.psum(y, "i"))(x), everywhere(y * B), rtol=1e-6)
    assert_allclose(vmap_i(lambda x: lax.pmax(y, "i"))(x), everywhere(y))
    assert_allclose(vmap_i(lambda x: lax.pmean(y, "i"))(x), everywhere(y), rtol=1e-6)
    out = vmap_i(lambda x: lax.psum(1.0, "i"))(x)
    assert out.weak_type and out.dtype == np.float32
    assert_allclose(out, np.full(B, 4.0, np.float32))
    out = vmap_i(lambda x: lax.psum(2, "i"))(x)
    assert out.weak_type and out.dtype == np.int32 and (np.asarray(out) == 8).all()


def test_psum_of_bool_counts_and_pmean_of_int_is_float():
    flags = np.array([True, False, True, True])
    ints = np.arange(B, dtype=np.int32)
    with needs_batching_rules(*OWN):
        out = vmap_i(lambda b: lax.psum(b, "i"))(flags)
        assert out.dtype == np.int32 and (np.asarray(out) == 3).all()
        out = vmap_i(lambda n: lax.pmean(n, "i"))(ints)
    assert_allclose(out, np.full(B, 1.5, np.float32))


def test_axis_index_and_axis_size():
    x = normal(0, (B, 3))
    assert_allclose(vmap_i(lambda x: lax.axis_index("i"))(x), np.arange(B, dtype=np.int32))
    assert_allclose(jax.jit(vmap_i(lambda x: lax.axis_index("i")))(x),
                    np.arange(B, dtype=np.int32))
    sizes = []
    vmap_i(lambda x: sizes.append(lax.axis_size("i")) or x)(x)
    assert sizes == [B]
    vmap_ij(lambda x: sizes.append(lax.axis_size(("i", "j"))) or x)(X2)
    assert sizes == [B, 6]


# ---------------------------------------------------------------------------------------------
# all_gather and psum_scatter.

@pytest.mark.parametrize("axis, tiled", [(0, False), (1, False), (-1, False), (0, True),
                                         (-1, True)])
def test_all_gather(axis, tiled):
    x = normal(0, (B, 2, 3))
    if tiled:
        gathered = np.concatenate(list(x), axis)
    else:
        gathered = np.stack(list(x), axis)
    f = vmap_i(lambda x: lax.all_gather(x, "i", axis=axis, tiled=tiled))
    check_eager_and_jit(f, (x,), everywhere(gathered))
    # The same through in_axes=1 and a one-name tuple.
    g = vmap_i(lambda x: lax.all_gather(x, ("i",), axis=axis, tiled=tiled), in_axes=1)
    assert_allclose(g(np.moveaxis(x, 0, 1).copy()), everywhere(gathered))


def test_all_gather_of_an_unbatched_value():
    x, y = normal(0, (B,)), normal(1, (3,))
    assert_allclose(vmap_i(lambda x: lax.all_gather(y, "i"))(x),
                    everywhere(np.stack([y] * B)))


@pytest.mark.parametrize("tiled", [False, True])
def test_psum_scatter(tiled):
    x = normal(0, (B, B * 2 if tiled else B, 3))
    summed = x.sum(0)
    expected = summed.reshape(B, 2, 3) if tiled else summed
    f = vmap_i(lambda x: lax.psum_scatter(x, "i", tiled=tiled))
    check_eager_and_jit(f, (x,), expected, rtol=1e-5)
    # scatter_dimension=-1: example k takes column k (columns 2k, 2k+1 when tiled) of the
    # (3, B or 2B) sum.
    y = np.moveaxis(x, 2, 1).copy()
    g = vmap_i(lambda y: lax.psum_scatter(y, "i", scatter_dimension=-1, tiled=tiled))
    assert_allclose(g(y), expected.transpose(0, 2, 1) if tiled else expected, rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# Two named axes.


@pytest.mark.parametrize("names, axes", [("i", (0,)), ("j", (1,)), (("i", "j"), (0, 1)),
                                         (("j", "i"), (0, 1))])
def test_nested_psum_and_pmax(names, axes):
    expected = np.broadcast_to(X2.sum(axes, keepdims=True), X2.shape)
    check_eager_and_jit(vmap_ij(lambda x: lax.psum(x, names)), (X2,), expected, rtol=1e-5)
    expected = np.broadcast_to(X2.max(axes, keepdims=True), X2.shape)
    assert_allclose(vmap_ij(lambda x: lax.pmax(x, names))(X2), expected)


def test_nested_collectives_of_values_batched_at_one_level():
    # A value that varies over 'i' only, reduced over 'j' (it is the same for all j) and 'i'.
    x = X2[:, 0]
    f = jax.vmap(jax.vmap(lambda x, _: lax.psum(x, ("i", "j")), in_axes=(None, 0),
                          axis_name="j"), axis_name="i")
    expected = np.broadcast_to(3 * x.sum(0), (2, 3, 5))
    with needs_batching_rules(*OWN):
        assert_allclose(f(x, X2), expected, rtol=1e-5)


def test_nested_axis_index_and_gather_over_the_outer_axis():
    idx = vmap_ij(lambda x: lax.axis_index("i"))(X2)
    assert_allclose(idx, np.repeat(np.arange(2, dtype=np.int32)[:, None], 3, 1))
    # Gathering over the outer axis from inside the inner vmap: each (i, j) sees X2[:, j].
    for axis, in_axes in ((0, 0), (1, 1)):
        f = jax.vmap(jax.vmap(lambda x: lax.all_gather(x, "i", axis=axis), axis_name="j",
                              in_axes=in_axes), axis_name="i")
        data = X2 if in_axes == 0 else np.moveaxis(X2, 1, 2).copy()
        stacked = np.stack([X2[:, j] for j in range(3)])  # (j, i, 5)
        expected = np.broadcast_to(np.moveaxis(stacked, 1, axis + 1), (2, 3) + (
            (2, 5) if axis == 0 else (5, 2)))
        check_eager_and_jit(f, (data,), expected)
    # Scattering over the outer axis: example (i, j) keeps row i of the sum over i.
    # The inner batch axis comes after the scatter dimension of the examples, (2, 5).
    y = normal(3, (2, 2, 5, 3))
    f = jax.vmap(jax.vmap(lambda y: lax.psum_scatter(y, "i"), axis_name="j", in_axes=-1),
                 axis_name="i")
    expected = np.moveaxis(y.sum(0), 2, 1)  # (i, j, 5) from the (i, 5, j) sums
    check_eager_and_jit(f, (y,), expected, rtol=1e-5)


def test_axis_index_of_two_names():
    with needs_batching_rules(*OWN):
        out = vmap_ij(lambda x: lax.axis_index(("i", "j")))(X2)
    assert_allclose(out, np.arange(6, dtype=np.int32).reshape(2, 3))


def test_vmap_of_jit_of_psum_over_both_axes():
    g = vmap_ij(jax.jit(lambda x: lax.psum(x, ("i", "j"))))
    assert_allclose(g(X2), np.broadcast_to(X2.sum((0, 1)), X2.shape), rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# Derivatives.

@few_examples
@given(seed=seeds)
def test_gradient_through_per_example_normalization(seed):
    # The loss is a weighted sum of x / sum(x): the same through vmap with psum as through
    # whole-array operations.
    x = np.abs(normal(seed, (B,))) + 0.5
    w = normal(seed + 1, (B,))

    def with_psum(xs):
        normalized = vmap_i(lambda x: x / lax.psum(x, "i"))(xs)
        return lax.reduce_sum(normalized * w, (0,))

    def plain(xs):
        return lax.reduce_sum(xs / lax.reduce_sum(xs, (0,)) * w, (0,))

    with needs_batching_rules(*OWN):
        got = jax.grad(with_psum)(x)
    assert_allclose(got, jax.grad(plain)(x), rtol=1e-5, atol=1e-6)
    assert_allclose(jax.jit(jax.grad(with_psum))(x), got, rtol=1e-6, atol=1e-7)


def test_grad_inside_vmap_follows_jax():
    # psum transposes to psum: grad of each example's output accumulates every example's
    # cotangent (JAX's answers in the comments).
    x = np.arange(1.0, 5.0, dtype=np.float32)
    assert_allclose(vmap_i(jax.grad(lambda x: lax.psum(x, "i")))(x), np.full(B, 4.0,
                                                                              np.float32))
    assert_allclose(vmap_i(jax.grad(lambda x: lax.pmean(x, "i")))(x), np.ones(B, np.float32))
    with needs_batching_rules(*OWN):
        normalized = vmap_i(jax.grad(lambda x: x / lax.psum(x, "i")))(x)  # ~0
        times_sum = vmap_i(jax.grad(lambda x: x * lax.psum(x, "i")))(x)  # 2 * sum = 20
    assert_allclose(normalized, np.zeros(B, np.float32), atol=1e-6)
    assert_allclose(times_sum, np.full(B, 20.0, np.float32))


def test_grad_of_all_gather_and_psum_scatter_inside_vmap():
    x = np.arange(1.0, 5.0, dtype=np.float32)
    w = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    # Every example's output w . gathered uses x_i with weight w_i: 4 * w (JAX's answer).
    with needs_batching_rules(*OWN):
        out = vmap_i(jax.grad(lambda x: lax.dot(lax.all_gather(x, "i"), w)))(x)
    assert_allclose(out, 4 * w)
    m = np.arange(16.0, dtype=np.float32).reshape(B, B)
    out = vmap_i(jax.grad(lambda x: lax.psum_scatter(x, "i")))(m)
    assert_allclose(out, np.ones((B, B), np.float32))


def test_jvp_of_pmax_inside_vmap():
    # The tangent of the maximal example, averaged over ties.
    x = np.array([1.0, 3.0, 3.0, 2.0], np.float32)
    t = np.array([10.0, 20.0, 40.0, 80.0], np.float32)
    with needs_batching_rules(*OWN):
        out, tangent = vmap_i(lambda x, t: jax.jvp(lambda x: lax.pmax(x, "i"), (x,), (t,)))(
            x, t)
    assert_allclose(out, np.full(B, 3.0, np.float32))
    assert_allclose(tangent, np.full(B, 30.0, np.float32))


# ---------------------------------------------------------------------------------------------
# Errors and program size.

@pytest.mark.parametrize("collective", [
    lambda x: lax.psum(x, "k"), lambda x: lax.pmean(x, "k"), lambda x: lax.pmax(x, "k"),
    lambda x: lax.all_gather(x, "k"), lambda x: lax.axis_index("k"),
    lambda x: lax.psum(x, ("i", "k")),
])
def test_unbound_axis_name(collective):
    x = normal(0, (B,))
    for f in (vmap_i(collective), jax.jit(vmap_i(collective)), vmap_i(jax.jit(collective))):
        with pytest.raises(NameError, match="unbound axis name: k"):
            f(x)
    # Outside any vmap, 'i' is unbound too.
    with pytest.raises(NameError, match="unbound axis name: [ik]"):
        jax.jit(collective)(x)
    with pytest.raises(NameError, match="unbound axis name: [ik]"):
        collective(x)


def test_unsupported_arguments():
    x = normal(0, (B, 3))
    with pytest.raises(NotImplementedError, match="axis_index_groups"):
        vmap_i(lambda x: lax.psum(x, "i", axis_index_groups=[[0, 1], [2, 3]]))(x)
    with pytest.raises(ValueError, match="all_gather: axis 2 is out of bounds"):
        vmap_i(lambda x: lax.all_gather(x, "i", axis=2))(x)
    with pytest.raises(ValueError, match=r"psum_scatter.*size 3.*axis 'i'"):
        vmap_i(lambda x: lax.psum_scatter(x, "i"))(x)
    with pytest.raises(NotImplementedError, match="several axis names"):
        vmap_ij(lambda x: lax.all_gather(x, ("i", "j")))(X2)


def test_collectives_are_one_reduction_each():
    x = normal(0, (B, 3))
    for collective in (lax.psum, lax.pmax, lax.pmin):
        jaxpr = jax.make_jaxpr(vmap_i(lambda x: collective(x, "i")))(x)
        # The reduction, then the broadcast back to every example.
        assert [e.primitive.name for e in jaxpr.eqns][0].startswith("reduce_")
        assert len(jaxpr.eqns) == 2
