"""jaxlike.scipy.linalg against scipy.linalg on random well-conditioned inputs, eagerly and
under jit, batched where the function batches; expm's derivatives against finite differences;
and the errors. Matrices are 3 x 3 (batched 2 x 3 x 3) and 4 x 3.
"""
import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlike as jax
import jaxlike.scipy.linalg as jsl
from jaxlike.test_util import check_grads

import linalg_helpers
from helpers import assert_allclose
from linalg_helpers import rand, spd, well_conditioned

seeds = st.integers(0, 2**32 - 1)
few = settings(max_examples=4)
TOL = 2e-4


def check(fun, args, expected, tol=TOL):
    """Asserts fun(*args) and jit(fun)(*args) equal `expected`, leaf by leaf."""
    linalg_helpers.check(fun, args, expected, tol)


@pytest.mark.parametrize("lower", [False, True])
@given(seed=seeds)
@few
def test_cho_factor_and_cho_solve(lower, seed):
    a, b = spd(seed, (3, 3)), rand(seed + 1, (3, 2))
    check(lambda a: jsl.cholesky(a, lower=lower), (a,), scipy.linalg.cholesky(a, lower=lower))
    expected = scipy.linalg.cho_solve(scipy.linalg.cho_factor(a, lower=lower), b)
    check(lambda a, b: jsl.cho_solve(jsl.cho_factor(a, lower=lower), b), (a, b), expected)
    check(lambda a, b: jsl.cho_solve(jsl.cho_factor(a, lower=lower), b[:, 0]), (a, b),
          expected[:, 0])


def test_cho_solve_batched():
    a, b = spd(0, (2, 3, 3)), rand(1, (2, 3, 2))
    expected = np.linalg.solve(a, b)
    check(lambda a, b: jsl.cho_solve(jsl.cho_factor(a), b), (a, b), expected)
    check(lambda a, b: jsl.solve(a, b, assume_a="pos"), (a, b), expected)


@pytest.mark.parametrize("trans", [0, 1, 2, "T"])
@pytest.mark.parametrize("lower", [False, True])
def test_solve_triangular(trans, lower):
    a, b = well_conditioned(2, (3, 3)), rand(3, (3, 2))
    for unit in (False, True):
        expected = scipy.linalg.solve_triangular(a, b, trans=trans, lower=lower,
                                                 unit_diagonal=unit)
        check(lambda a, b: jsl.solve_triangular(a, b, trans=trans, lower=lower,
                                                unit_diagonal=unit), (a, b), expected)


@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 4)])
def test_lu(shape):
    a = rand(4, shape)
    check(jsl.lu, (a,), scipy.linalg.lu(a))
    check(lambda a: jsl.lu(a, permute_l=True), (a,), scipy.linalg.lu(a, permute_l=True))


@given(seed=seeds)
@few
def test_lu_factor_and_lu_solve(seed):
    a, b = well_conditioned(seed, (3, 3)), rand(seed + 1, (3, 2))
    lu, piv = scipy.linalg.lu_factor(a)
    check(jsl.lu_factor, (a,), (lu, piv.astype(np.int32)))
    for trans in (0, 1, 2):
        expected = scipy.linalg.lu_solve((lu, piv), b, trans=trans)
        check(lambda a, b: jsl.lu_solve(jsl.lu_factor(a), b, trans=trans), (a, b), expected)


def test_lu_solve_batched():
    a, b = well_conditioned(5, (2, 3, 3)), rand(6, (2, 3, 2))
    check(lambda a, b: jsl.lu_solve(jsl.lu_factor(a), b), (a, b), np.linalg.solve(a, b))


@pytest.mark.parametrize("mode", ["full", "economic", "r"])
def test_qr(mode):
    a = rand(7, (4, 3))
    check(lambda a: jsl.qr(a, mode=mode), (a,), scipy.linalg.qr(a, mode=mode))


