"""jaxlike.scipy.linalg: SciPy's linear algebra on jaxlike arrays (JAX's subset and
conventions: factors come back with the unused triangle zeroed, `overwrite_*` and
`check_finite` are accepted and ignored).

Built on lax.linalg's primitives and jnp.linalg; `expm` is the scaling-and-squaring Pade
method (Higham 2005) with a fixed degree per precision.
"""
import numpy as np

from jaxlike import dtypes, lax
from jaxlike.core import get_aval
from jaxlike.lax import linalg as lax_linalg
from jaxlike.numpy import linalg as jnp_linalg
from jaxlike.numpy import creation as _creation
from jaxlike.numpy import reductions as _reductions
from jaxlike.numpy import shapes as _shapes
from jaxlike.numpy import ufuncs as _ufuncs

__all__ = ["block_diag", "cho_factor", "cho_solve", "cholesky", "det", "eigh", "expm", "inv",
           "lu", "lu_factor", "lu_solve", "qr", "solve", "solve_triangular", "svd"]

det = jnp_linalg.det


def inv(a, overwrite_a=False, check_finite=True):
    """Returns the inverses of the square matrices a."""
    return jnp_linalg.inv(a)


def svd(a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True,
        lapack_driver="gesdd"):
    """Returns (u, s, vh) with a = u @ diag(s) @ vh, or s alone when not `compute_uv`."""
    result = jnp_linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    return tuple(result) if compute_uv else result


# ---------------------------------------------------------------------------------------------
# Cholesky.

def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """Returns the Cholesky factor of the Hermitian positive-definite matrices a: upper U
    with a = U^H U (default), or lower L with a = L L^H when `lower`. As in SciPy, only
    the triangle of a on the factor's side is read (a is not symmetrized)."""
    a = jnp_linalg.as_matrix("jax.scipy.linalg.cholesky", a, square=True)
    if lower:
        return lax_linalg.cholesky(a, symmetrize_input=False)
    return lax_linalg.adjoint(lax_linalg.cholesky(lax_linalg.adjoint(a),
                                                  symmetrize_input=False))


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """Returns (c, lower): the Cholesky factor of a (see `cholesky`) for `cho_solve`."""
    return cholesky(a, lower=lower), lower


def _as_rhs(fname, a, b):
    """Returns (a, b as matrices, whether b was a vector) with b's rows checked against a's
    size and the batch axes broadcast."""
    a, b = jnp_linalg.as_inexact(fname, a, b)
    a_aval, b_aval = get_aval(a), get_aval(b)
    lax_linalg.check_matrix(fname, a_aval, square=True, what="a")
    vector = b_aval.ndim == 1
    if vector:
        b = b[:, None]
    elif b_aval.ndim < 1:
        raise ValueError(f"{fname}: b must be a vector or matrices, got shape {b_aval.shape}.")
    if get_aval(b).shape[-2] != a_aval.shape[-1]:
        raise ValueError(f"{fname}: a has shape {a_aval.shape} but b has shape "
                         f"{b_aval.shape}; b needs {a_aval.shape[-1]} rows.")
    a, b = jnp_linalg.broadcast_batch(fname, a, b)
    return a, b, vector


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """Returns x solving A x = b given (c, lower) = cho_factor(A)."""
    c, lower = c_and_lower
    c, b, vector = _as_rhs("jax.scipy.linalg.cho_solve", c, b)
    ts = lax_linalg.triangular_solve
    # A = L L^H (or U^H U): solve with the factor, then with its conjugate transpose.
    y = ts(c, b, left_side=True, lower=lower, transpose_a=not lower, conjugate_a=not lower)
    x = ts(c, y, left_side=True, lower=lower, transpose_a=lower, conjugate_a=lower)
    return x[..., 0] if vector else x


# ---------------------------------------------------------------------------------------------
# Triangular and general solves.

_TRANS = {0: 0, "N": 0, 1: 1, "T": 1, 2: 2, "C": 2}


def _trans_code(fname, trans):
    try:
        return _TRANS[trans]
    except (KeyError, TypeError):
        raise ValueError(f"{fname}: trans must be 0, 1, 2, 'N', 'T' or 'C', got "
                         f"{trans!r}.") from None


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     debug=None, check_finite=True):
    """Returns x solving op(a) x = b for triangular a (its `lower` or upper triangle is
    read), op = identity, transpose (trans=1/'T') or conjugate transpose (2/'C'); b is a
    vector (n,) or matrices (..., n, k)."""
    fname = "jax.scipy.linalg.solve_triangular"
    code = _trans_code(fname, trans)
    a, b, vector = _as_rhs(fname, a, b)
    x = lax_linalg.triangular_solve(a, b, left_side=True, lower=lower, transpose_a=code > 0,
                                    conjugate_a=code == 2, unit_diagonal=unit_diagonal)
    return x[..., 0] if vector else x


