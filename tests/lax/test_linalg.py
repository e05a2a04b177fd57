"""lax.linalg's primitives (cholesky, triangular_solve, lu, lu_pivots_to_permutation, qr,
eigh, svd, eig) against NumPy/SciPy on random well-conditioned inputs, eagerly and under jit, in
float32, float64 and complex64, batched; their derivatives against finite differences
(check_grads, order 2, in float64); vmap against a loop; and the errors.

Matrices are 3 x 3 (batched: 2 x 3 x 3, which is also vmap's batch of 2), rectangular ones
4 x 3 and 3 x 4; hypothesis varies values only, since each new shape costs compiles.
"""
import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlike as jax
from jaxlike import lax
from jaxlike.test_util import check_grads

import linalg_helpers
from helpers import assert_allclose
from linalg_helpers import assert_trees_close, hermitian, rand, spd, well_conditioned
from vmap_helpers import loop

linalg = lax.linalg
seeds = st.integers(0, 2**32 - 1)
few = settings(max_examples=4)
RTOL = {np.dtype(np.float32): 2e-4, np.dtype(np.float64): 1e-10,
        np.dtype(np.complex64): 2e-4, np.dtype(np.complex128): 1e-10}


def check(fun, args, expected, dtype):
    """Asserts fun(*args) and jit(fun)(*args) equal `expected` to the dtype's tolerance."""
    linalg_helpers.check(fun, args, expected, RTOL[np.dtype(dtype)])


def both(fun, *args):
    """Returns [fun(*args), jit(fun)(*args)] as numpy trees."""
    return [jax.tree_util.tree_map(np.asarray, fun(*args)),
            jax.tree_util.tree_map(np.asarray, jax.jit(fun)(*args))]


BATCHED = (2, 3, 3)


def _with_x64(request, dtype):
    if np.dtype(dtype) in (np.float64, np.complex128):
        request.getfixturevalue("x64")


@pytest.fixture(params=[np.float32, np.float64, np.complex64], ids=lambda d: np.dtype(d).name)
def dtype(request):
    """The dtype under test; float64 runs with x64 enabled."""
    _with_x64(request, request.param)
    return request.param


# Rectangular matrices in float32 only (each case costs compiles); batched in every dtype.
CASES = [(np.float32, (4, 3)), (np.float32, (3, 4))] + [
    (d, BATCHED) for d in (np.float32, np.float64, np.complex64)]


@pytest.fixture(params=CASES, ids=lambda c: f"{np.dtype(c[0]).name}-{'x'.join(map(str, c[1]))}")
def case(request):
    """(dtype, shape) under test; float64 runs with x64 enabled."""
    _with_x64(request, request.param[0])
    return request.param


# ---------------------------------------------------------------------------------------------
# Values.

@given(seed=seeds)
@few
def test_cholesky(dtype, seed):
    a = spd(seed, BATCHED, dtype)
    check(linalg.cholesky, (a,), np.linalg.cholesky(a), dtype)


def test_cholesky_of_an_indefinite_matrix_is_nan():
    out = linalg.cholesky(np.array([[[4., 2., 0.], [2., 5., 0.], [0., 0., 1.]],
                                    -np.eye(3)], np.float32))
    assert np.isfinite(np.asarray(out[0])).all()
    assert np.isnan(np.asarray(out[1])[np.tril_indices(3)]).all()


def test_cholesky_reads_the_lower_triangle_without_symmetrize():
    a = spd(0, (3, 3))
    garbage = a + np.triu(np.full((3, 3), 7.0, np.float32), 1)
    assert_allclose(linalg.cholesky(garbage, symmetrize_input=False), np.linalg.cholesky(a),
                    rtol=1e-5, atol=1e-5)


# Every combination of side, triangle and transposition; unit_diagonal in half of them.
TRI_FLAGS = [dict(left_side=ls, lower=lo, transpose_a=t, unit_diagonal=ls != t)
             for ls in (True, False) for lo in (True, False) for t in (False, True)]


