"""jnp.linalg: NumPy's linear algebra on jaxlike arrays, built on lax.linalg's primitives.

Every function works on stacks of matrices (the last two axes; the leading ones are batch
axes) and promotes integer inputs to float. Functions that solve or invert read an LU
factorization; `solve`, `det` and `slogdet` have custom derivative rules (implicit
differentiation of the solve, the adjugate for `det`, which stays defined for matrices of
rank n - 1), as JAX's do. Singular matrices give inf/NaN, never an error.
"""
from collections import namedtuple

import numpy as np

from jaxlike import dtypes, lax
from jaxlike.core import get_aval
from jaxlike.custom_derivatives import custom_jvp
from jaxlike.lax import linalg as lax_linalg
from jaxlike.numpy import _util
from jaxlike.numpy import contractions as _contractions
from jaxlike.numpy import creation as _creation
from jaxlike.numpy import indexing_ops as _indexing_ops
from jaxlike.numpy import math_extra as _math_extra
from jaxlike.numpy import reductions as _reductions
from jaxlike.numpy import shapes as _shapes
from jaxlike.numpy import ufuncs as _ufuncs

__all__ = [
    "cholesky", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals", "eigvalsh", "inv",
    "lstsq", "matmul",
    "matrix_norm", "matrix_power", "matrix_rank", "matrix_transpose", "multi_dot", "norm",
    "outer", "pinv", "qr", "slogdet", "solve", "svd", "svdvals", "tensordot", "tensorinv",
    "tensorsolve", "trace",
    "vecdot", "vector_norm", "EigResult", "EighResult", "QRResult", "SlogdetResult", "SVDResult",
]

EigResult = namedtuple("EigResult", ["eigenvalues", "eigenvectors"])
EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
QRResult = namedtuple("QRResult", ["Q", "R"])
SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])

matmul = _contractions.matmul
tensordot = _contractions.tensordot
vecdot = _contractions.vecdot
outer = _contractions.outer


# ---------------------------------------------------------------------------------------------
# Argument handling.

def as_inexact(fname, *args):
    """Returns the args as arrays promoted to one inexact dtype (no shape broadcasting)."""
    _util.check_arraylike(fname, *args)
    return [_creation.asarray(x) for x in _util.promote_to_inexact(*args)]


def as_matrix(fname, a, square=False, what="a"):
    """Returns `a` as an inexact array checked to be a (square) matrix stack."""
    a, = as_inexact(fname, a)
    lax_linalg.check_matrix(fname, get_aval(a), square=square, what=what)
    return a


def broadcast_batch(fname, a, b, a_name="a", b_name="b"):
    """Returns (a, b), two matrix stacks whose batch axes are broadcast to a common shape;
    raises ValueError naming both shapes when the batch axes do not broadcast."""
    sa, sb = get_aval(a).shape, get_aval(b).shape
    try:
        batch = _util.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        raise ValueError(f"{fname}: the batch dimensions of {a_name} {sa} and {b_name} {sb} "
                         "do not broadcast (the last two axes are the matrices).") from None
    return (_shapes.broadcast_to(a, batch + sa[-2:]), _shapes.broadcast_to(b, batch + sb[-2:]))


def _swap(x):
    return _shapes.swapaxes(x, -1, -2)


def _adjoint(x):
    return lax_linalg.adjoint(x)


def _eye_stack(n, batch, dtype):
    return _shapes.broadcast_to(_creation.eye(n, dtype=dtype), tuple(batch) + (n, n))


# ---------------------------------------------------------------------------------------------
# LU-based solves.

def _inverse_permutation(perm):
    """Returns the inverse of the permutations along perm's last axis."""
    aval = get_aval(perm)
    iota = lax.broadcasted_iota(np.int32, aval.shape, aval.ndim - 1)
    return lax.sort_key_val(perm, iota, dimension=aval.ndim - 1)[1]


def _permute_rows(x, perm):
    """Returns x[..., perm, :] for per-matrix permutations perm (..., m)."""
    return _indexing_ops.take_along_axis(x, perm[..., None], axis=-2)


