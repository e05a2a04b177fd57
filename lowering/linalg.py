"""Lowering of the linear-algebra primitives (jaxlike/lax/linalg.py) to calls of the LAPACK
kernels that jaxlib ships, as XLA FFI custom calls (`lapack_{s,d,c,z}<routine>_ffi`).

This module is the only one that touches jaxlib's LAPACK surface: the kernels are
registered with XLA on the first linalg lowering (`_ensure_lapack`). The kernels take
column-major matrices (the custom call's layouts say so; XLA transposes row-major data around
the call) and loop over leading batch axes themselves. Each returns an `info` status per
matrix; where it reports failure the results are replaced by NaNs, as JAX does.
"""
import numpy as np

from jaxlike.core import ShapedArray
from lowering.elementwise import compare, full_like
from lowering.mlir import constant, hlo, ir, register, tensor_type

_PREFIX = {np.dtype(np.float32): "s", np.dtype(np.float64): "d",
           np.dtype(np.complex64): "c", np.dtype(np.complex128): "z"}
_lapack_registered = False


def _ensure_lapack():
    """Registers jaxlib's LAPACK kernels with XLA, once per process."""
    global _lapack_registered
    if _lapack_registered:
        return
    from jaxlib import lapack, xla_client
    from jaxlib.cpu import _lapack
    for platform, targets in lapack.registrations().items():
        for name, capsule, api_version in targets:
            xla_client.register_custom_call_target(name, capsule, platform=platform,
                                                   api_version=api_version)
    # Binds the LAPACK symbols (from scipy's cython_lapack); running a kernel without it
    # crashes the process.
    _lapack.initialize()
    _lapack_registered = True


def _layout(rank, matrix):
    """Returns the custom call layout of an operand: column-major matrices (batch axes
    major) for matrix operands, row-major for the others (vectors of pivots, info...)."""
    if matrix:
        dims = [rank - 2, rank - 1] + list(range(rank - 3, -1, -1))
    else:
        dims = list(range(rank - 1, -1, -1))
    return ir.DenseIntElementsAttr.get(np.array(dims, np.int64), type=ir.IndexType.get(),
                                       shape=(rank,))


def _lapack(routine, dtype, operands, in_avals, out_avals, alias=None, **chars):
    """Emits the LAPACK custom call `routine` for `dtype`; `chars` are its one-letter options
    (passed as uint8 ASCII codes). Operands and results of the operands' highest rank are
    matrices. `alias=(result, operand)` lets the kernel write that result over that operand
    (LAPACK works in place; without it XLA copies the operand first). Returns the results."""
    _ensure_lapack()
    u8 = ir.IntegerType.get_unsigned(8)
    config = ir.DictAttr.get({k: ir.IntegerAttr.get(u8, ord(v)) for k, v in chars.items()})
    rank = max(len(a.shape) for a in in_avals)
    op = hlo.CustomCallOp(
        [tensor_type(a) for a in out_avals], list(operands),
        f"lapack_{_PREFIX[np.dtype(dtype)]}{routine}_ffi",
        backend_config=config, api_version=ir.IntegerAttr.get(ir.IntegerType.get_signless(32), 4),
        operand_layouts=ir.ArrayAttr.get([_layout(len(a.shape), len(a.shape) == rank)
                                          for a in in_avals]),
        result_layouts=ir.ArrayAttr.get([_layout(len(a.shape), len(a.shape) == rank)
                                         for a in out_avals]),
        output_operand_aliases=ir.ArrayAttr.get([] if alias is None else [
            hlo.OutputOperandAlias.get([alias[0]] if len(out_avals) > 1 else [], alias[1], [])]))
    return list(op.results)


# ---------------------------------------------------------------------------------------------
# Helpers on values.

def _i32(shape):
    return ShapedArray(tuple(shape), np.dtype(np.int32))


def _triangle(x, aval, lower, k=0):
    """Returns x with the elements outside its lower (col <= row + k) or upper
    (col >= row + k) triangle zeroed."""
    shape, n = aval.shape, len(aval.shape)
    itype = ir.RankedTensorType.get(shape, ir.IntegerType.get_signless(32))
    rows = hlo.IotaOp(itype, n - 2).result
    cols = hlo.IotaOp(itype, n - 1).result
    if k:
        rows = hlo.AddOp(rows, full_like(_i32(shape), k)).result
    keep = compare(cols, rows, "LE" if lower else "GE", np.int32)
    return hlo.SelectOp(keep, x, full_like(aval, 0)).result


