"""Linear-algebra primitives with JAX's names and params: `cholesky`, `triangular_solve`,
`lu` (and `lu_pivots_to_permutation`), `qr`, `eigh`, `svd` and `eig`, and `lax.linalg`'s
functions on top of them.

Every primitive works on stacks of matrices: the last two axes are the matrix, the leading
ones are batch axes (which LAPACK's kernels loop over natively). Accepted dtypes are float32,
float64, complex64 and complex128; `jnp.linalg` promotes other inputs. A factorization that
fails (a matrix that is not positive definite for cholesky, an eigensolver that does not
converge) gives NaNs, as in JAX, never an exception at run time. The lowering rules live in
lowering/linalg.py (LAPACK custom calls on CPU).

Derivatives follow JAX's definitions:
* cholesky: dL = L Phi(L^-1 dA L^-H), Phi taking the lower triangle with its diagonal
  halved (Murray 2016), for symmetric tangents (`cholesky` symmetrizes its input);
* triangular_solve: linear in b (transposed by a solve with op(a)^T); for a,
  d(op(a)^-1 b) = -op(a)^-1 op(da) op(a)^-1 b, reading only the triangle the solve reads;
* lu: dA = P^T (dL U + L dU) split into its strictly lower and upper triangular parts;
* qr: for m >= n (reduced), through dA R^-1 and the skew-Hermitian part of Q^H dA R^-1;
* eigh: dw = diag(V^H dA V), dV = V (F o V^H dA V) with F_ij = 1 / (w_j - w_i), for
  distinct eigenvalues;
* svd: the standard rule for the thin decomposition (distinct nonzero singular values);
* eig: dw = diag(V^-1 dA V) for the eigenvalues (eigenvector derivatives are refused).

Batching rules bind the same primitive once with the batch axis among the leading axes.
"""
import operator

import numpy as np

from jaxlike import dtypes
from jaxlike.core import Primitive, ShapedArray, get_aval
from jaxlike.interpreters import ad, batching
from jaxlike.interpreters.batching import not_mapped
from jaxlike.lax import elementwise as ew
from jaxlike.lax import reductions as red
from jaxlike.lax import structural as st

__all__ = [
    "cholesky", "cholesky_p", "triangular_solve", "triangular_solve_p", "lu", "lu_p",
    "lu_pivots_to_permutation", "lu_pivots_to_permutation_p", "qr", "qr_p", "eigh", "eigh_p",
    "svd", "svd_p", "eig", "eig_p",
]

_SUPPORTED = tuple(np.dtype(t) for t in (np.float32, np.float64, np.complex64, np.complex128))


# ---------------------------------------------------------------------------------------------
# Checks shared by the abstract-evaluation rules.

def check_dtype(fname, aval, what="its argument"):
    """Raises TypeError unless `aval` has a dtype the LAPACK kernels support."""
    if aval.dtype not in _SUPPORTED:
        raise TypeError(f"{fname}: {what} has dtype {aval.dtype.name}, but linear algebra "
                        "supports only float32, float64, complex64 and complex128; convert "
                        "it first (jnp.linalg functions promote integers to float).")


def check_matrix(fname, aval, square=False, what="its argument"):
    """Raises TypeError/ValueError unless `aval` is a (stack of) matrices, square if
    `square`, of a supported dtype."""
    check_dtype(fname, aval, what)
    if aval.ndim < 2:
        raise ValueError(f"{fname}: {what} must have rank >= 2 (shape (..., m, n)), got "
                         f"shape {aval.shape}.")
    if square and aval.shape[-1] != aval.shape[-2]:
        raise ValueError(f"{fname}: {what} must be a square matrix or a stack of square "
                         f"matrices (shape (..., n, n)), got shape {aval.shape}.")


def real_dtype(dtype):
    """Returns the real dtype of a complex one (complex64 -> float32), others unchanged."""
    return np.dtype(np.float64 if dtype == np.complex128 else np.float32) \
        if dtypes.is_complex(dtype) else dtype


# ---------------------------------------------------------------------------------------------
# Small matrix helpers, in lax ops, for the derivative rules (and jnp.linalg).