def test_eigh_svd_det_inv_solve():
    a = rand(8, (3, 3))
    h = (a + a.T) / 2
    w, v = jsl.eigh(h)
    assert_allclose(w, scipy.linalg.eigh(h, eigvals_only=True), rtol=TOL, atol=TOL)
    assert_allclose((np.asarray(v) * np.asarray(w)) @ np.asarray(v).T, h, rtol=TOL, atol=TOL)
    check(lambda h: jsl.eigh(h, eigvals_only=True), (h,), scipy.linalg.eigh(h,
                                                                            eigvals_only=True))
    check(lambda a: jsl.svd(a, compute_uv=False), (a,), scipy.linalg.svd(a, compute_uv=False))
    check(jsl.det, (a,), scipy.linalg.det(a))
    check(jsl.inv, (a,), scipy.linalg.inv(a), tol=1e-3)
    b = well_conditioned(9, (3, 3))
    check(jsl.solve, (b, a), scipy.linalg.solve(b, a))


@pytest.mark.parametrize("scale", [0.1, 1.0, 30.0])
def test_expm(scale):
    # scale 30 needs several squarings.
    a = rand(10, (3, 3)) * scale
    expected = scipy.linalg.expm(a.astype(np.float64))
    rtol = 1e-4 * max(1.0, scale)
    out = jsl.expm(a)
    assert out.dtype == np.float32
    assert_allclose(np.asarray(out) / np.abs(expected).max(), expected / np.abs(expected).max(),
                    rtol=rtol, atol=rtol, check_dtype=False)
    assert_allclose(np.asarray(jax.jit(jsl.expm)(a)), out, rtol=1e-6, atol=1e-6)


@pytest.mark.usefixtures("x64")
def test_expm_float64_batched_and_grads():
    a = rand(11, (2, 3, 3), np.float64) * np.array([0.5, 8.0])[:, None, None]
    check(jsl.expm, (a,), np.stack([scipy.linalg.expm(x) for x in a]), tol=1e-11)
    expm = jax.jit(jsl.expm)  # one compile serves the finite differences and the rotation
    check_grads(expm, (a[1],), order=1)
    rotation = expm(np.array([[0., -1., 0.], [1., 0., 0.], [0., 0., 0.]]))
    c, s = np.cos(1), np.sin(1)
    assert_allclose(rotation, [[c, -s, 0], [s, c, 0], [0, 0, 1]], rtol=1e-14, atol=1e-14)


def test_expm_beyond_max_squarings_is_nan():
    out = jsl.expm(np.diag(np.array([1e6, 1., 1.], np.float32)))
    assert np.isnan(np.asarray(out)).all()


def test_block_diag():
    blocks = (np.ones((2, 2), np.float32), np.full((1, 3), 2, np.float32), np.float32(5))
    check(jsl.block_diag, blocks, scipy.linalg.block_diag(*blocks))


def test_errors():
    with pytest.raises(ValueError, match=r"cho_solve: a has shape \(3, 3\) but b has shape "
                                         r"\(4, 2\)"):
        jsl.cho_solve((np.eye(3, dtype=np.float32), False), np.ones((4, 2), np.float32))
    with pytest.raises(ValueError, match=r"lu_solve: the batch dimensions of a \(2, 3, 3\) "
                                         r"and b \(5, 3, 1\) do not broadcast"):
        jsl.lu_solve((np.ones((2, 3, 3), np.float32), np.zeros((2, 3), np.int32)),
                     np.ones((5, 3, 1), np.float32))
    with pytest.raises(ValueError, match="trans must be 0, 1, 2"):
        jsl.solve_triangular(np.eye(3, dtype=np.float32), np.ones(3, np.float32), trans=3)
    with pytest.raises(ValueError, match=r"expm: A must be a square.*\(2, 3\)"):
        jsl.expm(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="unsupported mode 'reduced'"):
        jsl.qr(np.ones((3, 3), np.float32), mode="reduced")
    with pytest.raises(ValueError, match="unknown assume_a='diag'"):
        jsl.solve(np.eye(3, dtype=np.float32), np.ones(3, np.float32), assume_a="diag")
