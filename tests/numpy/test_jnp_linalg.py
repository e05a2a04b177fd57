"""jnp.linalg against numpy.linalg on random well-conditioned inputs, eagerly and under jit,
in float32 (float64 where noted), batched; derivatives of solve, inv, det (also at a singular
matrix), slogdet and pinv against finite differences; vmap against a loop; and the errors.

Matrices are 3 x 3 (batched 2 x 3 x 3) and 4 x 3; hypothesis varies values only.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike.test_util import check_grads

import linalg_helpers
from helpers import assert_allclose
from linalg_helpers import rand, spd, well_conditioned
from vmap_helpers import loop

seeds = st.integers(0, 2**32 - 1)
few = settings(max_examples=4)
TOL = 2e-4


def check(fun, args, expected, tol=TOL):
    """Asserts fun(*args) and jit(fun)(*args) equal `expected`, leaf by leaf."""
    linalg_helpers.check(fun, args, expected, tol)


# ---------------------------------------------------------------------------------------------
# Solving and inverting.

@given(seed=seeds)
@few
def test_solve(seed):
    a, b = well_conditioned(seed, (2, 3, 3)), rand(seed + 1, (2, 3, 2))
    check(jnp.linalg.solve, (a, b), np.linalg.solve(a, b))
    check(jnp.linalg.solve, (a[0], b[0, :, 0]), np.linalg.solve(a[0], b[0, :, 0]))


def test_solve_broadcasts_batch_dimensions():
    a, b = well_conditioned(0, (2, 3, 3)), rand(1, (3, 2))
    check(jnp.linalg.solve, (a, b), np.linalg.solve(a, b))


@given(seed=seeds)
@few
def test_inv(seed):
    a = well_conditioned(seed, (2, 3, 3))
    check(jnp.linalg.inv, (a,), np.linalg.inv(a))


@pytest.mark.usefixtures("x64")
def test_float64_solve_inv_det():
    a, b = well_conditioned(22, (3, 3), np.float64), rand(23, (3, 2), np.float64)
    check(jnp.linalg.solve, (a, b), np.linalg.solve(a, b), tol=1e-12)
    check(jnp.linalg.inv, (a,), np.linalg.inv(a), tol=1e-12)
    check(jnp.linalg.det, (a,), np.linalg.det(a), tol=1e-12)
    check(jnp.linalg.slogdet, (a,), tuple(np.linalg.slogdet(a)), tol=1e-12)


def test_integer_inputs_are_promoted():
    a = np.array([[2, 1, 0], [1, 3, 0], [0, 1, 4]], np.int32)
    out = jnp.linalg.inv(a)
    assert out.dtype == np.float32
    assert_allclose(out, np.linalg.inv(a).astype(np.float32), rtol=1e-6, atol=1e-6)
    assert jnp.linalg.det(a).dtype == np.float32


def test_singular_matrices_give_inf_or_nan():
    s = np.array([[1., 2., 3.], [2., 4., 6.], [1., 0., 1.]], np.float32)
    assert not np.isfinite(np.asarray(jnp.linalg.inv(s))).all()
    assert not np.isfinite(np.asarray(jnp.linalg.solve(s, np.ones(3, np.float32)))).all()


# ---------------------------------------------------------------------------------------------
# Determinants.

@given(seed=seeds)
@few
def test_det_and_slogdet(seed):
    a = rand(seed, (2, 3, 3))
    check(jnp.linalg.det, (a,), np.linalg.det(a))
    check(jnp.linalg.slogdet, (a,), tuple(np.linalg.slogdet(a)))


def test_slogdet_complex():
    a = rand(2, (3, 3), np.complex64)
    sign, logdet = jnp.linalg.slogdet(a)
    ref_sign, ref_logdet = np.linalg.slogdet(a)
    assert_allclose(sign, ref_sign, rtol=TOL, atol=TOL)
    assert_allclose(logdet, np.float32(ref_logdet), rtol=TOL, atol=TOL)


def test_det_of_singular_matrices():
    s = np.array([[1., 2., 3.], [2., 4., 6.], [1., 0., 1.]], np.float32)
    assert float(jnp.linalg.det(s)) == 0
    sign, logdet = jnp.linalg.slogdet(s)
    assert float(sign) == 0 and float(logdet) == -np.inf


@pytest.mark.usefixtures("x64")
def test_determinant_grads():
    a = well_conditioned(3, (3, 3), np.float64)
    check_grads(jnp.linalg.det, (a,), order=2)
    check_grads(lambda a: jnp.linalg.slogdet(a)[1], (a,), order=1)


@pytest.mark.usefixtures("x64")
def test_det_grad_at_a_rank_deficient_matrix_is_the_cofactor_matrix():
    # Rank 2: det vanishes, but its gradient (the cofactor matrix) does not.
    s = np.array([[1., 2., 3.], [2., 4., 6.], [1., 0., 1.]])
    cofactors = np.array([[4., 4., -4.], [-2., -2., 2.], [0., 0., 0.]])
    assert_allclose(jax.grad(jnp.linalg.det)(s), cofactors, rtol=1e-12, atol=1e-12)


@pytest.mark.usefixtures("x64")
def test_solve_and_inv_grads():
    a, b = well_conditioned(4, (3, 3), np.float64), rand(5, (3, 2), np.float64)
    check_grads(jnp.linalg.solve, (a, b), order=2)
    check_grads(jnp.linalg.inv, (a,), order=1)


# ---------------------------------------------------------------------------------------------
# Decompositions.

def test_cholesky_lower_and_upper():
    a = spd(6, (2, 3, 3))
    lower = np.linalg.cholesky(a)
    check(jnp.linalg.cholesky, (a,), lower)
    check(lambda a: jnp.linalg.cholesky(a, upper=True), (a,), np.swapaxes(lower, -1, -2))


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_and_eigvalsh(uplo):
    a = rand(7, (2, 3, 3))
    a = (a + np.swapaxes(a, -1, -2)) / 2
    w, v = jnp.linalg.eigh(a, UPLO=uplo)
    assert_allclose(w, np.linalg.eigvalsh(a), rtol=TOL, atol=TOL)
    assert_allclose((np.asarray(v) * np.asarray(w)[..., None, :]) @ np.swapaxes(v, -1, -2), a,
                    rtol=TOL, atol=TOL)
    check(lambda a: jnp.linalg.eigvalsh(a, UPLO=uplo), (a,), np.linalg.eigvalsh(a))


def test_eig_and_eigvals():
    a = rand(24, (2, 3, 3))
    a[1] = [[0., -2., 0.], [2., 0., 0.], [0., 0., 1.]]  # eigenvalues +-2i and 1
    w, v = jnp.linalg.eig(a)
    assert w.dtype == v.dtype == np.complex64
    v, w = np.asarray(v), np.asarray(w)
    assert_allclose(a @ v, v * w[..., None, :], rtol=TOL, atol=TOL)
    expected = np.linalg.eigvals(a)
    for got in (jnp.linalg.eigvals(a), jax.jit(jnp.linalg.eigvals)(a)):
        got = np.asarray(got)
        for i in range(2):  # LAPACK's order, compared as sets
            assert_allclose(np.sort_complex(got[i]), np.sort_complex(expected[i]).astype(
                np.complex64), rtol=TOL, atol=TOL)


@pytest.mark.usefixtures("x64")
def test_eigvals_grads():
    check_grads(lambda a: jnp.linalg.eigvals(a).real, (rand(25, (3, 3), np.float64),),
                order=1)


@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
def test_qr_modes(mode):
    a = rand(8, (4, 3))
    check(lambda a: jnp.linalg.qr(a, mode=mode), (a,), np.linalg.qr(a, mode=mode))


def test_svd_and_svdvals():
    a = rand(9, (4, 3))
    u, s, vh = jnp.linalg.svd(a, full_matrices=False)
    assert_allclose((np.asarray(u) * np.asarray(s)) @ np.asarray(vh), a, rtol=TOL, atol=TOL)
    check(lambda a: jnp.linalg.svd(a, compute_uv=False), (a,), np.linalg.svdvals(a))
    check(jnp.linalg.svdvals, (a,), np.linalg.svdvals(a))
    h = a.T @ a - 5 * np.eye(3, dtype=np.float32)  # Hermitian, with negative eigenvalues
    u, s, vh = jnp.linalg.svd(h, hermitian=True)
    assert_allclose(s, np.linalg.svd(h, compute_uv=False), rtol=TOL, atol=TOL)
    assert_allclose((np.asarray(u) * np.asarray(s)) @ np.asarray(vh), h, rtol=TOL, atol=TOL)


# ---------------------------------------------------------------------------------------------
# Norms.

VECTOR_ORDS = [None, 1, 2, np.inf, -np.inf, 0, 3]
MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]


@pytest.mark.parametrize("ord", VECTOR_ORDS)
def test_vector_norms(ord):
    x = rand(10, (4, 3))
    x[0, 0] = 0
    check(lambda x: jnp.linalg.norm(x, ord, axis=1), (x,), np.linalg.norm(x, ord, axis=1))


@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norms(ord):
    x = rand(11, (4, 3))
    check(lambda x: jnp.linalg.norm(x, ord), (x,), np.linalg.norm(x, ord))


@pytest.mark.parametrize("ord", [None, "nuc", 1, -2, np.inf])
def test_batched_matrix_norms_with_axes_and_keepdims(ord):
    xs = rand(12, (2, 4, 3))
    check(lambda x: jnp.linalg.norm(x, ord, axis=(2, 1), keepdims=True), (xs,),
          np.linalg.norm(xs, ord, axis=(2, 1), keepdims=True))


def test_norm_of_all_elements_and_array_api_norms():
    x = rand(13, (2, 4, 3))
    check(jnp.linalg.norm, (x,), np.linalg.norm(x))
    check(lambda x: jnp.linalg.norm(x[0, 0], 1), (x,), np.linalg.norm(x[0, 0], 1))
    check(lambda x: jnp.linalg.vector_norm(x, ord=1), (x,), np.abs(x).sum())
    check(lambda x: jnp.linalg.matrix_norm(x, ord=2), (x,), np.linalg.norm(x, 2, axis=(1, 2)))


def test_cond():
    a = well_conditioned(14, (3, 3))
    check(jnp.linalg.cond, (a,), np.linalg.cond(a))
    check(lambda a: jnp.linalg.cond(a, "fro"), (a,), np.linalg.cond(a, "fro"), tol=1e-3)


# ---------------------------------------------------------------------------------------------
# Pseudo-inverse, rank, least squares, powers.

def test_pinv_rank_and_lstsq():
    a = rand(15, (4, 3))
    b = rand(16, (4, 2))
    check(jnp.linalg.pinv, (a,), np.linalg.pinv(a))
    low_rank = a[:, :2] @ rand(17, (2, 3))
    check(jnp.linalg.matrix_rank, (low_rank,), np.int32(np.linalg.matrix_rank(low_rank)))
    x, resid, rank, s = np.linalg.lstsq(a, b)
    check(jnp.linalg.lstsq, (a, b), (x, resid, np.int32(rank), s))
    x, resid, rank, s = np.linalg.lstsq(a, b[:, 0])
    out = jnp.linalg.lstsq(a, b[:, 0])
    assert_allclose(out[0], x, rtol=TOL, atol=TOL)
    assert int(out[2]) == rank


@pytest.mark.usefixtures("x64")
def test_pinv_grads():
    check_grads(jnp.linalg.pinv, (rand(18, (4, 3), np.float64),), order=1)


@pytest.mark.parametrize("n", [-2, 0, 1, 3])
def test_matrix_power(n):
    a = well_conditioned(19, (2, 3, 3)) / 3
    check(lambda a: jnp.linalg.matrix_power(a, n), (a,), np.linalg.matrix_power(a, n))


def test_tensor_functions_and_reexports():
    a = well_conditioned(26, (6, 6)).reshape(2, 3, 6)
    check(lambda a: jnp.linalg.tensorinv(a, ind=2), (a,), np.linalg.tensorinv(a, ind=2))
    b = rand(27, (2, 3))
    check(jnp.linalg.tensorsolve, (a.reshape(2, 3, 2, 3), b),
          np.linalg.tensorsolve(a.reshape(2, 3, 2, 3), b))
    x, y = rand(28, (4, 3)), rand(29, (4, 3))
    check(jnp.linalg.cross, (x, y), np.linalg.cross(x, y))
    check(lambda x: jnp.linalg.trace(x[:3]), (x,), np.linalg.trace(x[:3]))


# ---------------------------------------------------------------------------------------------
# vmap.

def test_vmap_solve_det_and_grad_det():
    a, b = well_conditioned(20, (2, 3, 3)), rand(21, (2, 3))
    assert_allclose(jax.vmap(jnp.linalg.solve)(a, b), loop(jnp.linalg.solve, a, b),
                    rtol=TOL, atol=TOL)
    assert_allclose(jax.vmap(jnp.linalg.solve, in_axes=(None, 0))(a[0], b),
                    loop(jnp.linalg.solve, a[0], b, in_axes=(None, 0)), rtol=TOL, atol=TOL)
    assert_allclose(jax.jit(jax.vmap(jnp.linalg.det))(a), loop(jnp.linalg.det, a),
                    rtol=TOL, atol=TOL)
    g = jax.grad(jnp.linalg.det)
    assert_allclose(jax.vmap(g)(a), loop(g, a), rtol=TOL, atol=TOL)


# ---------------------------------------------------------------------------------------------
# Errors.

def test_square_only_functions_reject_rectangular_input():
    for name in ("inv", "det", "slogdet", "cholesky", "eigh", "eigvalsh"):
        with pytest.raises(ValueError, match=rf"jnp.linalg.{name}: a must be a square.*"
                                             r"\(2, 3\)"):
            getattr(jnp.linalg, name)(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"matrix_power: a must be a square.*\(2, 3\)"):
        jnp.linalg.matrix_power(np.ones((2, 3), np.float32), 2)


def test_solve_shape_errors():
    with pytest.raises(ValueError, match=r"solve: a has shape \(3, 3\) but b has shape "
                                         r"\(4,\)"):
        jnp.linalg.solve(np.eye(3, dtype=np.float32), np.ones(4, np.float32))
    with pytest.raises(ValueError, match=r"batch dimensions of a \(2, 3, 3\) and b "
                                         r"\(4, 3, 1\) do not broadcast"):
        jnp.linalg.solve(np.ones((2, 3, 3), np.float32), np.ones((4, 3, 1), np.float32))
    with pytest.raises(ValueError, match=r"solve: a must have rank >= 2.*\(3,\)"):
        jnp.linalg.solve(np.ones(3, np.float32), np.ones(3, np.float32))


def test_argument_errors():
    with pytest.raises(ValueError, match="invalid order 3 for a matrix norm"):
        jnp.linalg.norm(np.ones((3, 3), np.float32), 3)
    with pytest.raises(ValueError, match="'fro' for a vector norm"):
        jnp.linalg.norm(np.ones(3, np.float32), "fro")
    with pytest.raises(ValueError, match="axis=.* names 3 axes"):
        jnp.linalg.norm(np.ones((2, 2, 2), np.float32), axis=(0, 1, 2))
    with pytest.raises(ValueError, match="unsupported mode 'foo'"):
        jnp.linalg.qr(np.ones((3, 3), np.float32), mode="foo")
    with pytest.raises(TypeError, match="dtype float16"):
        jnp.linalg.inv(np.eye(3, dtype=np.float16))
    with pytest.raises(ValueError, match="UPLO must be 'L' or 'U'"):
        jnp.linalg.eigh(np.eye(3, dtype=np.float32), UPLO="X")