def _is_complex(x):
    return dtypes.is_complex(get_aval(x).dtype)


def _swap(x):
    """Returns x with its last two axes swapped."""
    n = get_aval(x).ndim
    return st.transpose(x, tuple(range(n - 2)) + (n - 1, n - 2))


def conj(x):
    """Returns the complex conjugate of x, and real x unchanged (lax.conj makes it complex)."""
    return ew.conj(x) if _is_complex(x) else x


def adjoint(x):
    """Returns the conjugate transpose of the matrices in x."""
    return conj(_swap(x))


def matmul(a, b):
    """Returns the product of two stacks of matrices with equal batch axes."""
    n = get_aval(a).ndim
    batch = tuple(range(n - 2))
    return red.dot_general(a, b, (((n - 1,), (n - 2,)), (batch, batch)),
                           precision=red.Precision.HIGHEST)


def _full(shape, value, dtype):
    return st.broadcast_in_dim(np.asarray(value, dtype), tuple(shape), ())


def _triangle_mask(shape, lower, k=0):
    """Returns bool[shape] that is True on the lower (j <= i + k) or upper (j >= i + k)
    triangle of the last two axes."""
    n = len(shape)
    rows = st.broadcasted_iota(np.int32, shape, n - 2)
    cols = st.broadcasted_iota(np.int32, shape, n - 1)
    if k:
        rows = ew.add(rows, np.int32(k))
    return ew.le(cols, rows) if lower else ew.ge(cols, rows)


def tril(x, k=0):
    """Returns x with the elements above the k-th diagonal zeroed."""
    aval = get_aval(x)
    return ew.select_n(_triangle_mask(aval.shape, True, k), _full(aval.shape, 0, aval.dtype), x)


def triu(x, k=0):
    """Returns x with the elements below the k-th diagonal zeroed."""
    aval = get_aval(x)
    return ew.select_n(_triangle_mask(aval.shape, False, k), _full(aval.shape, 0, aval.dtype),
                       x)


def eye(n, dtype, start=0):
    """Returns the (n, n) matrix of `dtype` with ones at (i, i) for i >= start (the
    identity for start=0), zeros elsewhere."""
    rows = st.broadcasted_iota(np.int32, (n, n), 0)
    ones = ew.eq(rows, st.broadcasted_iota(np.int32, (n, n), 1))
    if start:
        ones = ew.bitwise_and(ones, ew.ge(rows, np.int32(start)))
    return ew.convert_element_type(ones, dtype)


def eye_like(x):
    """Returns the identity matrix (n, n) of x's last axis size and dtype."""
    aval = get_aval(x)
    return eye(aval.shape[-1], aval.dtype)


def _expand_leading(x, ndim):
    """Returns x with size-1 axes added in front up to rank `ndim` (for lax's size-1
    broadcasting)."""
    aval = get_aval(x)
    if aval.ndim == ndim:
        return x
    return st.reshape(x, (1,) * (ndim - aval.ndim) + aval.shape)


def diagonal(x):
    """Returns the diagonals of a stack of square matrices, shape (..., n)."""
    aval = get_aval(x)
    eye = _expand_leading(eye_like(x), aval.ndim)
    return red.reduce_sum(ew.mul(x, eye), (aval.ndim - 1,))


def diag_embed(v):
    """Returns the stack of diagonal matrices with diagonals v (..., n) -> (..., n, n)."""
    aval = get_aval(v)
    col = st.expand_dims(v, (aval.ndim,))
    return ew.mul(col, _expand_leading(eye(aval.shape[-1], aval.dtype), aval.ndim + 1))


def _to_dtype(x, dtype):
    return x if get_aval(x).dtype == dtype else ew.convert_element_type(x, dtype)


def _symmetrize(x):
    return ew.div(ew.add(x, adjoint(x)), np.asarray(2, get_aval(x).dtype))


def permutation_matrix(perm, dtype):
    """Returns the one-hot matrices P (..., m, m) with P[i, perm[i]] = 1, so P @ x == x[perm]."""
    aval = get_aval(perm)
    shape = aval.shape + (aval.shape[-1],)
    cols = st.broadcasted_iota(np.int32, shape, aval.ndim)
    return ew.convert_element_type(ew.eq(st.expand_dims(perm, (aval.ndim,)), cols), dtype)