def _reference_triangular_solve(a, b, left_side, lower, transpose_a, conjugate_a,
                                unit_diagonal):
    tri = np.tril(a) if lower else np.triu(a)
    if unit_diagonal:
        tri = tri - np.diag(np.diag(tri)) + np.eye(a.shape[-1])
    op = tri.T if transpose_a else tri
    op = np.conj(op) if conjugate_a else op
    return np.linalg.solve(op, b) if left_side else np.linalg.solve(op.T, b.T).T


@pytest.mark.parametrize("flags", TRI_FLAGS, ids=lambda f: "-".join(
    k for k, v in f.items() if v) or "plain")
def test_triangular_solve_flags(flags):
    a = well_conditioned(1, (3, 3))
    b = rand(2, (3, 4) if flags["left_side"] else (4, 3))
    expected = _reference_triangular_solve(a, b, conjugate_a=False, **flags)
    check(lambda a, b: linalg.triangular_solve(a, b, **flags), (a, b), expected, np.float32)


@pytest.mark.parametrize("transpose_a", [False, True])
@pytest.mark.parametrize("conjugate_a", [False, True])
def test_triangular_solve_complex(transpose_a, conjugate_a):
    a = well_conditioned(3, (3, 3), np.complex64)
    b = rand(4, (3, 2), np.complex64)
    flags = dict(left_side=True, lower=True, transpose_a=transpose_a, unit_diagonal=False)
    expected = _reference_triangular_solve(a, b, conjugate_a=conjugate_a, **flags)
    check(lambda a, b: linalg.triangular_solve(a, b, conjugate_a=conjugate_a, **flags),
          (a, b), expected, np.complex64)


@given(seed=seeds)
@few
def test_triangular_solve_batched(dtype, seed):
    a, b = well_conditioned(seed, (2, 3, 3), dtype), rand(seed + 1, (2, 3, 3), dtype)
    expected = np.stack([scipy.linalg.solve_triangular(a[i], b[i], lower=True)
                         for i in range(2)])
    check(lambda a, b: linalg.triangular_solve(a, b, left_side=True, lower=True), (a, b),
          expected, dtype)


def test_triangular_solve_with_a_zero_pivot_gives_inf_or_nan():
    a = np.array([[1., 0.], [2., 0.]], np.float32)
    out = np.asarray(linalg.triangular_solve(a, np.ones((2, 1), np.float32), left_side=True,
                                             lower=True))
    assert not np.isfinite(out).all()


def _reference_lu(a):
    p, lower, upper = scipy.linalg.lu(a)
    k = min(a.shape)
    packed = np.tril(lower[:, :k], -1)
    packed = np.pad(packed, [(0, 0), (0, a.shape[1] - k)]) + np.pad(
        upper, [(0, a.shape[0] - k), (0, 0)])
    return packed, np.argmax(p, axis=0)


@given(seed=seeds)
@few
def test_lu(case, seed):
    dtype, shape = case
    a = rand(seed, shape, dtype)
    for lu, pivots, perm in both(linalg.lu, a):
        for i in np.ndindex(shape[:-2]):
            packed, expected_perm = _reference_lu(a[i])
            ref_piv = scipy.linalg.lu_factor(a[i])[1] if shape[-1] == shape[-2] else None
            assert_allclose(lu[i], packed, rtol=RTOL[np.dtype(dtype)],
                            atol=RTOL[np.dtype(dtype)])
            np.testing.assert_array_equal(perm[i], expected_perm)
            if ref_piv is not None:
                np.testing.assert_array_equal(pivots[i], ref_piv)
        assert pivots.dtype == perm.dtype == np.int32


def test_lu_of_a_singular_matrix_is_finite():
    lu = linalg.lu(np.array([[1., 2.], [2., 4.]], np.float32))[0]
    assert np.isfinite(np.asarray(lu)).all() and np.asarray(lu)[1, 1] == 0


def test_empty_matrices():
    lu, pivots, perm = linalg.lu(np.zeros((3, 0), np.float32))
    assert lu.shape == (3, 0) and pivots.shape == (0,)
    np.testing.assert_array_equal(perm, [0, 1, 2])
    u, s, vt = linalg.svd(np.zeros((3, 0), np.float32))
    assert s.shape == (0,) and vt.shape == (0, 0)
    np.testing.assert_array_equal(u, np.eye(3))