def lu_solve_factored(lu, perm, b, trans=0):
    """Returns x solving op(A) x = b for A = P^T L U given packed `lu` and its row
    `permutation` (P A = L U), with op(A) = A, A^T (trans=1) or A^H (trans=2). b is a matrix
    stack with lu's batch axes."""
    ts = lax_linalg.triangular_solve
    if trans == 0:
        y = ts(lu, _permute_rows(b, perm), left_side=True, lower=True, unit_diagonal=True)
        return ts(lu, y, left_side=True, lower=False)
    conj = trans == 2
    y = ts(lu, b, left_side=True, lower=False, transpose_a=True, conjugate_a=conj)
    y = ts(lu, y, left_side=True, lower=True, unit_diagonal=True, transpose_a=True,
           conjugate_a=conj)
    return _permute_rows(y, _inverse_permutation(perm))


@custom_jvp
def _solve(a, b):
    lu, _, perm = lax_linalg.lu(a)
    return lu_solve_factored(lu, perm, b)


@_solve.defjvp
def _solve_jvp(primals, tangents):
    # x = A^-1 b, so dx = A^-1 (db - dA x): one more solve with the same factorization.
    a, b = primals
    da, db = tangents
    lu, _, perm = lax_linalg.lu(a)
    x = lu_solve_factored(lu, perm, b)
    return x, lu_solve_factored(lu, perm, db - lax_linalg.matmul(da, x))


def solve(a, b):
    """Returns x solving a @ x = b for square (..., n, n) a; b is a vector (n,) or a stack
    of matrices (..., n, k), whose batch axes broadcast against a's."""
    fname = "jnp.linalg.solve"
    a, b = as_inexact(fname, a, b)
    a_aval, b_aval = get_aval(a), get_aval(b)
    lax_linalg.check_matrix(fname, a_aval, square=True, what="a")
    n = a_aval.shape[-1]
    vector = b_aval.ndim == 1
    if vector:
        b = b[:, None]
    elif b_aval.ndim < 1:
        raise ValueError(f"{fname}: b must be a vector (n,) or matrices (..., n, k), got "
                         f"shape {b_aval.shape}.")
    if get_aval(b).shape[-2] != n:
        raise ValueError(f"{fname}: a has shape {a_aval.shape} but b has shape "
                         f"{b_aval.shape}; b needs {n} rows (shape (n,) or (..., n, k)). "
                         "For a stack of vectors use solve(a, b[..., None])[..., 0].")
    a, b = broadcast_batch(fname, a, b)
    x = _solve(a, b)
    return x[..., 0] if vector else x


def inv(a):
    """Returns the inverses of the square matrices a (..., n, n); inf/NaN for singular
    ones."""
    a = as_matrix("jnp.linalg.inv", a, square=True)
    aval = get_aval(a)
    return _solve(a, _eye_stack(aval.shape[-1], aval.shape[:-2], aval.dtype))


# ---------------------------------------------------------------------------------------------
# Determinants.

def _lu_parity(pivots):
    """Returns (-1) ** (number of row swaps), as int32 (..., )."""
    aval = get_aval(pivots)
    iota = lax.broadcasted_iota(np.int32, aval.shape, aval.ndim - 1)
    swaps = _reductions.count_nonzero(pivots != iota, axis=-1)
    return 1 - 2 * (swaps % 2)


@custom_jvp
def _slogdet(a):
    lu, pivots, _ = lax_linalg.lu(a)
    diag = lax_linalg.diagonal(lu)
    parity = _lu_parity(pivots).astype(get_aval(a).dtype)
    magnitude = _ufuncs.abs(diag)
    is_zero = _reductions.any(magnitude == 0, axis=-1)
    if dtypes.is_complex(get_aval(a).dtype):
        unit = diag / _ufuncs.where(magnitude == 0, 1, magnitude).astype(diag.dtype)
    else:
        unit = _ufuncs.sign(diag)
    sign = _ufuncs.where(is_zero, 0, parity * _reductions.prod(unit, axis=-1))
    logdet = _ufuncs.where(is_zero, -np.inf, _reductions.sum(_ufuncs.log(magnitude), axis=-1))
    return sign, logdet