# ---------------------------------------------------------------------------------------------
# Batching: one primitive for the whole batch. Leading axes are batch axes of every
# linalg primitive, so a batch axis already among them stays put; one vmapped over a matrix
# axis moves to the front.

def _leading_batch(x, dim):
    """Returns (x, dim) with the batch axis among x's leading (non-matrix) axes."""
    if dim < get_aval(x).ndim - 2:
        return x, dim
    return batching.moveaxis(x, dim, 0), 0


def _unary_batcher(prim):
    def rule(vals, dims, **params):
        x, dim = _leading_batch(vals[0], dims[0])
        out = prim.bind(x, **params)
        return out, ([dim] * len(out) if prim.multiple_results else dim)
    batching.primitive_batchers[prim] = rule
    return rule


# ---------------------------------------------------------------------------------------------
# cholesky.

cholesky_p = Primitive("cholesky")


@cholesky_p.def_abstract_eval
def _cholesky_aval(x):
    check_matrix("cholesky", x, square=True)
    return ShapedArray(x.shape, x.dtype)


def _phi(x):
    """Returns the lower triangle of x with its diagonal halved."""
    aval = get_aval(x)
    half = ew.mul(x, np.asarray(0.5, aval.dtype))
    on_diag = ew.select_n(_triangle_mask(aval.shape, False), _full(aval.shape, 0, aval.dtype),
                          half)
    return ew.add(tril(x, -1), tril(on_diag))


def _cholesky_jvp(primals, tangents):
    x, = primals
    dx, = tangents
    factor = cholesky_p.bind(x)
    # L^-1 dA L^-H: two triangular solves (on the right with L^H, then on the left with L).
    tmp = triangular_solve(factor, dx, left_side=False, lower=True, transpose_a=True,
                           conjugate_a=True)
    tmp = triangular_solve(factor, tmp, left_side=True, lower=True)
    return factor, matmul(factor, _phi(tmp))


ad.primitive_jvps[cholesky_p] = _cholesky_jvp
_unary_batcher(cholesky_p)


def cholesky(x, *, symmetrize_input=True):
    """Returns the lower-triangular Cholesky factor L of the Hermitian positive-definite
    matrices x (x = L L^H), NaN where x is not positive definite. With `symmetrize_input`
    (the default), x is first replaced by (x + x^H) / 2, which also makes its derivative
    symmetric; otherwise only its lower triangle is read."""
    if symmetrize_input:
        check_matrix("cholesky", get_aval(x), square=True)
        x = _symmetrize(x)
    return cholesky_p.bind(x)


# ---------------------------------------------------------------------------------------------
# triangular_solve.

triangular_solve_p = Primitive("triangular_solve")


@triangular_solve_p.def_abstract_eval
def _triangular_solve_aval(a, b, *, left_side, lower, transpose_a, conjugate_a,
                           unit_diagonal):
    check_matrix("triangular_solve", a, square=True, what="a")
    check_matrix("triangular_solve", b, what="b")
    if a.dtype != b.dtype:
        raise TypeError(f"triangular_solve: a and b must have the same dtype, got "
                        f"{a.dtype.name} and {b.dtype.name}.")
    if a.ndim != b.ndim or a.shape[:-2] != b.shape[:-2]:
        raise ValueError(f"triangular_solve: a and b must have the same batch dimensions, got "
                         f"shapes a {a.shape} and b {b.shape}.")
    n = a.shape[-1]
    side_size = b.shape[-2] if left_side else b.shape[-1]
    if side_size != n:
        which = "rows" if left_side else "columns"
        raise ValueError(f"triangular_solve: b must have as many {which} as a has rows "
                         f"(left_side={left_side}), got shapes a {a.shape} and b {b.shape}.")
    return ShapedArray(b.shape, b.dtype)


def _op(x, transpose, conjugate):
    """Returns op(x): x, x^T or x^H (or conj(x))."""
    if transpose:
        x = _swap(x)
    return conj(x) if conjugate else x