def test_lu_pivots_to_permutation():
    pivots = np.array([[2, 2, 2], [1, 1, 2]], np.int32)
    expected = np.array([[2, 0, 1, 3], [1, 0, 2, 3]], np.int32)
    for out in both(lambda p: linalg.lu_pivots_to_permutation(p, 4), pivots):
        np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("full_matrices", [False, True])
def test_qr(case, full_matrices):
    dtype, shape = case
    a = rand(5, shape, dtype)
    rtol = RTOL[np.dtype(dtype)]
    mode = "complete" if full_matrices else "reduced"
    expected_q, expected_r = np.linalg.qr(a, mode=mode)
    for q, r in both(lambda a: linalg.qr(a, full_matrices=full_matrices), a):
        # LAPACK (which NumPy calls too) fixes the signs, so Q and R match exactly.
        assert_allclose(q, expected_q, rtol=rtol, atol=rtol)
        assert_allclose(r, expected_r, rtol=rtol, atol=rtol)


@given(seed=seeds)
@few
def test_eigh(dtype, seed):
    a = hermitian(seed, BATCHED, dtype)
    rtol = RTOL[np.dtype(dtype)] * 10
    for v, w in both(linalg.eigh, a):
        assert_allclose(w, np.linalg.eigvalsh(a), rtol=rtol, atol=rtol)
        recon = (v * w[..., None, :]) @ np.conj(np.swapaxes(v, -1, -2))
        assert_allclose(recon, a, rtol=rtol, atol=rtol)


def test_eigh_reads_one_triangle_without_symmetrize():
    a = hermitian(0, (3, 3))
    upper = np.triu(a) + np.tril(np.full((3, 3), 9.0, np.float32), -1)
    _, w = linalg.eigh(upper, lower=False, symmetrize_input=False)
    assert_allclose(w, np.linalg.eigvalsh(a), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("full_matrices", [False, True])
def test_svd(case, full_matrices):
    dtype, shape = case
    a = rand(6, shape, dtype)
    rtol = RTOL[np.dtype(dtype)] * 10
    ref_u, ref_s, ref_vt = np.linalg.svd(a, full_matrices=full_matrices)
    for u, s, vt in both(lambda a: linalg.svd(a, full_matrices=full_matrices), a):
        assert u.shape == ref_u.shape and vt.shape == ref_vt.shape
        assert_allclose(s, ref_s, rtol=rtol, atol=rtol)
        k = s.shape[-1]
        recon = (u[..., :, :k] * s[..., None, :]) @ vt[..., :k, :]
        assert_allclose(recon, a, rtol=rtol, atol=rtol)
    for s in both(lambda a: linalg.svd(a, compute_uv=False), a):
        assert_allclose(s, ref_s, rtol=rtol, atol=rtol)


def test_eig(dtype):
    a = rand(22, BATCHED, dtype)
    rtol = RTOL[np.dtype(dtype)] * 10
    for w, vl, vr in both(linalg.eig, a):
        assert w.dtype == vr.dtype == np.result_type(dtype, np.complex64)
        assert_allclose(a @ vr, vr * w[..., None, :], rtol=rtol, atol=rtol)
        left = np.conj(np.swapaxes(vl, -1, -2))
        assert_allclose(left @ a, w[..., :, None] * left, rtol=rtol, atol=rtol)
        assert_allclose(np.linalg.norm(vr, axis=-2), np.ones(w.shape), rtol=rtol, atol=rtol,
                        check_dtype=False)


# ---------------------------------------------------------------------------------------------
# Derivatives (float64, order 2). Eagerly: every primitive of a derivative program compiles
# once per signature and is shared by the tests, where jit would compile each whole program.

def _grads(f, *args, order=2, modes=("fwd", "rev"), **kw):
    check_grads(f, args, order=order, modes=modes, **kw)


@pytest.mark.usefixtures("x64")
def test_cholesky_grads():
    _grads(linalg.cholesky, spd(7, (3, 3), np.float64))


@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize("flags", [dict(left_side=True, lower=True),
                                   dict(left_side=False, lower=False, transpose_a=True),
                                   dict(left_side=True, lower=False, unit_diagonal=True)],
                         ids=["left-lower", "right-upper-T", "left-upper-unit"])
def test_triangular_solve_grads(flags):
    a = well_conditioned(8, (3, 3), np.float64)
    b = rand(9, (3, 3), np.float64)
    _grads(lambda a, b: linalg.triangular_solve(a, b, **flags), a, b)


@pytest.mark.usefixtures("x64")
def test_lu_grads():
    _grads(lambda a: linalg.lu(a)[0], well_conditioned(10, (3, 3), np.float64))


@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize("shape", [(4, 3), (3, 4)])
def test_lu_grads_rectangular(shape):
    # First order (the JVP rule's padding of L and U is what differs from the square case).
    _grads(lambda a: linalg.lu(a)[0], rand(10, shape, np.float64), order=1, modes=("fwd",))


@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize("shape", [(3, 3), (4, 3)])
def test_qr_grads(shape):
    _grads(lambda a: linalg.qr(a, full_matrices=False), rand(11, shape, np.float64))


def _sign_invariant(v):
    # Eigen/singular vectors are defined up to sign: their squares are not.
    return v * v


@pytest.mark.usefixtures("x64")
def test_eigh_grads():
    def f(a):
        v, w = linalg.eigh(a)
        return _sign_invariant(v), w
    _grads(f, hermitian(12, (3, 3), np.float64))


@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 4)])
def test_svd_grads(shape):
    def f(a):
        u, s, vt = linalg.svd(a, full_matrices=False)
        return _sign_invariant(u), s, _sign_invariant(vt)
    _grads(f, rand(13, shape, np.float64))
    _grads(lambda a: linalg.svd(a, compute_uv=False), rand(13, shape, np.float64))