def _broadcast_batch(flag, batch, shape):
    """Returns the per-matrix values `flag` (shape `batch`) broadcast to `shape`."""
    out = ir.RankedTensorType.get(shape, flag.type.element_type)
    return hlo.BroadcastInDimOp(out, flag, ir.DenseI64ArrayAttr.get(list(range(len(batch))))
                                ).result


def _identity(aval):
    """Returns matrices of `aval` with ones on the diagonal and zeros elsewhere."""
    itype = tensor_type(_i32(aval.shape))
    n = len(aval.shape)
    diag = compare(hlo.IotaOp(itype, n - 2).result, hlo.IotaOp(itype, n - 1).result, "EQ",
                   np.int32)
    return hlo.SelectOp(diag, full_like(aval, 1), full_like(aval, 0)).result


def _nan_unless(ok, batch, x, aval):
    """Returns x with every matrix whose `ok` flag is False replaced by NaNs."""
    nan = full_like(aval, np.nan)
    return hlo.SelectOp(_broadcast_batch(ok, batch, aval.shape), x, nan).result


def _info_ok(info, batch, direction="EQ"):
    return compare(info, full_like(_i32(batch), 0), direction, np.int32)


def _slice(x, aval, axis, start, stop):
    """Returns x[..., start:stop, ...] along `axis`."""
    begin = [0] * len(aval.shape)
    end = list(aval.shape)
    begin[axis], end[axis] = start, stop
    dims = ir.DenseI64ArrayAttr.get
    return hlo.SliceOp(x, dims(begin), dims(end), dims([1] * len(end))).result


def _conj(x, aval):
    if not np.issubdtype(aval.dtype, np.complexfloating):
        return x
    return hlo.ComplexOp(hlo.RealOp(x).result,
                         hlo.NegOp(hlo.ImagOp(x).result).result).result


# ---------------------------------------------------------------------------------------------
# The rules.

@register("cholesky")
def _cholesky(ctx, x):
    aval = ctx.avals_in[0]
    batch = aval.shape[:-2]
    factor, info = _lapack("potrf", aval.dtype, [x], [aval], [aval, _i32(batch)], alias=(0, 0),
                           uplo="L")
    # Only the lower triangle is the factor; the upper one still holds the input.
    factor = _triangle(factor, aval, lower=True)
    return _nan_unless(_info_ok(info, batch), batch, factor, aval)


@register("triangular_solve")
def _triangular_solve(ctx, a, b, *, left_side, lower, transpose_a, conjugate_a,
                      unit_diagonal):
    a_aval, b_aval = ctx.avals_in
    if conjugate_a and not transpose_a:  # LAPACK has no "conjugate only" option
        a, conjugate_a = _conj(a, a_aval), False
    trans = ("C" if conjugate_a else "T") if transpose_a else "N"
    x, = _lapack("trsm", a_aval.dtype, [a, b], [a_aval, b_aval], [b_aval], alias=(0, 1),
                 side="L" if left_side else "R", uplo="L" if lower else "U", trans_x=trans,
                 diag="U" if unit_diagonal else "N")
    return x


@register("lu")
def _lu(ctx, x):
    aval, (_, pivots_aval, perm_aval) = ctx.avals_in[0], ctx.avals_out
    batch = aval.shape[:-2]
    lu, pivots, info = _lapack("getrf", aval.dtype, [x], [aval],
                               [aval, pivots_aval, _i32(batch)])
    pivots = hlo.SubtractOp(pivots, full_like(pivots_aval, 1)).result  # LAPACK's are 1-based
    # A positive info only reports an exactly singular U (the factorization is still valid).
    lu = _nan_unless(_info_ok(info, batch, "GE"), batch, lu, aval)
    return [lu, pivots, _pivots_to_permutation(pivots, pivots_aval, perm_aval.shape[-1])]


@register("lu_pivots_to_permutation")
def _lu_pivots_to_permutation(ctx, pivots, *, permutation_size):
    return _pivots_to_permutation(pivots, ctx.avals_in[0], permutation_size)