def _triangular_solve_jvp(primals, tangents, **params):
    a, b = primals
    da, db = tangents
    ans = triangular_solve_p.bind(a, b, **params)
    out = ad.Zero(get_aval(ans))
    if type(db) is not ad.Zero:
        out = ad.add_tangents(out, triangular_solve_p.bind(a, db, **params))
    if type(da) is not ad.Zero:
        # Only the triangle that the solve reads has a derivative.
        k = 1 if params["unit_diagonal"] else 0
        da = tril(da, -k) if params["lower"] else triu(da, k)
        op_da = _op(da, params["transpose_a"], params["conjugate_a"])
        rhs = matmul(op_da, ans) if params["left_side"] else matmul(ans, op_da)
        out = ad.add_tangents(out, triangular_solve_p.bind(a, ew.neg(rhs), **params))
    return ans, out


def _triangular_solve_transpose(ct, a, b, *, transpose_a, **params):
    if ad.is_undefined_primal(a):
        raise NotImplementedError("triangular_solve is linear in b only; it cannot be "
                                  "transposed with respect to a.")
    # The solve applies op(a)^-1 to b; its transpose applies (op(a)^-1)^T = (op(a)^T)^-1.
    return [None, triangular_solve_p.bind(a, ct, transpose_a=not transpose_a, **params)]


ad.primitive_jvps[triangular_solve_p] = _triangular_solve_jvp
ad.primitive_transposes[triangular_solve_p] = _triangular_solve_transpose


def _triangular_solve_batch(axis_data, vals, dims, *, left_side, **params):
    (a, b), (adim, bdim) = vals, dims
    size = axis_data.size
    b_aval = get_aval(b)
    if adim is not_mapped and get_aval(a).ndim == 2 and b_aval.ndim == 3:
        # One a for every example: fold the batch into b's free axis (one solve, no copies
        # of a): the columns of b for a left solve, its rows for a right solve.
        m, n = (d for i, d in enumerate(b_aval.shape) if i != bdim)
        if left_side:
            b = st.reshape(batching.moveaxis(b, bdim, 1), (m, size * n))
            out = triangular_solve_p.bind(a, b, left_side=True, **params)
            return st.reshape(out, (m, size, n)), 1
        b = st.reshape(batching.moveaxis(b, bdim, 0), (size * m, n))
        out = triangular_solve_p.bind(a, b, left_side=False, **params)
        return st.reshape(out, (size, m, n)), 0
    a = batching.bdim_at_front(a, adim, size)
    b = batching.bdim_at_front(b, bdim, size)
    return triangular_solve_p.bind(a, b, left_side=left_side, **params), 0


batching.axis_primitive_batchers[triangular_solve_p] = _triangular_solve_batch


def triangular_solve(a, b, *, left_side=False, lower=False, transpose_a=False,
                     conjugate_a=False, unit_diagonal=False):
    """Returns x solving op(a) x = b (`left_side`) or x op(a) = b, for triangular a (its
    `lower` or upper triangle is read, and its diagonal taken as ones if `unit_diagonal`),
    with op(a) = a, a^T (`transpose_a`), conj(a) (`conjugate_a`) or a^H (both). a and b are
    (stacks of) matrices with equal batch axes; a zero on a's diagonal gives inf/NaN."""
    return triangular_solve_p.bind(
        a, b, left_side=bool(left_side), lower=bool(lower), transpose_a=bool(transpose_a),
        conjugate_a=bool(conjugate_a), unit_diagonal=bool(unit_diagonal))


# ---------------------------------------------------------------------------------------------
# lu and lu_pivots_to_permutation.

lu_pivots_to_permutation_p = Primitive("lu_pivots_to_permutation")


@lu_pivots_to_permutation_p.def_abstract_eval
def _lu_pivots_to_permutation_aval(pivots, *, permutation_size):
    if pivots.dtype != np.int32:
        raise TypeError("lu_pivots_to_permutation: pivots must have dtype int32, got "
                        f"{pivots.dtype.name}.")
    if pivots.ndim < 1 or pivots.shape[-1] > permutation_size:
        raise ValueError("lu_pivots_to_permutation: pivots must have shape (..., k) with "
                         f"k <= permutation_size={permutation_size}, got {pivots.shape}.")
    return ShapedArray(pivots.shape[:-1] + (permutation_size,), np.dtype(np.int32))