@pytest.mark.usefixtures("x64")
def test_complex_derivatives():
    _grads(linalg.cholesky, spd(14, (3, 3), np.complex128), order=1)
    _grads(lambda a: linalg.qr(a, full_matrices=False), rand(15, (3, 3), np.complex128),
           order=1, modes=("fwd",))


def test_unsupported_derivatives_say_why():
    with pytest.raises(NotImplementedError, match="non-symmetric eigenvectors"):
        jax.jvp(lambda a: linalg.eig(a)[2], (rand(0, (3, 3)),), (rand(1, (3, 3)),))
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        jax.jvp(lambda a: linalg.svd(a)[0], (rand(0, (3, 3)),), (rand(1, (3, 3)),))
    with pytest.raises(NotImplementedError, match="at least as many rows"):
        jax.jvp(lambda a: linalg.qr(a, full_matrices=False)[1], (rand(0, (3, 4)),),
                (rand(1, (3, 4)),))


# ---------------------------------------------------------------------------------------------
# vmap: one primitive for the batch, equal to a loop.

def check_vmap(f, args, in_axes, rtol=1e-4, slack=2):
    """Asserts vmap(f) and jit(vmap(f)) equal a loop over the examples, with no more
    equations than f (plus batch-axis moves)."""
    expected = loop(f, *args, in_axes=in_axes)
    vf = jax.vmap(f, in_axes=in_axes)
    assert_trees_close(vf(*args), expected, rtol, "vmap")
    assert_trees_close(jax.jit(vf)(*args), expected, rtol, "jit(vmap)")
    examples = [a if ax is None else np.take(a, 0, ax) for a, ax in zip(args, in_axes)]
    n_eqns = len(jax.make_jaxpr(f)(*examples).eqns)
    assert len(jax.make_jaxpr(vf)(*args).eqns) <= n_eqns + slack