@_slogdet.defjvp
def _slogdet_jvp(primals, tangents):
    a, = primals
    da, = tangents
    sign, logdet = _slogdet(a)
    # d log det A = trace(A^-1 dA); its real part moves log|det|, its imaginary part the sign.
    dlog = lax_linalg.diagonal(_solve(a, da)).sum(-1)
    if dtypes.is_complex(get_aval(a).dtype):
        return (sign, logdet), (sign * (1j * _ufuncs.imag(dlog)).astype(sign.dtype),
                                _ufuncs.real(dlog))
    return (sign, logdet), (_creation.zeros_like(sign), dlog)


def slogdet(a, *, method=None):
    """Returns SlogdetResult(sign, logabsdet) with det(a) = sign * exp(logabsdet), for square
    a (..., n, n): sign 0 and logabsdet -inf for singular matrices. `method` must be None or
    'lu'."""
    if method not in (None, "lu"):
        raise ValueError(f"jnp.linalg.slogdet: unknown method {method!r}; use 'lu'.")
    a = as_matrix("jnp.linalg.slogdet", a, square=True)
    return SlogdetResult(*_slogdet(a))


def _adjugate_product(a, b):
    """Returns (det(a), adj(a) @ b), with adj(a) = det(a) a^-1 for invertible a.

    With P A = L U, adj(A) = adj(U) L^-1 det(P) P. Writing U = [[U11, u], [0, x]], adj(U) =
    U1^-1 diag(det U, ..., det U, det U11) where U1 is U with x replaced by one, so the
    product stays finite when only the last pivot x vanishes (rank n - 1, the case where
    det's derivative does not vanish)."""
    lu, pivots, perm = lax_linalg.lu(a)
    aval = get_aval(a)
    n = aval.shape[-1]
    parity = _lu_parity(pivots).astype(aval.dtype)
    diag = lax_linalg.diagonal(lu)
    det_u11 = _reductions.prod(diag[..., :-1], axis=-1)
    det_u = det_u11 * diag[..., -1]
    rows = lax.broadcasted_iota(np.int32, (n, n), 0)
    corner = (rows == n - 1) & (lax.broadcasted_iota(np.int32, (n, n), 1) == n - 1)
    u1 = _ufuncs.where(corner, 1, lu)
    y = lax_linalg.triangular_solve(lu, _permute_rows(b, perm), left_side=True, lower=True,
                                    unit_diagonal=True)
    scale = _ufuncs.where(rows[:, :1] == n - 1, det_u11[..., None, None],
                          det_u[..., None, None])
    y = lax_linalg.triangular_solve(u1, y * scale, left_side=True, lower=False)
    return parity * det_u, parity[..., None, None] * y


@custom_jvp
def _det(a):
    lu, pivots, _ = lax_linalg.lu(a)
    parity = _lu_parity(pivots).astype(get_aval(a).dtype)
    return parity * _reductions.prod(lax_linalg.diagonal(lu), axis=-1)


@_det.defjvp
def _det_jvp(primals, tangents):
    a, = primals
    da, = tangents
    det, adj_da = _adjugate_product(a, da)
    return det, lax_linalg.diagonal(adj_da).sum(-1)


def det(a):
    """Returns the determinants of the square matrices a (..., n, n)."""
    a = as_matrix("jnp.linalg.det", a, square=True)
    return _det(a)


# ---------------------------------------------------------------------------------------------
# Decompositions.

def cholesky(a, *, upper=False, symmetrize_input=True):
    """Returns the Cholesky factor of the Hermitian positive-definite matrices a: lower L
    with a = L L^H, or upper U = L^H with a = U^H U when `upper`. NaN where a is not
    positive definite."""
    a = as_matrix("jnp.linalg.cholesky", a, square=True)
    factor = lax_linalg.cholesky(a, symmetrize_input=symmetrize_input)
    return _adjoint(factor) if upper else factor