ad.defnondiff(lu_pivots_to_permutation_p)


def _pivots_batch(vals, dims, *, permutation_size):
    x, dim = vals[0], dims[0]
    if dim == get_aval(x).ndim - 1:
        x, dim = batching.moveaxis(x, dim, 0), 0
    return lu_pivots_to_permutation_p.bind(x, permutation_size=permutation_size), dim


batching.primitive_batchers[lu_pivots_to_permutation_p] = _pivots_batch


def lu_pivots_to_permutation(pivots, permutation_size):
    """Returns the permutation (..., permutation_size) that LAPACK-style row swaps `pivots`
    (..., k) (row i swapped with row pivots[i], in order) apply to the identity."""
    return lu_pivots_to_permutation_p.bind(
        pivots, permutation_size=operator.index(permutation_size))


lu_p = Primitive("lu", multiple_results=True)


@lu_p.def_abstract_eval
def _lu_aval(x):
    check_matrix("lu", x)
    batch, (m, n) = x.shape[:-2], x.shape[-2:]
    i32 = np.dtype(np.int32)
    return [ShapedArray(x.shape, x.dtype), ShapedArray(batch + (min(m, n),), i32),
            ShapedArray(batch + (m,), i32)]


def _lu_factors(lu_matrix):
    """Returns square (L, U) from a packed LU of an (m, n) matrix: L (m, m) with a unit
    diagonal (padded with identity columns when m > n), U (n, n) (padded with identity rows
    when n > m), so both are invertible when the factorization is."""
    aval = get_aval(lu_matrix)
    nd = aval.ndim
    m, n = aval.shape[-2:]
    k = min(m, n)
    zero = np.asarray(0, aval.dtype)
    keep = [(0, 0, 0)] * (nd - 2)
    lower = tril(st.slice_in_dim(lu_matrix, 0, k, axis=nd - 1), -1)
    lower = st.pad(lower, zero, keep + [(0, 0, 0), (0, m - k, 0)])
    lower = ew.add(lower, _expand_leading(eye(m, aval.dtype), nd))
    upper = triu(st.slice_in_dim(lu_matrix, 0, k, axis=nd - 2))
    upper = st.pad(upper, zero, keep + [(0, n - k, 0), (0, 0, 0)])
    if n > k:
        upper = ew.add(upper, _expand_leading(eye(n, aval.dtype, k), nd))
    return lower, upper


def _lu_jvp(primals, tangents):
    x, = primals
    dx, = tangents
    lu_matrix, pivots, perm = lu_p.bind(x)
    # P A = L U, so with X = L^-1 P dA U^-1 (on the square paddings of L and U), dL = L X_l
    # and dU = X_u U, where X_l is X's strictly lower part (L's diagonal is fixed at one)
    # and X_u its upper part.
    lower, upper = _lu_factors(lu_matrix)
    permuted = matmul(permutation_matrix(perm, get_aval(x).dtype), dx)
    la = triangular_solve(lower, permuted, left_side=True, lower=True, unit_diagonal=True)
    lau = triangular_solve(upper, la, left_side=False, lower=False)
    dlu = ew.add(matmul(lower, tril(lau, -1)), matmul(triu(lau), upper))
    int_zeros = [ad.Zero(ad.tangent_aval(get_aval(v))) for v in (pivots, perm)]
    return [lu_matrix, pivots, perm], [dlu] + int_zeros


ad.primitive_jvps[lu_p] = _lu_jvp
_unary_batcher(lu_p)


def lu(x):
    """Returns (lu, pivots, permutation): the LU decomposition with partial pivoting of the
    (..., m, n) matrices x. `lu` holds L (below the diagonal, unit diagonal implied) and U
    (on and above it); `pivots` (..., min(m, n)) are LAPACK's row swaps (0-based) and
    `permutation` (..., m) the resulting row order: x[permutation] = L @ U."""
    return tuple(lu_p.bind(x))