def solve(a, b, lower=False, overwrite_a=False, overwrite_b=False, debug=False,
          check_finite=True, assume_a="gen"):
    """Returns x solving a x = b; assume_a='pos' (or 'her'/'sym' positive definite) uses a
    Cholesky factorization, 'gen' an LU one."""
    if assume_a not in ("gen", "sym", "her", "pos"):
        raise ValueError(f"jax.scipy.linalg.solve: unknown assume_a={assume_a!r}; use 'gen', "
                         "'sym', 'her' or 'pos'.")
    if assume_a == "pos":
        return cho_solve(cho_factor(a, lower=lower), b)
    return jnp_linalg.solve(a, b)


# ---------------------------------------------------------------------------------------------
# LU.

def lu_factor(a, overwrite_a=False, check_finite=True):
    """Returns (lu, piv): the packed LU factors of the square matrices a (L below the
    diagonal, unit diagonal implied; U on and above it) and LAPACK's 0-based row swaps."""
    a = jnp_linalg.as_matrix("jax.scipy.linalg.lu_factor", a)
    lu_matrix, pivots, _ = lax_linalg.lu(a)
    return lu_matrix, pivots


def lu_solve(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    """Returns x solving op(A) x = b given (lu, piv) = lu_factor(A); op as in
    `solve_triangular`'s `trans`."""
    fname = "jax.scipy.linalg.lu_solve"
    lu_matrix, pivots = lu_and_piv
    code = _trans_code(fname, trans)
    lu_matrix, b, vector = _as_rhs(fname, lu_matrix, b)
    pivots = _shapes.broadcast_to(_creation.asarray(pivots), get_aval(lu_matrix).shape[:-1])
    perm = lax_linalg.lu_pivots_to_permutation(pivots, get_aval(lu_matrix).shape[-1])
    x = jnp_linalg.lu_solve_factored(lu_matrix, perm, b, code)
    return x[..., 0] if vector else x


def lu(a, permute_l=False, overwrite_a=False, check_finite=True):
    """Returns (p, l, u) with a = p @ l @ u (p a permutation matrix, l unit lower
    trapezoidal (m, k), u upper trapezoidal (k, n)), or (p @ l, u) when `permute_l`."""
    a = jnp_linalg.as_matrix("jax.scipy.linalg.lu", a)
    aval = get_aval(a)
    m, n = aval.shape[-2:]
    k = min(m, n)
    lu_matrix, _, perm = lax_linalg.lu(a)
    lower = lax_linalg.tril(lu_matrix[..., :, :k], -1) + _creation.eye(m, k, dtype=aval.dtype)
    upper = lax_linalg.triu(lu_matrix[..., :k, :])
    # p[perm[i], i] = 1, so that (p @ l @ u)[perm] = l @ u.
    p = _swap_last(lax_linalg.permutation_matrix(perm, aval.dtype))
    if permute_l:
        return lax_linalg.matmul(p, lower), upper
    return p, lower, upper


def _swap_last(x):
    return _shapes.swapaxes(x, -1, -2)


# ---------------------------------------------------------------------------------------------
# QR and eigh.

def qr(a, overwrite_a=False, lwork=None, mode="full", pivoting=False, check_finite=True):
    """Returns (q, r) with a = q @ r: full q (m, m) and r (m, n) for mode 'full', reduced
    for 'economic'; (r,) alone (full size) for 'r'."""
    fname = "jax.scipy.linalg.qr"
    if mode not in ("full", "economic", "r"):
        raise ValueError(f"{fname}: unsupported mode {mode!r}; use 'full', 'economic' or "
                         "'r'.")
    if pivoting:
        raise NotImplementedError(f"{fname}: pivoting=True is not supported by jaxlike.")
    a = jnp_linalg.as_matrix(fname, a)
    q, r = lax_linalg.qr(a, full_matrices=mode != "economic")
    return (r,) if mode == "r" else (q, r)


def eigh(a, b=None, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False,
         turbo=True, eigvals=None, type=1, check_finite=True):  # noqa: A002 -- SciPy's name
    """Returns (w, v), the eigenvalues (ascending) and eigenvectors (columns) of the
    Hermitian matrices a, or w alone when `eigvals_only`."""
    fname = "jax.scipy.linalg.eigh"
    if b is not None:
        raise NotImplementedError(f"{fname}: the generalized problem (b) is not supported.")
    if eigvals is not None:
        raise NotImplementedError(f"{fname}: eigvals (a subset) is not supported.")
    a = jnp_linalg.as_matrix(fname, a, square=True)
    v, w = lax_linalg.eigh(a, lower=lower)
    return w if eigvals_only else (w, v)


# ---------------------------------------------------------------------------------------------
# expm.

# Pade coefficients b_0..b_q of exp (Higham 2005) and the largest 1-norm theta_q for which
# the degree-q approximant is accurate to the unit roundoff of the precision using it.
_PADE = {
    7: ((17297280., 8648640., 1995840., 277200., 25200., 1512., 56., 1.),
        3.925724783138660),
    13: ((64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
          129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
          40840800., 960960., 16380., 182., 1.), 5.371920351148152),
}


def _pade(a, degree):
    """Returns (P, Q), numerator and denominator of the degree-`degree` Pade approximant
    of exp at a: P = V + U, Q = V - U with U odd and V even in a."""
    b = _PADE[degree][0]
    mm = lax_linalg.matmul
    eye = _shapes.broadcast_to(_creation.eye(get_aval(a).shape[-1], dtype=a.dtype),
                               get_aval(a).shape)
    a2 = mm(a, a)
    a4 = mm(a2, a2)
    a6 = mm(a4, a2)
    if degree == 7:
        u = mm(a, b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
        v = b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    else:
        u = mm(a, mm(a6, b[13] * a6 + b[11] * a4 + b[9] * a2)
               + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
        v = (mm(a6, b[12] * a6 + b[10] * a4 + b[8] * a2)
             + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye)
    return v + u, v - u


def expm(A, *, upper_triangular=False, max_squarings=16):  # noqa: N803 -- SciPy's name
    """Returns the matrix exponentials of the square matrices A by scaling and squaring:
    exp(A) = r(A / 2^s)^(2^s) with r the Pade approximant (degree 13 in double precision,
    7 in single) and s the fewest squarings that bring the 1-norm within its range. NaN
    where more than `max_squarings` squarings would be needed."""
    a = jnp_linalg.as_matrix("jax.scipy.linalg.expm", A, square=True, what="A")
    aval = get_aval(a)
    degree = 13 if lax_linalg.real_dtype(aval.dtype) == np.float64 else 7
    norm1 = _reductions.max(_reductions.sum(_ufuncs.abs(a), axis=-2), axis=-1)
    # s = max(0, ceil(log2(|A|_1 / theta))): a step function, so no derivative flows here.
    ratio = lax.stop_gradient(norm1) / _PADE[degree][1]
    squarings = _ufuncs.maximum(0, _ufuncs.ceil(_ufuncs.log2(ratio)))
    squarings = _ufuncs.where(_ufuncs.isfinite(squarings), squarings, 0)
    scale = _ufuncs.exp2(squarings).astype(aval.dtype)[..., None, None]
    p, q = _pade(a / scale, degree)
    r = jnp_linalg.solve(q, p)
    count = squarings.astype(np.int32)[..., None, None]

    def square(i, r):
        return _ufuncs.where(i < count, lax_linalg.matmul(r, r), r)

    r = lax.fori_loop(0, max_squarings, square, r)
    return _ufuncs.where(count > max_squarings, np.nan, r)


def block_diag(*arrs):
    """Returns the block-diagonal matrix with the given 2-D (or lower-rank) blocks."""
    if not arrs:
        return _creation.zeros((1, 0))
    blocks = [_shapes.atleast_2d(_creation.asarray(x)) for x in arrs]
    for x in blocks:
        if get_aval(x).ndim != 2:
            raise ValueError("jax.scipy.linalg.block_diag: arguments must have rank <= 2, "
                             f"got shape {get_aval(x).shape}.")
    dtype = dtypes.result_type(*blocks)
    cols = sum(get_aval(x).shape[1] for x in blocks)
    rows, start = [], 0
    for x in blocks:
        c = get_aval(x).shape[1]
        rows.append(lax.pad(x.astype(dtype), np.zeros((), dtype),
                            [(0, 0, 0), (start, cols - start - c, 0)]))
        start += c
    return _shapes.concatenate(rows, axis=0)