def _uplo_lower(fname, uplo):
    if uplo is None or uplo == "L":
        return True
    if uplo == "U":
        return False
    raise ValueError(f"{fname}: UPLO must be 'L' or 'U', got {uplo!r}.")


def _eigh(fname, a, uplo, symmetrize_input):
    a = as_matrix(fname, a, square=True)
    v, w = lax_linalg.eigh(a, lower=_uplo_lower(fname, uplo),
                           symmetrize_input=symmetrize_input)
    return EighResult(w, v)


def eigh(a, UPLO=None, symmetrize_input=True):  # noqa: N803 -- NumPy's name
    """Returns EighResult(eigenvalues, eigenvectors) of the Hermitian matrices a: real
    eigenvalues in ascending order and the eigenvectors as columns."""
    return _eigh("jnp.linalg.eigh", a, UPLO, symmetrize_input)


def eigvalsh(a, UPLO="L", *, symmetrize_input=True):  # noqa: N803 -- NumPy's name
    """Returns the eigenvalues (real, ascending) of the Hermitian matrices a."""
    return _eigh("jnp.linalg.eigvalsh", a, UPLO, symmetrize_input).eigenvalues


def eig(a):
    """Returns EigResult(eigenvalues, eigenvectors) of the square matrices a, both complex
    (complex64 for 32-bit input): a @ v = v * w, with unit-length eigenvector columns. Only
    the eigenvalues are differentiable (use `eigvals`)."""
    a = as_matrix("jnp.linalg.eig", a, square=True)
    w, v = lax_linalg.eig(a, compute_left_eigenvectors=False)
    return EigResult(w, v)


def eigvals(a):
    """Returns the (complex) eigenvalues of the square matrices a."""
    a = as_matrix("jnp.linalg.eigvals", a, square=True)
    return lax_linalg.eig(a, compute_left_eigenvectors=False,
                          compute_right_eigenvectors=False)[0]


def qr(a, mode="reduced"):
    """Returns QRResult(Q, R) with a = Q @ R: Q (m, k) and R (k, n), k = min(m, n), for
    mode 'reduced'; Q (m, m) and R (m, n) for 'complete'; R alone (k, n) for 'r'."""
    fname = "jnp.linalg.qr"
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"{fname}: unsupported mode {mode!r}; use 'reduced', 'complete' or "
                         "'r'.")
    a = as_matrix(fname, a)
    q, r = lax_linalg.qr(a, full_matrices=mode == "complete")
    return r if mode == "r" else QRResult(q, r)


def _hermitian_svd(a, compute_uv):
    # For Hermitian a = V diag(w) V^H: singular values |w| (sorted descending), U = V and
    # V^H with the signs of w moved into it.
    w, v = eigh(a)
    s = _ufuncs.abs(w)
    order = lax.sort_key_val(-s, lax.broadcasted_iota(np.int32, get_aval(s).shape,
                                                      get_aval(s).ndim - 1), dimension=-1)[1]
    s = _indexing_ops.take_along_axis(s, order, axis=-1)
    if not compute_uv:
        return s
    u = _indexing_ops.take_along_axis(v, order[..., None, :], axis=-1)
    signs = _indexing_ops.take_along_axis(_ufuncs.sign(w), order, axis=-1)
    vh = _adjoint(u * signs[..., None, :].astype(u.dtype))
    return SVDResult(u, s, vh)


def svd(a, full_matrices=True, compute_uv=True, hermitian=False, subset_by_index=None):
    """Returns SVDResult(U, S, Vh) with a = U @ diag(S) @ Vh: singular values S (real,
    descending); U (m, m) and Vh (n, n) with `full_matrices`, else (m, k) and (k, n). With
    compute_uv=False returns S only. `hermitian` uses the eigendecomposition."""
    a = as_matrix("jnp.linalg.svd", a)
    if hermitian:
        return _hermitian_svd(a, compute_uv)
    if not compute_uv:
        return lax_linalg.svd(a, full_matrices=False, compute_uv=False,
                              subset_by_index=subset_by_index)
    return SVDResult(*lax_linalg.svd(a, full_matrices=full_matrices,
                                     subset_by_index=subset_by_index))