# ---------------------------------------------------------------------------------------------
# qr.

qr_p = Primitive("qr", multiple_results=True)


@qr_p.def_abstract_eval
def _qr_aval(x, *, full_matrices):
    check_matrix("qr", x)
    batch, (m, n) = x.shape[:-2], x.shape[-2:]
    k = m if full_matrices else min(m, n)
    return [ShapedArray(batch + (m, k), x.dtype), ShapedArray(batch + (k, n), x.dtype)]


def _qr_jvp(primals, tangents, *, full_matrices):
    x, = primals
    dx, = tangents
    q, r = qr_p.bind(x, full_matrices=full_matrices)
    m, n = get_aval(x).shape[-2:]
    if m < n or (full_matrices and m != n):
        raise NotImplementedError(
            "The derivative of qr is only defined for matrices with at least as many rows "
            f"as columns and the reduced decomposition; got shape {get_aval(x).shape} with "
            f"full_matrices={full_matrices}. Use full_matrices=False (mode='reduced').")
    # With C = Q^H dA R^-1: Q^H dQ = Omega is skew-Hermitian and dR R^-1 = C - Omega is upper
    # triangular, which determines Omega from C's strictly lower part.
    dx_rinv = triangular_solve(r, dx)
    c = matmul(adjoint(q), dx_rinv)
    low = tril(c, -1)
    omega = ew.sub(low, adjoint(low))
    if _is_complex(x):  # the diagonal of Omega is the imaginary part of C's
        imag_diag = ew.sub(c, ew.convert_element_type(ew.real(c), get_aval(c).dtype))
        omega = ew.add(omega, ew.mul(imag_diag, _expand_leading(eye_like(c), get_aval(c).ndim)))
    dq = ew.add(matmul(q, ew.sub(omega, c)), dx_rinv)
    dr = matmul(ew.sub(c, omega), r)
    return [q, r], [dq, dr]


ad.primitive_jvps[qr_p] = _qr_jvp
_unary_batcher(qr_p)


def qr(x, *, pivoting=False, full_matrices=True):
    """Returns (q, r), the QR decomposition x = q @ r of the (..., m, n) matrices x: q has
    orthonormal columns, r is upper triangular. With `full_matrices` q is (m, m) and r
    (m, n); otherwise q is (m, k) and r (k, n), k = min(m, n)."""
    if pivoting:
        raise NotImplementedError("qr: pivoting=True is not supported by jaxlike.")
    return tuple(qr_p.bind(x, full_matrices=bool(full_matrices)))


# ---------------------------------------------------------------------------------------------
# eigh.

eigh_p = Primitive("eigh", multiple_results=True)


@eigh_p.def_abstract_eval
def _eigh_aval(x, *, lower, sort_eigenvalues, subset_by_index):
    check_matrix("eigh", x, square=True)
    return [ShapedArray(x.shape, x.dtype), ShapedArray(x.shape[:-1], real_dtype(x.dtype))]


def _as_row(v):
    """Returns the vectors v (..., k) as rows (..., 1, k)."""
    return st.expand_dims(v, (get_aval(v).ndim - 1,))


def _as_col(v):
    """Returns the vectors v (..., k) as columns (..., k, 1)."""
    return st.expand_dims(v, (get_aval(v).ndim,))


def _offdiagonal_reciprocal(d):
    """Returns 1 / d off the diagonal of the matrices d and 0 on it (where d, a matrix of
    differences, is zero)."""
    aval = get_aval(d)
    e = _expand_leading(eye(aval.shape[-1], aval.dtype), aval.ndim)
    return ew.sub(ew.div(np.asarray(1, aval.dtype), ew.add(d, e)), e)


def _eigh_jvp(primals, tangents, **params):
    x, = primals
    dx, = tangents
    v, w = eigh_p.bind(x, **params)
    projected = matmul(adjoint(v), matmul(dx, v))
    dw = diagonal(projected)
    if _is_complex(v):
        dw = ew.real(dw)
    # F_ij = 1 / (w_j - w_i) off the diagonal (eigenvalues assumed distinct).
    f = _offdiagonal_reciprocal(ew.sub(_as_row(w), _as_col(w)))
    dv = matmul(v, ew.mul(_to_dtype(f, get_aval(v).dtype), projected))
    return [v, w], [dv, dw]