def _pivots_to_permutation(pivots, pivots_aval, size):
    """Emits a loop applying the row swaps i <-> pivots[..., i] in order to iota(size)."""
    batch, k = pivots_aval.shape[:-1], pivots_aval.shape[-1]
    perm_aval = _i32(batch + (size,))
    perm_type = tensor_type(perm_aval)
    if k == 0 or 0 in batch:  # no swaps (and a loop body that would not verify)
        return hlo.IotaOp(perm_type, len(batch)).result
    scalar = ir.RankedTensorType.get([], ir.IntegerType.get_signless(32))
    start = constant(np.int32(0))
    loop = hlo.WhileOp([scalar, perm_type], [start, hlo.IotaOp(perm_type, len(batch)).result])
    cond = loop.cond.blocks.append(scalar, perm_type)
    with ir.InsertionPoint(cond):
        hlo.ReturnOp([compare(cond.arguments[0], constant(np.int32(k)), "LT", np.int32)])
    body = loop.body.blocks.append(scalar, perm_type)
    with ir.InsertionPoint(body):
        i, perm = body.arguments
        hlo.ReturnOp([hlo.AddOp(i, constant(np.int32(1))).result,
                      _swap_step(i, perm, pivots, batch, size)])
    return loop.results[1]


def _swap_step(i, perm, pivots, batch, size):
    """Returns perm with entries i and pivots[..., i] swapped (per matrix of the batch)."""
    zero = constant(np.int32(0))
    column = ir.DenseI64ArrayAttr.get(list(batch) + [1])
    starts = [zero] * len(batch) + [i]
    target = hlo.DynamicSliceOp(pivots, starts, column).result       # (..., 1)
    at_i = hlo.DynamicSliceOp(perm, starts, column).result           # perm[..., i]
    shape = batch + (size,)
    positions = hlo.IotaOp(tensor_type(_i32(shape)), len(batch)).result
    widen = ir.DenseI64ArrayAttr.get(list(range(len(shape))))
    full_type = tensor_type(_i32(shape))
    is_target = compare(positions, hlo.BroadcastInDimOp(full_type, target, widen).result, "EQ",
                        np.int32)
    # perm[..., target]: the one element of perm where is_target holds, by a sum.
    picked = hlo.SelectOp(is_target, perm, full_like(_i32(shape), 0)).result
    at_target = _sum_last(picked, shape)
    is_i = compare(positions, hlo.BroadcastInDimOp(full_type, i, ir.DenseI64ArrayAttr.get([])
                                                   ).result, "EQ", np.int32)
    swapped = hlo.SelectOp(is_target, hlo.BroadcastInDimOp(full_type, at_i, widen).result,
                           perm).result
    return hlo.SelectOp(is_i, hlo.BroadcastInDimOp(full_type, at_target, widen).result,
                        swapped).result


def _sum_last(x, shape):
    """Returns the int32 sums of x over its last axis, keeping it with size 1."""
    scalar = ir.RankedTensorType.get([], ir.IntegerType.get_signless(32))
    reduced = ir.RankedTensorType.get(list(shape[:-1]), ir.IntegerType.get_signless(32))
    op = hlo.ReduceOp([reduced], [x], [constant(np.int32(0))],
                      ir.DenseI64ArrayAttr.get([len(shape) - 1]))
    block = op.body.blocks.append(scalar, scalar)
    with ir.InsertionPoint(block):
        hlo.ReturnOp([hlo.AddOp(*block.arguments).result])
    kept = ir.RankedTensorType.get(list(shape[:-1]) + [1], ir.IntegerType.get_signless(32))
    return hlo.ReshapeOp(kept, op.results[0]).result