def svdvals(x, /):
    """Returns the singular values (descending) of the matrices x."""
    return svd(x, compute_uv=False)


# ---------------------------------------------------------------------------------------------
# Norms.

def _abs(x):
    return _ufuncs.abs(x)


def _vector_norm(x, ord, axis, keepdims):
    """Returns the vector `ord`-norm of x along `axis` (a tuple of axes)."""
    fname = "jnp.linalg.norm"
    if ord is None or ord == 2:
        return _ufuncs.sqrt(_reductions.sum(_ufuncs.real(x * _ufuncs.conj(x)), axis=axis,
                                            keepdims=keepdims))
    if isinstance(ord, str):
        raise ValueError(f"{fname}: invalid order {ord!r} for a vector norm (use 'fro' and "
                         "'nuc' with two axes).")
    if ord == np.inf:
        return _reductions.max(_abs(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return _reductions.min(_abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        nonzero = (x != 0).astype(_abs(x).dtype)
        return _reductions.sum(nonzero, axis=axis, keepdims=keepdims)
    if ord == 1:
        return _reductions.sum(_abs(x), axis=axis, keepdims=keepdims)
    magnitude = _abs(x)
    p = np.asarray(ord, get_aval(magnitude).dtype)
    return _reductions.sum(magnitude ** p, axis=axis, keepdims=keepdims) ** (1 / p)


def _matrix_norm(x, ord, axes, keepdims):
    """Returns the matrix `ord`-norm of x over the two axes `axes` (rows, columns)."""
    row, col = axes
    if ord is None or ord == "fro":
        return _vector_norm(x, None, axes, keepdims)
    if ord in (1, -1, np.inf, -np.inf):
        # 1: the largest column sum of |x|; inf: the largest row sum.
        summed, other = (row, col) if ord in (1, -1) else (col, row)
        sums = _reductions.sum(_abs(x), axis=summed, keepdims=True)
        pick = _reductions.max if ord > 0 else _reductions.min
        result = pick(sums, axis=other, keepdims=True)
        return result if keepdims else _shapes.squeeze(result, axes)
    if ord in (2, -2, "nuc"):
        moved = _shapes.moveaxis(x, axes, (-2, -1))
        s = svd(moved, compute_uv=False)
        if ord == "nuc":
            result = _reductions.sum(s, axis=-1)
        else:
            result = s[..., 0] if ord == 2 else s[..., -1]
        if keepdims:
            result = _shapes.expand_dims(result, tuple(sorted(axes)))
        return result
    raise ValueError(f"jnp.linalg.norm: invalid order {ord!r} for a matrix norm; use None, "
                     "'fro', 'nuc', inf, -inf, 1, -1, 2 or -2.")


def _norm_axes(x, axis):
    ndim = get_aval(x).ndim
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    for ax in axes:
        if not -ndim <= ax < ndim:
            raise ValueError(f"jnp.linalg.norm: axis {ax} is out of bounds for an array of "
                             f"shape {get_aval(x).shape}.")
    axes = tuple(int(ax) % ndim for ax in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"jnp.linalg.norm: duplicate axes in axis={axis}.")
    return axes


def norm(x, ord=None, axis=None, keepdims=False):
    """Returns the vector norm (one axis) or matrix norm (two axes) of x: orders None/2, 1,
    inf, -inf, 0 and any p for vectors; None/'fro', 'nuc', 1, -1, 2, -2, inf, -inf for
    matrices. With axis=None, x must be 1-D or 2-D unless ord is None (the 2-norm of all
    elements)."""
    x, = as_inexact("jnp.linalg.norm", x)
    ndim = get_aval(x).ndim
    axes = _norm_axes(x, axis)
    if axes is None:
        if ord is None:
            result = _vector_norm(x, None, None, False)
            return _shapes.reshape(result, (1,) * ndim) if keepdims else result
        if ndim not in (1, 2):
            raise ValueError(f"jnp.linalg.norm: an order {ord!r} needs a 1-D or 2-D input, or "
                             f"an explicit axis; got shape {get_aval(x).shape}.")
        axes = tuple(range(ndim))
    if len(axes) == 1:
        return _vector_norm(x, ord, axes, keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, ord, axes, keepdims)
    raise ValueError(f"jnp.linalg.norm: axis={axis} names {len(axes)} axes; pass one axis "
                     "for a vector norm or two for a matrix norm.")


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    """Returns the vector `ord`-norm of x over `axis` (all elements when None)."""
    x, = as_inexact("jnp.linalg.vector_norm", x)
    if axis is None:
        result = _vector_norm(_shapes.ravel(x), ord, (0,), False)
        return _shapes.reshape(result, (1,) * get_aval(x).ndim) if keepdims else result
    return _vector_norm(x, ord, _norm_axes(x, axis), keepdims)


def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    """Returns the matrix `ord`-norm of the matrices in x (its last two axes)."""
    x = as_matrix("jnp.linalg.matrix_norm", x, what="x")
    ndim = get_aval(x).ndim
    return _matrix_norm(x, ord, (ndim - 2, ndim - 1), keepdims)


def cond(x, p=None):
    """Returns the condition number of the matrices x in the `p` norm (default 2)."""
    x = as_matrix("jnp.linalg.cond", x, what="x")
    if p is None or p in (2, -2):
        s = svd(x, compute_uv=False)
        ratio = s[..., 0] / s[..., -1]
        return 1 / ratio if p == -2 else ratio
    lax_linalg.check_matrix("jnp.linalg.cond", get_aval(x), square=True, what="x")
    return norm(x, p, axis=(-2, -1)) * norm(inv(x), p, axis=(-2, -1))


# ---------------------------------------------------------------------------------------------
# Pseudo-inverse, rank, least squares, powers.

def _default_rtol(shape, dtype):
    return max(shape[-2:]) * dtypes.finfo(lax_linalg.real_dtype(np.dtype(dtype))).eps


@custom_jvp
def _pinv(a, rtol):
    u, s, vh = lax_linalg.svd(a, full_matrices=False)
    cutoff = rtol[..., None] * s[..., :1]
    s_inv = _ufuncs.where(s > cutoff, 1 / _ufuncs.where(s > cutoff, s, 1), 0)
    return lax_linalg.matmul(_adjoint(vh) * s_inv[..., None, :].astype(u.dtype), _adjoint(u))


@_pinv.defjvp
def _pinv_jvp(primals, tangents):
    # dP = -P dA P + P P^H dA^H (I - A P) + (I - P A) dA^H P^H P (Golub and Pereyra).
    a, rtol = primals
    da, _ = tangents
    p = _pinv(a, rtol)
    mm = lax_linalg.matmul
    dah = _adjoint(da)
    ap = mm(a, p)
    pa = mm(p, a)
    eye_m = _eye_stack(get_aval(ap).shape[-1], (), ap.dtype)
    eye_n = _eye_stack(get_aval(pa).shape[-1], (), pa.dtype)
    dp = (-mm(mm(p, da), p) + mm(mm(p, mm(_adjoint(p), dah)), eye_m - ap)
          + mm(mm(eye_n - pa, dah), mm(_adjoint(p), p)))
    return p, dp


def pinv(a, rtol=None, hermitian=False, *, rcond=None):
    """Returns the Moore-Penrose pseudo-inverses (..., n, m) of the matrices a (..., m, n):
    singular values at most rtol * the largest are treated as zero (default rtol:
    max(m, n) * eps)."""
    a = as_matrix("jnp.linalg.pinv", a)
    aval = get_aval(a)
    if rcond is not None:
        rtol = rcond
    if rtol is None:
        rtol = _default_rtol(aval.shape, aval.dtype)
    real = lax_linalg.real_dtype(aval.dtype)
    rtol = _shapes.broadcast_to(_creation.asarray(rtol, dtype=real), aval.shape[:-2])
    return _pinv(a, lax.stop_gradient(rtol))


def matrix_rank(M, rtol=None, *, hermitian=False, tol=None):  # noqa: N803 -- NumPy's name
    """Returns the number of singular values of M above the tolerance: `tol` (absolute) if
    given, else rtol * the largest (default rtol: max(m, n) * eps). 1-D M has rank 1 unless
    it is all zeros."""
    M, = as_inexact("jnp.linalg.matrix_rank", M)  # noqa: N806
    aval = get_aval(M)
    if aval.ndim < 2:
        return _reductions.any(M != 0).astype(np.int32)
    s = svd(M, compute_uv=False, hermitian=hermitian)
    if tol is None:
        if rtol is None:
            rtol = _default_rtol(aval.shape, aval.dtype)
        tol = _creation.asarray(rtol)[..., None] * s[..., :1]
    else:
        tol = _creation.asarray(tol)[..., None]
    return _reductions.sum(s > tol, axis=-1).astype(np.int32)


def lstsq(a, b, rcond=None, *, numpy_resid=False):
    """Returns (x, residuals, rank, s): the least-squares solution x of a @ x = b for a
    (m, n) and b (m,) or (m, k), the squared residual norms per column, the effective rank
    of a and its singular values. Singular values below rcond * the largest (default
    max(m, n) * eps) are treated as zero. With numpy_resid, residuals are empty when a is
    rank deficient or m <= n, as in NumPy (not traceable)."""
    fname = "jnp.linalg.lstsq"
    a, b = as_inexact(fname, a, b)
    a_aval, b_aval = get_aval(a), get_aval(b)
    if a_aval.ndim != 2:
        raise ValueError(f"{fname}: a must be a 2-D matrix, got shape {a_aval.shape}.")
    if b_aval.ndim not in (1, 2) or b_aval.shape[0] != a_aval.shape[0]:
        raise ValueError(f"{fname}: b must have shape ({a_aval.shape[0]},) or "
                         f"({a_aval.shape[0]}, k) to match a {a_aval.shape}; got "
                         f"{b_aval.shape}.")
    lax_linalg.check_dtype(fname, a_aval, "a")
    vector = b_aval.ndim == 1
    if vector:
        b = b[:, None]
    m, n = a_aval.shape
    eps = dtypes.finfo(lax_linalg.real_dtype(a_aval.dtype)).eps
    rcond = eps * max(m, n) if rcond is None else _ufuncs.where(rcond < 0, eps, rcond)
    u, s, vh = lax_linalg.svd(a, full_matrices=False)
    keep = s >= rcond * s[0]
    rank = _reductions.sum(keep).astype(np.int32)
    s_inv = _ufuncs.where(keep, 1 / _ufuncs.where(keep, s, 1), 0)[:, None]
    x = _contractions.matmul(_adjoint(vh), s_inv.astype(a.dtype) * _contractions.matmul(
        _adjoint(u), b))
    if numpy_resid and (int(rank) < n or m <= n):
        resid = _creation.asarray([], dtype=s.dtype)
    else:
        resid = norm(b - _contractions.matmul(a, x), axis=0) ** 2
    return (x[:, 0] if vector else x), resid, rank, s


def matrix_power(a, n):
    """Returns a raised to the integer power n (by repeated squaring) for square matrices
    a: the identity for n = 0, powers of inv(a) for n < 0."""
    fname = "jnp.linalg.matrix_power"
    _util.check_arraylike(fname, a)
    a = _creation.asarray(a)
    aval = get_aval(a)
    if aval.ndim < 2 or aval.shape[-1] != aval.shape[-2]:
        raise ValueError(f"{fname}: a must be a square matrix or a stack of them (shape "
                         f"(..., n, n)), got shape {aval.shape}.")
    try:
        n = int(n)
    except TypeError:
        raise TypeError(f"{fname}: the exponent n must be a Python integer, got "
                        f"{type(n).__name__}.") from None
    if n == 0:
        return _eye_stack(aval.shape[-1], aval.shape[:-2], aval.dtype)
    if n < 0:
        a, n = inv(a), -n
    result = None
    while n:
        if n & 1:
            result = a if result is None else _contractions.matmul(result, a)
        n >>= 1
        if n:
            a = _contractions.matmul(a, a)
    return result


# ---------------------------------------------------------------------------------------------
# Re-exports with jnp.linalg's (array API) signatures.

def matrix_transpose(x, /):
    """Returns x with its last two axes swapped."""
    if get_aval(x).ndim < 2:
        raise ValueError(f"jnp.linalg.matrix_transpose: x must have rank >= 2, got shape "
                         f"{get_aval(x).shape}.")
    return _swap(x)


def diagonal(x, /, *, offset=0):
    """Returns the diagonals of the matrices in x (its last two axes)."""
    return _indexing_ops.diagonal(x, offset=offset, axis1=-2, axis2=-1)


def trace(x, /, *, offset=0, dtype=None):
    """Returns the traces of the matrices in x (its last two axes)."""
    return _reductions.sum(diagonal(x, offset=offset), axis=-1, dtype=dtype)


def multi_dot(arrays, *, precision=None):
    """Returns the product of a sequence of matrices (first and last may be vectors),
    contracted in the cheapest order."""
    arrays = list(arrays)
    if len(arrays) < 2:
        raise ValueError("jnp.linalg.multi_dot: expected at least two arrays.")
    letters = "abcdefghijklmnopqrstuvwxyz"
    specs = [letters[i:i + 2] for i in range(len(arrays))]
    if get_aval(arrays[0]).ndim == 1:
        specs[0] = specs[0][1]
    if get_aval(arrays[-1]).ndim == 1:
        specs[-1] = specs[-1][0]
    out = specs[0][0] if get_aval(arrays[0]).ndim == 2 else ""
    out += specs[-1][-1] if get_aval(arrays[-1]).ndim == 2 else ""
    return _contractions.einsum(",".join(specs) + "->" + out, *arrays, optimize="auto",
                               precision=precision)


def cross(x1, x2, /, *, axis=-1):
    """Returns the cross products of the 3-vectors (or 2-vectors) along `axis`."""
    return _math_extra.cross(x1, x2, axis=axis)


def tensorinv(a, ind=2):
    """Returns the inverse of `a` seen as a linear map from its last axes to its first
    `ind` axes: tensordot(tensorinv(a, ind), a, ind) is the identity. The product of the
    first `ind` axes must equal that of the others."""
    a, = as_inexact("jnp.linalg.tensorinv", a)
    shape = get_aval(a).shape
    rows, cols = int(np.prod(shape[:ind])), int(np.prod(shape[ind:]))
    if ind <= 0 or rows != cols:
        raise ValueError(f"jnp.linalg.tensorinv: the first ind={ind} axes of a {shape} must "
                         "have as many elements as the others.")
    return _shapes.reshape(inv(_shapes.reshape(a, (rows, cols))), shape[ind:] + shape[:ind])


def tensorsolve(a, b, axes=None):
    """Returns x with tensordot(a, x, x.ndim) == b: a's leading axes (b's shape) index
    equations, its trailing axes the unknowns. `axes` are moved to the end of a first."""
    a, b = as_inexact("jnp.linalg.tensorsolve", a, b)
    if axes is not None:
        a = _shapes.moveaxis(a, axes, tuple(range(-len(axes), 0)))
    b_shape, a_shape = get_aval(b).shape, get_aval(a).shape
    unknowns = a_shape[len(b_shape):]
    n = int(np.prod(unknowns))
    if a_shape[:len(b_shape)] != b_shape or int(np.prod(b_shape)) != n:
        raise ValueError(f"jnp.linalg.tensorsolve: a {a_shape} must start with b's shape "
                         f"{b_shape} and its other axes must have as many elements.")
    x = solve(_shapes.reshape(a, (n, n)), _shapes.reshape(b, (n,)))
    return _shapes.reshape(x, unknowns)