ad.primitive_jvps[eigh_p] = _eigh_jvp
_unary_batcher(eigh_p)


def eigh(x, *, lower=True, symmetrize_input=True, sort_eigenvalues=True,
         subset_by_index=None):
    """Returns (v, w): the eigenvectors (columns of v) and eigenvalues (w, real, ascending)
    of the Hermitian matrices x, x = v diag(w) v^H. With `symmetrize_input` (the default) x
    is first replaced by (x + x^H) / 2; otherwise only its `lower` (or upper) triangle is
    read. NaN where the eigensolver does not converge."""
    if subset_by_index is not None:
        raise NotImplementedError("eigh: subset_by_index is not supported by jaxlike.")
    if symmetrize_input:
        check_matrix("eigh", get_aval(x), square=True)
        x = _symmetrize(x)
    v, w = eigh_p.bind(x, lower=bool(lower), sort_eigenvalues=bool(sort_eigenvalues),
                       subset_by_index=None)
    return v, w


# ---------------------------------------------------------------------------------------------
# svd.

svd_p = Primitive("svd", multiple_results=True)


@svd_p.def_abstract_eval
def _svd_aval(x, *, full_matrices, compute_uv):
    check_matrix("svd", x)
    batch, (m, n) = x.shape[:-2], x.shape[-2:]
    k = min(m, n)
    s = ShapedArray(batch + (k,), real_dtype(x.dtype))
    if not compute_uv:
        return [s]
    cols, rows = (m, n) if full_matrices else (k, k)
    return [s, ShapedArray(batch + (m, cols), x.dtype), ShapedArray(batch + (rows, n), x.dtype)]


def _svd_jvp(primals, tangents, *, full_matrices, compute_uv):
    x, = primals
    dx, = tangents
    if compute_uv and full_matrices:
        raise NotImplementedError(
            "The derivative of svd is not defined for full_matrices=True (the extra singular "
            "vectors are not unique); use full_matrices=False.")
    s, u, vt = svd_p.bind(x, full_matrices=False, compute_uv=True)
    v, ut = adjoint(vt), adjoint(u)
    ds_mat = matmul(ut, matmul(dx, v))
    ds = diagonal(ds_mat)
    ds = ew.real(ds) if _is_complex(x) else ds
    if not compute_uv:
        return [s], [ds]
    du, dv = _svd_vector_tangents(s, u, v, dx, ds_mat)
    return [s, u, vt], [ds, du, adjoint(dv)]


def _svd_vector_tangents(s, u, v, dx, ds_mat):
    """Returns (dU, dV) of the thin SVD x = U diag(s) V^H, given ds_mat = U^H dx V."""
    dtype = get_aval(u).dtype
    m, n = get_aval(u).shape[-2], get_aval(v).shape[-2]
    row, col = _as_row(s), _as_col(s)        # s_j along columns, s_i along rows
    # F_ij = 1 / (s_j^2 - s_i^2) off the diagonal (singular values assumed distinct).
    f = _to_dtype(_offdiagonal_reciprocal(ew.mul(ew.add(row, col), ew.sub(row, col))), dtype)
    s_c, col_c = _to_dtype(row, dtype), _to_dtype(col, dtype)
    dss, sds = ew.mul(ds_mat, s_c), ew.mul(col_c, ds_mat)   # dS diag(s), diag(s) dS
    # The imaginary part of dS's diagonal (complex inputs) goes to dU, scaled by 1 / s.
    zero_s = _to_dtype(ew.eq(s, np.asarray(0, get_aval(s).dtype)), get_aval(s).dtype)
    s_inv = ew.sub(ew.div(np.asarray(1, get_aval(s).dtype), ew.add(s, zero_s)), zero_s)
    diag_part = ew.mul(ew.mul(ew.sub(ds_mat, adjoint(ds_mat)), np.asarray(0.5, dtype)),
                       _to_dtype(diag_embed(s_inv), dtype))
    du = matmul(u, ew.add(ew.mul(f, ew.add(dss, adjoint(dss))), diag_part))
    dv = matmul(v, ew.mul(f, ew.add(sds, adjoint(sds))))
    if m > n:  # the component of dx V outside span(U)
        dxv = matmul(dx, v)
        du = ew.add(du, ew.div(ew.sub(dxv, matmul(u, matmul(adjoint(u), dxv))), s_c))
    if n > m:  # the component of dx^H U outside span(V)
        dxu = matmul(adjoint(dx), u)
        dv = ew.add(dv, ew.div(ew.sub(dxu, matmul(v, matmul(adjoint(v), dxu))), s_c))
    return du, dv