def _stack(x, axis):
    return np.moveaxis(x, 0, axis)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_vmap_factorizations(axis):
    a = _stack(spd(16, (2, 3, 3)), axis)
    check_vmap(linalg.cholesky, (a,), (axis,))
    check_vmap(lambda a: linalg.lu(a), (a,), (axis,))
    check_vmap(lambda a: linalg.qr(a)[1], (a,), (axis,))
    check_vmap(lambda a: linalg.eigh(a)[1], (a,), (axis,))
    check_vmap(lambda a: linalg.svd(a, compute_uv=False), (a,), (axis,))
    check_vmap(lambda a: linalg.eig(a, compute_left_eigenvectors=False,
                                    compute_right_eigenvectors=False), (a,), (axis,))


@pytest.mark.parametrize("in_axes", [(0, 0), (None, 0), (0, None), (1, -1), (None, 1)])
@pytest.mark.parametrize("left_side", [True, False])
def test_vmap_triangular_solve(in_axes, left_side):
    a = well_conditioned(17, (3, 3))
    b = rand(18, (3, 3))
    args = [a if ax is None else _stack(np.stack([a, a + np.eye(3, dtype=np.float32)]), ax)
            for ax in in_axes[:1]]
    args += [b if ax is None else _stack(np.stack([b, 2 * b]), ax) for ax in in_axes[1:]]
    # With one a for all examples, the batch folds into b's columns (or rows): a transpose
    # and reshapes around one solve.
    check_vmap(lambda a, b: linalg.triangular_solve(a, b, left_side=left_side, lower=True),
               args, in_axes, slack=4)


def test_vmap_of_grad_matches_a_loop():
    a = spd(19, (2, 3, 3))
    f = jax.grad(lambda a: linalg.cholesky(a).sum())
    assert_allclose(jax.vmap(f)(a), loop(f, a), rtol=1e-4, atol=1e-4)


def test_vmap_of_jit_equals_jit_of_vmap_and_pivots():
    a = spd(21, (2, 3, 3))
    f = lambda a: linalg.svd(a, compute_uv=False)  # noqa: E731
    assert_allclose(jax.vmap(jax.jit(f))(a), jax.jit(jax.vmap(f))(a), rtol=1e-6, atol=1e-6)
    pivots = np.array([[2, 2, 2], [1, 1, 2]], np.int32)
    check_vmap(lambda p: linalg.lu_pivots_to_permutation(p, 3), (pivots.T,), (1,))


def test_nested_vmap():
    a = spd(20, (2, 2, 3, 3))
    out = jax.vmap(jax.vmap(linalg.cholesky))(a)
    assert_allclose(out, np.linalg.cholesky(a), rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------------------------------------
# Errors.

def test_non_square_input_is_an_error():
    with pytest.raises(ValueError, match=r"cholesky.*square.*\(2, 3\)"):
        linalg.cholesky(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"eigh.*square.*\(3, 4\)"):
        linalg.eigh(np.ones((3, 4), np.float32))
    with pytest.raises(ValueError, match=r"triangular_solve: a must be a square.*\(3, 2\)"):
        linalg.triangular_solve(np.ones((3, 2), np.float32), np.ones((3, 2), np.float32))


def test_rank_and_dtype_errors():
    with pytest.raises(ValueError, match=r"qr: its argument must have rank >= 2.*\(3,\)"):
        linalg.qr(np.ones(3, np.float32))
    with pytest.raises(TypeError, match="svd: its argument has dtype int32"):
        linalg.svd(np.ones((3, 3), np.int32))
    with pytest.raises(TypeError, match="lu: its argument has dtype float16"):
        linalg.lu(np.ones((3, 3), np.float16))
    with pytest.raises(TypeError, match="same dtype"):
        linalg.triangular_solve(np.eye(3, dtype=np.float32), np.ones((3, 3), np.complex64))


def test_mismatched_batch_dimensions_are_an_error():
    with pytest.raises(ValueError, match=r"same batch dimensions.*\(3, 3\).*\(2, 3, 3\)"):
        linalg.triangular_solve(np.eye(3, dtype=np.float32), np.ones((2, 3, 3), np.float32))
    with pytest.raises(ValueError, match=r"b must have as many rows.*\(4, 3\)"):
        linalg.triangular_solve(np.eye(3, dtype=np.float32), np.ones((4, 3), np.float32),
                                left_side=True)