@register("qr")
def _qr(ctx, x, *, full_matrices):
    aval = ctx.avals_in[0]
    q_aval, r_aval = ctx.avals_out
    batch, (m, n) = aval.shape[:-2], aval.shape[-2:]
    k = min(m, n)
    tau_aval = ShapedArray(batch + (k,), aval.dtype)
    packed, tau = _lapack("geqrf", aval.dtype, [x], [aval], [aval, tau_aval])
    # orgqr expands the k reflectors into as many columns of Q as its input has (>= k).
    cols = q_aval.shape[-1]
    if cols > n:  # full Q of a tall matrix: add zero columns for the reflectors to fill
        reflectors = hlo.PadOp(packed, constant(np.zeros((), aval.dtype)),
                               ir.DenseI64ArrayAttr.get([0] * len(aval.shape)),
                               ir.DenseI64ArrayAttr.get([0] * (len(batch) + 1) + [cols - n]),
                               ir.DenseI64ArrayAttr.get([0] * len(aval.shape))).result
    else:
        reflectors = _slice(packed, aval, len(aval.shape) - 1, 0, cols)
    q, = _lapack("orgqr" if aval.dtype.kind == "f" else "ungqr", aval.dtype,
                 [reflectors, tau], [q_aval, tau_aval], [q_aval])
    r = _slice(packed, aval, len(aval.shape) - 2, 0, r_aval.shape[-2]) \
        if r_aval.shape[-2] < m else packed
    return [q, _triangle(r, r_aval, lower=False)]


@register("eigh")
def _eigh(ctx, x, *, lower, sort_eigenvalues, subset_by_index):
    aval = ctx.avals_in[0]
    v_aval, w_aval = ctx.avals_out
    batch = aval.shape[:-2]
    routine = "heevd" if np.issubdtype(aval.dtype, np.complexfloating) else "syevd"
    v, w, info = _lapack(routine, aval.dtype, [x], [aval], [v_aval, w_aval, _i32(batch)],
                         mode="V", uplo="L" if lower else "U")
    ok = _info_ok(info, batch)
    # LAPACK returns the eigenvalues in ascending order, as sort_eigenvalues asks.
    return [_nan_unless(ok, batch, v, v_aval), _nan_unless(ok, batch, w, w_aval)]


@register("svd")
def _svd(ctx, x, *, full_matrices, compute_uv):
    aval = ctx.avals_in[0]
    batch, (m, n) = aval.shape[:-2], aval.shape[-2:]
    k = min(m, n)
    if compute_uv:
        s_aval, u_aval, vt_aval = ctx.avals_out
        mode = "A" if full_matrices else "S"
    else:
        s_aval, = ctx.avals_out
        # gesdd's job 'N' leaves the vector buffers untouched; keep them small.
        u_aval = ShapedArray(batch + (m, k), aval.dtype)
        vt_aval = ShapedArray(batch + (k, n), aval.dtype)
        mode = "N"
    if k == 0:  # gesdd fails on empty matrices: no singular values, identity vectors
        outs = [full_like(s_aval, 0)]
        return outs + [_identity(u_aval), _identity(vt_aval)] if compute_uv else outs
    _, s, u, vt, info = _lapack("gesdd", aval.dtype, [x], [aval],
                                [aval, s_aval, u_aval, vt_aval, _i32(batch)], mode=mode)
    ok = _info_ok(info, batch)
    outs = [_nan_unless(ok, batch, s, s_aval)]
    if compute_uv:
        outs += [_nan_unless(ok, batch, u, u_aval), _nan_unless(ok, batch, vt, vt_aval)]
    return outs


@register("eig")
def _eig(ctx, x, *, compute_left_eigenvectors, compute_right_eigenvectors):
    aval = ctx.avals_in[0]
    batch = aval.shape[:-2]
    w_aval = ctx.avals_out[0]
    vec_aval = ShapedArray(aval.shape, w_aval.dtype)
    real = not np.issubdtype(aval.dtype, np.complexfloating)
    # geev returns the eigenvalues as (real, imaginary) parts for real input, and the
    # eigenvectors already unpacked into complex columns.
    values = [ShapedArray(w_aval.shape, aval.dtype)] * (2 if real else 1)
    *w, vl, vr, info = _lapack(
        "geev", aval.dtype, [x], [aval], values + [vec_aval, vec_aval, _i32(batch)],
        compute_left="V" if compute_left_eigenvectors else "N",
        compute_right="V" if compute_right_eigenvectors else "N")
    w = hlo.ComplexOp(*w).result if real else w[0]
    ok = _info_ok(info, batch)
    outs = [_nan_unless(ok, batch, w, w_aval)]
    if compute_left_eigenvectors:
        outs.append(_nan_unless(ok, batch, vl, vec_aval))
    if compute_right_eigenvectors:
        outs.append(_nan_unless(ok, batch, vr, vec_aval))
    return outs