ad.primitive_jvps[svd_p] = _svd_jvp
_unary_batcher(svd_p)


def svd(x, *, full_matrices=True, compute_uv=True, subset_by_index=None):
    """Returns (u, s, vh) with x = u @ diag(s) @ vh for the (..., m, n) matrices x, singular
    values s (real, descending, (..., k), k = min(m, n)); u is (m, m) and vh (n, n) with
    `full_matrices`, else (m, k) and (k, n). With compute_uv=False returns s only."""
    if subset_by_index is not None:
        raise NotImplementedError("svd: subset_by_index is not supported by jaxlike.")
    outs = svd_p.bind(x, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv))
    if not compute_uv:
        return outs[0]
    s, u, vt = outs
    return u, s, vt


# ---------------------------------------------------------------------------------------------
# eig (general square matrices; complex results).

eig_p = Primitive("eig", multiple_results=True)


def _complex_dtype(dtype):
    return np.dtype(np.complex128 if dtype in (np.float64, np.complex128) else np.complex64)


@eig_p.def_abstract_eval
def _eig_aval(x, *, compute_left_eigenvectors, compute_right_eigenvectors):
    check_matrix("eig", x, square=True)
    dtype = _complex_dtype(x.dtype)
    count = int(compute_left_eigenvectors) + int(compute_right_eigenvectors)
    return [ShapedArray(x.shape[:-1], dtype)] + [ShapedArray(x.shape, dtype)] * count


def _solve_lax(a, b):
    """Returns a^-1 b for square a by LU with partial pivoting (lax ops only)."""
    lu_matrix, _, perm = lu_p.bind(a)
    permuted = matmul(permutation_matrix(perm, get_aval(b).dtype), b)
    y = triangular_solve(lu_matrix, permuted, left_side=True, lower=True, unit_diagonal=True)
    return triangular_solve(lu_matrix, y, left_side=True, lower=False)


def _eig_jvp(primals, tangents, *, compute_left_eigenvectors, compute_right_eigenvectors):
    if compute_left_eigenvectors or compute_right_eigenvectors:
        raise NotImplementedError(
            "The derivatives of non-symmetric eigenvectors are not supported; differentiate "
            "the eigenvalues alone (compute_left_eigenvectors=False, "
            "compute_right_eigenvectors=False, or jnp.linalg.eigvals).")
    x, = primals
    dx, = tangents
    w, vr = eig_p.bind(x, compute_left_eigenvectors=False, compute_right_eigenvectors=True)
    # dw_i = (V^-1 dA V)_ii for distinct eigenvalues.
    projected = matmul(_solve_lax(vr, _to_dtype(dx, get_aval(vr).dtype)), vr)
    return [w], [diagonal(projected)]


ad.primitive_jvps[eig_p] = _eig_jvp
_unary_batcher(eig_p)


def eig(x, *, compute_left_eigenvectors=True, compute_right_eigenvectors=True):
    """Returns [w, vl, vr] for the square matrices x: the (complex) eigenvalues w, and the
    left (vl^H x = diag(w) vl^H) and right (x vr = vr diag(w)) eigenvectors as columns
    normalized to unit length, each only when asked for. Only the eigenvalues are
    differentiable."""
    return eig_p.bind(x, compute_left_eigenvectors=bool(compute_left_eigenvectors),
                      compute_right_eigenvectors=bool(compute_right_eigenvectors))
