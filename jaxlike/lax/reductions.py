"""Reductions over axes (`reduce_sum`, `reduce_max`, ... `reduce_xor`), `argmax`/`argmin`, and
`dot_general` with its wrappers `dot` and `batch_matmul`.

Parameters follow JAX's jaxprs: `reduce_sum[axes=(0,) out_sharding=None]`,
`argmax[axes=(0,) index_dtype=int32]`,
`dot_general[dimension_numbers=(([1], [0]), ([], [])) precision=None ...]`. Params are always
hashable (tuples of Python ints, np.dtype, Precision members, None), since they key the
eager-dispatch cache. lax functions take non-negative axes only; `jnp` normalizes negative ones.
"""
import enum
import math
import operator

import numpy as np

from jaxlike import dtypes
from jaxlike.core import Primitive, ShapedArray, get_aval
from jaxlike.core.ir import param_printers
from jaxlike.interpreters import ad, batching
from jaxlike.lax import elementwise as ew
from jaxlike.lax import structural as st
from jaxlike.lax.elementwise import dtype_kind

__all__ = [
    "Precision", "reduce_sum", "reduce_max", "reduce_min", "reduce_prod", "reduce_and",
    "reduce_or", "reduce_xor", "argmax", "argmin", "dot_general", "dot", "batch_matmul",
    "reduce_sum_p", "reduce_max_p", "reduce_min_p", "reduce_prod_p", "reduce_and_p",
    "reduce_or_p", "reduce_xor_p", "argmax_p", "argmin_p", "dot_general_p",
]


# Dtype families: (the dtype kinds accepted, their name in error messages as JAX's).
_NUMBER = (("int", "uint", "float", "complex"), "number")
_ANY = (("bool", "int", "uint", "float", "complex"), "bool or number")
_ORDERED = (("bool", "int", "uint", "float"), "bool, integer or floating")
_INT_OR_BOOL = (("bool", "int", "uint"), "bool or integer")


def _describe(aval):
    """Returns an aval as JAX writes it in messages, e.g. `float32[2,3]`."""
    return f"{aval.dtype.name}[{','.join(map(str, aval.shape))}]"


def _check_dtype(name, family, aval, hint=""):
    """Raises TypeError naming `name`, the operand's dtype and shape, and what is accepted."""
    kinds, description = family
    if dtype_kind(aval.dtype) not in kinds:
        raise TypeError(f"{name} does not accept dtype {aval.dtype.name} (operand: "
                        f"{_describe(aval)}). Accepted dtypes are subtypes of "
                        f"{description}.{hint}")


def _int_tuple(value):
    """Returns `value` (an int or a sequence of ints) as a tuple of Python ints; raises
    TypeError otherwise. numpy integers become Python ints so that params print cleanly."""
    if isinstance(value, (str, bytes)):
        raise TypeError(value)
    try:
        return (operator.index(value),)
    except TypeError:
        return tuple(operator.index(v) for v in value)


# ---------------------------------------------------------------------------------------------
# Reductions over axes.

def _normalize_axes(name, axes):
    if not hasattr(axes, "__iter__"):
        raise TypeError(f"{name}: axes must be a sequence of ints, got {axes!r}; write "
                        f"({axes!r},) to reduce over one axis.")
    try:
        return _int_tuple(axes)
    except TypeError:
        raise TypeError(f"{name}: axes must be a sequence of ints, got {axes!r}.") from None


def _check_axes(name, aval, axes):
    """Raises ValueError unless `axes` are distinct, in-range axes of `aval`."""
    rank = len(aval.shape)
    if any(not 0 <= a < rank for a in axes):
        raise ValueError(f"{name}: reduction axes {axes} contain out-of-bounds indices for an "
                         f"operand of type {_describe(aval)} (rank {rank}); lax needs axes in "
                         f"[0, {rank}). Use the jnp function for negative axes.")
    if len(set(axes)) != len(axes):
        raise ValueError(f"{name}: duplicate value in reduction axes {axes} for an operand of "
                         f"type {_describe(aval)}.")


def _reduction(name, accepted, hint=""):
    """Returns a new reduction primitive: the result drops `axes` and keeps dtype and weak type."""
    prim = Primitive(name)

    def rule(operand, *, axes, **_):
        _check_dtype(name, accepted, operand, hint)
        _check_axes(name, operand, axes)
        shape = tuple(d for i, d in enumerate(operand.shape) if i not in axes)
        return ShapedArray(shape, operand.dtype, operand.weak_type)

    prim.def_abstract_eval(rule)
    return prim


_BOOL_HINT = " For bool operands use reduce_or/reduce_and, or convert first."
reduce_sum_p = _reduction("reduce_sum", _NUMBER, _BOOL_HINT)
reduce_prod_p = _reduction("reduce_prod", _NUMBER, _BOOL_HINT)
reduce_max_p = _reduction("reduce_max", _ANY)
reduce_min_p = _reduction("reduce_min", _ANY)
reduce_and_p = _reduction("reduce_and", _INT_OR_BOOL)
reduce_or_p = _reduction("reduce_or", _INT_OR_BOOL)
reduce_xor_p = _reduction("reduce_xor", _INT_OR_BOOL)


# Differentiation rules of the reductions. They are written with lax functions, so that
# derivatives of any order compose.

def _kept_dims(shape, axes):
    """Returns the dimensions of `shape` that a reduction over `axes` keeps."""
    return tuple(d for d in range(len(shape)) if d not in axes)


def _unreduce(x, operand_aval, axes):
    """Returns a reduction's result `x` broadcast back to the operand's shape."""
    shape = operand_aval.shape
    return st.broadcast_in_dim(x, shape, _kept_dims(shape, axes))


def _scalar_like(value, aval):
    """Returns the scalar `value` with `aval`'s dtype and weak type."""
    scalar = np.asarray(value, aval.dtype)
    return ew.convert_element_type(scalar, aval.dtype, True) if aval.weak_type else scalar


def _reduce_sum_transpose(ct, operand, *, axes, out_sharding):
    # Each operand element contributed once to the sum it was reduced into.
    return [_unreduce(ct, operand.aval, axes)]


ad.deflinear(reduce_sum_p, _reduce_sum_transpose)


def _reduce_chooser_jvp(tangents, out, operand, *, axes):
    # As JAX does: the tangent is averaged over the positions that attain the extremum, so
    # gradients split ties evenly (and a NaN extremum, equal to nothing, gives NaN).
    (tangent,) = tangents
    aval = get_aval(operand)
    attained = ew.eq(operand, _unreduce(out, aval, axes))
    indicator = ew.convert_element_type(attained, aval.dtype, aval.weak_type)
    counts = reduce_sum(indicator, axes)
    return ew.div(reduce_sum(ew.mul(tangent, indicator), axes), counts)


ad.defjvp_with_output(reduce_max_p, _reduce_chooser_jvp)
ad.defjvp_with_output(reduce_min_p, _reduce_chooser_jvp)


def _shift(x, offset):
    """Returns `x` moved `offset` places along axis 0 (towards higher indices when positive),
    filled with ones: negative padding on the far side drops the elements pushed out."""
    config = ((offset, -offset, 0),) + ((0, 0, 0),) * (len(get_aval(x).shape) - 1)
    return st.pad(x, _scalar_like(1, get_aval(x)), config)


def _exclusive_cumprod(x, reverse):
    """Returns y with y[i] = prod(x[:i]) along axis 0 (prod(x[i+1:]) when `reverse`), by
    doubling steps: ceil(log2(n)) multiplications of shifted copies, and no division."""
    n, sign = get_aval(x).shape[0], -1 if reverse else 1
    y = _shift(x, sign)
    step = 1
    while step < n:
        y = ew.mul(y, _shift(y, sign * step))
        step *= 2
    return y


def _products_of_others(operand, axes):
    """Returns, for each element of `operand`, the product of the other elements it is
    reduced with over `axes`: the derivative of reduce_prod, exact even where there are
    zeros (unlike prod / x)."""
    aval = get_aval(operand)
    kept = _kept_dims(aval.shape, axes)
    reduced_shape = tuple(aval.shape[a] for a in axes)
    kept_shape = tuple(aval.shape[d] for d in kept)
    n = math.prod(reduced_shape)
    if n == 0:
        return st.broadcast_in_dim(_scalar_like(1, aval), aval.shape, ())
    # Flatten the reduced axes into a leading one, multiply the products of the elements
    # before and after each position, and restore the operand's layout.
    permutation = tuple(axes) + kept
    flat = st.reshape(st.transpose(operand, permutation), (n,) + kept_shape)
    others = ew.mul(_exclusive_cumprod(flat, False), _exclusive_cumprod(flat, True))
    others = st.reshape(others, reduced_shape + kept_shape)
    return st.transpose(others, tuple(np.argsort(permutation).tolist()))


def _reduce_prod_jvp(tangent, operand, *, axes):
    if not axes:
        return tangent
    return reduce_sum(ew.mul(tangent, _products_of_others(operand, axes)), axes)


ad.defjvp(reduce_prod_p, _reduce_prod_jvp)
for _prim in (reduce_and_p, reduce_or_p, reduce_xor_p):
    ad.defnondiff(_prim)


# Batching: the batch dim stays where it is and the reduced axes are renumbered around it, so
# a vmapped reduction is the same one primitive, never a transpose plus a reduction.

def _axes_around(axes, bdim):
    """Returns an operand's `axes` renumbered for the operand with a batch axis at `bdim`."""
    return tuple(a + (a >= bdim) for a in axes)


def _reduced_batch_dim(axes, bdim):
    """Returns where the batch axis at `bdim` ends up once `axes` (batched numbering) are
    reduced away: one place earlier for each reduced axis before it."""
    return bdim - sum(a < bdim for a in axes)


def _axes_batcher(prim):
    """Registers the vmap rule of a primitive reducing its one operand over `axes`."""
    def rule(vals, dims, *, axes, **params):
        (operand,), (bdim,) = vals, dims
        axes = _axes_around(axes, bdim)
        return prim.bind(operand, axes=axes, **params), _reduced_batch_dim(axes, bdim)
    batching.primitive_batchers[prim] = rule
    return rule


for _prim in (reduce_sum_p, reduce_max_p, reduce_min_p, reduce_prod_p, reduce_and_p,
              reduce_or_p, reduce_xor_p):
    _axes_batcher(_prim)


def _check_no_sharding(name, out_sharding):
    if out_sharding is not None:
        raise NotImplementedError(f"{name}: out_sharding is not supported yet; pass None and "
                                  "use lax.with_sharding_constraint on the result instead.")


def reduce_sum(operand, axes, *, out_sharding=None):
    """Returns the sum of `operand`'s elements over `axes` (a sequence of non-negative ints);
    the result has the other axes, and `operand`'s dtype (bool is rejected)."""
    _check_no_sharding("reduce_sum", out_sharding)
    return reduce_sum_p.bind(operand, axes=_normalize_axes("reduce_sum", axes),
                             out_sharding=None)


def reduce_prod(operand, axes):
    """Returns the product of `operand`'s elements over `axes`, in `operand`'s dtype."""
    return reduce_prod_p.bind(operand, axes=_normalize_axes("reduce_prod", axes))


def reduce_max(operand, axes):
    """Returns the maximum of `operand` over `axes` (NaN-propagating; -inf or the dtype's
    minimum for an empty reduction)."""
    return reduce_max_p.bind(operand, axes=_normalize_axes("reduce_max", axes))


def reduce_min(operand, axes):
    """Returns the minimum of `operand` over `axes` (NaN-propagating; +inf or the dtype's
    maximum for an empty reduction)."""
    return reduce_min_p.bind(operand, axes=_normalize_axes("reduce_min", axes))


def reduce_and(operand, axes):
    """Returns the logical (bool) or bitwise (integer) AND of `operand` over `axes`."""
    return reduce_and_p.bind(operand, axes=_normalize_axes("reduce_and", axes))


def reduce_or(operand, axes):
    """Returns the logical (bool) or bitwise (integer) OR of `operand` over `axes`."""
    return reduce_or_p.bind(operand, axes=_normalize_axes("reduce_or", axes))


def reduce_xor(operand, axes):
    """Returns the logical (bool) or bitwise (integer) XOR of `operand` over `axes`."""
    return reduce_xor_p.bind(operand, axes=_normalize_axes("reduce_xor", axes))


# ---------------------------------------------------------------------------------------------
# argmax / argmin.

def _arg_reduction(name):
    prim = Primitive(name)

    def rule(operand, *, axes, index_dtype):
        _check_dtype(name, _ORDERED, operand)
        (axis,) = axes
        if not 0 <= axis < len(operand.shape):
            raise ValueError(f"{name}: invalid axis {axis} for an operand of type "
                             f"{_describe(operand)}; lax needs 0 <= axis < {len(operand.shape)}.")
        if operand.shape[axis] == 0:
            raise ValueError(f"{name} requires a non-empty reduced dimension; got axis {axis} "
                             f"of an operand of type {_describe(operand)}.")
        shape = operand.shape[:axis] + operand.shape[axis + 1:]
        return ShapedArray(shape, index_dtype)

    prim.def_abstract_eval(rule)
    return prim


argmax_p = _arg_reduction("argmax")
argmin_p = _arg_reduction("argmin")
# Indices are integers: they have no derivative.
ad.defnondiff(argmax_p)
ad.defnondiff(argmin_p)
# Same batching as the reductions (`axes` holds the one reduced axis).
_axes_batcher(argmax_p)
_axes_batcher(argmin_p)


def _bind_arg_reduction(prim, operand, axis, index_dtype):
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{prim.name}: axis must be an int, got {axis!r}.") from None
    index_dtype = dtypes.canonicalize_dtype(index_dtype)
    if dtype_kind(index_dtype) not in ("int", "uint"):
        raise TypeError(f"{prim.name}: index_dtype must be an integer type, but got "
                        f"{index_dtype.name}.")
    return prim.bind(operand, axes=(axis,), index_dtype=index_dtype)


def argmax(operand, axis, index_dtype):
    """Returns the index (of dtype `index_dtype`) of the largest element along `axis`; NaN
    counts as largest, and ties go to the smallest index."""
    return _bind_arg_reduction(argmax_p, operand, axis, index_dtype)


def argmin(operand, axis, index_dtype):
    """Returns the index (of dtype `index_dtype`) of the smallest element along `axis`; NaN
    counts as smallest, and ties go to the smallest index."""
    return _bind_arg_reduction(argmin_p, operand, axis, index_dtype)


# ---------------------------------------------------------------------------------------------
# Precision of matrix products.

class Precision(enum.Enum):
    """Precision of a matrix product on accelerators: DEFAULT (fastest, e.g. one bfloat16
    pass), HIGH (three passes or TF32) or HIGHEST (full float32). CPUs always compute at
    full precision. Strings such as 'highest' or 'float32' name the members too."""

    DEFAULT = 0
    HIGH = 1
    HIGHEST = 2

    @classmethod
    def _missing_(cls, value):
        member = _PRECISION_NAMES.get(value.lower()) if isinstance(value, str) else None
        return None if member is None else cls[member]

    def __repr__(self):
        return f"Precision.{self.name}"

    def __str__(self):
        return self.name


_PRECISION_NAMES = {
    "default": "DEFAULT", "fastest": "DEFAULT", "bfloat16": "DEFAULT",
    "high": "HIGH", "bfloat16_3x": "HIGH", "tensorfloat32": "HIGH",
    "highest": "HIGHEST", "float32": "HIGHEST",
}


def canonicalize_precision(precision):
    """Returns None or a pair of Precision members (one per operand) for a precision argument:
    None, a Precision, a name such as 'highest', or a pair of those."""
    if precision is None:
        return None
    if isinstance(precision, (Precision, str)):
        precision = (precision, precision)
    if (isinstance(precision, tuple) and len(precision) == 2
            and all(isinstance(p, (Precision, str)) for p in precision)):
        try:
            return tuple(Precision(p) for p in precision)
        except ValueError:
            pass
    names = ", ".join(repr(n) for n in _PRECISION_NAMES)
    raise ValueError(f"precision must be None, a lax.Precision, one of the strings {names}, "
                     f"or a pair of those; got {precision!r}.")


# ---------------------------------------------------------------------------------------------
# dot_general.

def _normalize_dimension_numbers(dimension_numbers):
    """Returns ((lhs_contract, rhs_contract), (lhs_batch, rhs_batch)) as tuples of ints."""
    try:
        (lc, rc), (lb, rb) = dimension_numbers
        return (_int_tuple(lc), _int_tuple(rc)), (_int_tuple(lb), _int_tuple(rb))
    except (TypeError, ValueError):
        raise TypeError("dot_general: dimension_numbers must be ((lhs_contracting, "
                        "rhs_contracting), (lhs_batch, rhs_batch)), each a sequence of ints; "
                        f"got {dimension_numbers!r}.") from None


def _format_dimension_numbers(dn):
    """Returns dimension numbers written as JAX prints them: `(([1], [0]), ([], []))`."""
    (lc, rc), (lb, rb) = dn
    return f"(({list(lc)}, {list(rc)}), ({list(lb)}, {list(rb)}))"


def _dimension_numbers_problem(lhs, rhs, dn):
    """Returns what is wrong with dimension numbers `dn` for these operands, or None."""
    (lc, rc), (lb, rb) = dn
    for side, aval, contract, batch in (("lhs", lhs, lc, lb), ("rhs", rhs, rc, rb)):
        rank = len(aval.shape)
        if any(not 0 <= d < rank for d in contract + batch):
            return f"{side} dimension numbers must lie in [0, {rank}) (the {side} rank)"
        if len(set(contract)) != len(contract) or len(set(batch)) != len(batch):
            return f"{side} contracting and batch dimensions must each be distinct"
        if set(contract) & set(batch):
            return f"{side} batch dimensions must be disjoint from its contracting dimensions"
    if len(lb) != len(rb):
        return "lhs and rhs need equally many batch dimensions"
    if len(lc) != len(rc):
        return "lhs and rhs need equally many contracting dimensions"
    for what, ldims, rdims in (("batch", lb, rb), ("contracting", lc, rc)):
        lsizes = tuple(lhs.shape[d] for d in ldims)
        rsizes = tuple(rhs.shape[d] for d in rdims)
        if lsizes != rsizes:
            return f"{what} dimensions must have equal sizes, got {lsizes} and {rsizes}"
    return None


def _dot_shape(lhs, rhs, dn):
    """Returns the output shape: batch dims, then lhs free dims, then rhs free dims (XLA's)."""
    (lc, rc), (lb, rb) = dn
    batch = tuple(lhs.shape[d] for d in lb)
    lhs_free = tuple(s for d, s in enumerate(lhs.shape) if d not in lc and d not in lb)
    rhs_free = tuple(s for d, s in enumerate(rhs.shape) if d not in rc and d not in rb)
    return batch + lhs_free + rhs_free


def _bits(dtype):
    """Returns the bit width of a dtype (1 for bool; a complex type's real component's)."""
    kind = dtype_kind(dtype)
    if kind == "bool":
        return 1
    return (dtypes.iinfo(dtype) if kind in ("int", "uint") else dtypes.finfo(dtype)).bits


def _precision_rank(dtype):
    """Orders dtypes as XLA does for mixed-type dots: complex over real, then exponent range,
    mantissa bits, bit width, and signed over unsigned."""
    kind = dtype_kind(dtype)
    if kind in ("float", "complex"):
        info = dtypes.finfo(dtype)
        exponent, mantissa = info.maxexp, info.nmant
    else:
        exponent, mantissa = -1, -1
    return (kind == "complex", exponent, mantissa, _bits(dtype), kind != "uint")


def _dot_dtype(lhs, rhs, preferred, describe):
    """Returns the result dtype: the more precise operand dtype, or `preferred` when it is not
    a narrowing of an integer, bool or complex result."""
    lrank, rrank = _precision_rank(lhs.dtype), _precision_rank(rhs.dtype)
    if lrank == rrank and lhs.dtype != rhs.dtype:
        raise TypeError(f"dot_general cannot mix dtypes {lhs.dtype.name} and {rhs.dtype.name} "
                        f"({describe()}); convert one operand first.")
    result = lhs.dtype if lrank >= rrank else rhs.dtype
    if preferred is None or preferred == result:
        return result
    if dtype_kind(result) != "float" and _bits(preferred) < _bits(result):
        raise TypeError(f"dot_general: preferred_element_type {preferred.name} must not be "
                        f"narrower than the result type {result.name} ({describe()}).")
    return preferred


def _dot_general_aval(lhs, rhs, *, dimension_numbers, precision, preferred_element_type,
                      out_sharding):
    def describe():
        return (f"lhs {_describe(lhs)}, rhs {_describe(rhs)}, dimension_numbers="
                f"{_format_dimension_numbers(dimension_numbers)}")

    problem = _dimension_numbers_problem(lhs, rhs, dimension_numbers)
    if problem is not None:
        raise TypeError(f"dot_general: {problem} ({describe()}).")
    dtype = _dot_dtype(lhs, rhs, preferred_element_type, describe)
    return ShapedArray(_dot_shape(lhs, rhs, dimension_numbers), dtype,
                       lhs.weak_type and rhs.weak_type)


dot_general_p = Primitive("dot_general")
dot_general_p.def_abstract_eval(_dot_general_aval)


def _print_dot_general_params(params):
    # JAX prints dimension numbers with lists and leaves out the params that are None.
    shown = {k: v for k, v in params.items() if v is not None}
    shown["dimension_numbers"] = _format_dimension_numbers(params["dimension_numbers"])
    return shown


param_printers["dot_general"] = _print_dot_general_params


# dot_general is bilinear: its JVP is the sum of the products with one tangent each, and it
# is transposed with respect to whichever operand is linear.

def _dot_general_jvp_lhs(tangent, lhs, rhs, **params):
    return dot_general_p.bind(tangent, rhs, **params)


def _dot_general_jvp_rhs(tangent, lhs, rhs, **params):
    return dot_general_p.bind(lhs, tangent, **params)


ad.defjvp(dot_general_p, _dot_general_jvp_lhs, _dot_general_jvp_rhs)


def _cast_cotangent(ct, aval):
    """Returns `ct` with `aval`'s dtype and weak type (the product may be wider, e.g. with
    preferred_element_type, or complex against a real operand: its real part is kept)."""
    if dtypes.is_complex(get_aval(ct).dtype) and not dtypes.is_complex(aval.dtype):
        ct = ew.real(ct)
    return ew.convert_element_type(ct, aval.dtype, aval.weak_type)


def _dot_general_operand_ct(ct, other, x_aval, x_dims, other_dims, x_is_lhs, precision,
                            preferred_element_type):
    """Returns the cotangent of the linear operand x of a dot_general, given the other one.

    `ct` has the output's layout: batch dims, lhs free dims, rhs free dims. Contracting it
    with `other` over other's free dims (batching the batch dims) leaves x's batch dims, x's
    free dims and other's contracting dims, which pair with x's contracting dims. The product
    is taken in whichever operand order yields x's layout directly (`x.T @ ct` for the weight
    of `x @ w`), so that no transpose follows it. XLA folds such a transpose into a matrix
    product, but not into the broadcast multiply it makes of an outer product (a weight
    gradient under vmap): there it would copy every per-example gradient once more."""
    (x_contract, x_batch), (o_contract, o_batch) = x_dims, other_dims
    n_batch = len(x_batch)
    x_free = _kept_dims(x_aval.shape, x_contract + x_batch)
    o_free = _kept_dims(get_aval(other).shape, o_contract + o_batch)
    start = n_batch + (len(x_free) if x_is_lhs else 0)
    ct_o_free = tuple(range(start, start + len(o_free)))
    batch = tuple(range(n_batch))
    paired = tuple(x_contract[o_contract.index(d)] for d in sorted(o_contract))
    if precision is not None and not x_is_lhs:
        precision = precision[::-1]  # (ct's = x's precision, other's)
    if x_batch + paired + x_free == tuple(range(len(x_aval.shape))) and x_free and paired:
        # other first: the product's dims are batch, other's contracting (x's), x's free.
        product = dot_general(other, ct, ((o_free, ct_o_free), (o_batch, batch)),
                              None if precision is None else precision[::-1],
                              preferred_element_type)
        return _cast_cotangent(product, x_aval)
    product = dot_general(ct, other, ((ct_o_free, o_free), (batch, o_batch)), precision,
                          preferred_element_type)
    product_dims = x_batch + x_free + paired
    product = st.transpose(product, tuple(np.argsort(product_dims).tolist()))
    return _cast_cotangent(product, x_aval)


def _dot_general_transpose(ct, lhs, rhs, *, dimension_numbers, precision,
                           preferred_element_type, out_sharding):
    (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
    lhs_dims, rhs_dims = (lhs_contract, lhs_batch), (rhs_contract, rhs_batch)
    if ad.is_undefined_primal(lhs):
        return [_dot_general_operand_ct(ct, rhs, lhs.aval, lhs_dims, rhs_dims, True,
                                        precision, preferred_element_type), None]
    return [None, _dot_general_operand_ct(ct, lhs, rhs.aval, rhs_dims, lhs_dims, False,
                                          precision, preferred_element_type)]


ad.primitive_transposes[dot_general_p] = _dot_general_transpose


# Batching: no transposes. With both operands batched, the two batch axes become one more
# batch dimension of the product (XLA's batch dims may sit anywhere in the operands; the
# result's come first). With one operand batched, its batch axis is one more free dimension
# of that operand, which lands among the free dims of the result.

def _dot_general_batch(vals, dims, *, dimension_numbers, **params):
    (lhs, rhs), (lbd, rbd) = vals, dims
    (lc, rc), (lb, rb) = dimension_numbers
    if lbd is not batching.not_mapped:
        lc, lb = _axes_around(lc, lbd), _axes_around(lb, lbd)
    if rbd is not batching.not_mapped:
        rc, rb = _axes_around(rc, rbd), _axes_around(rb, rbd)
    if lbd is not batching.not_mapped and rbd is not batching.not_mapped:
        dimension_numbers, out_dim = ((lc, rc), ((lbd,) + lb, (rbd,) + rb)), 0
    else:
        dimension_numbers = ((lc, rc), (lb, rb))
        lhs_free = _kept_dims(get_aval(lhs).shape, lc + lb)
        if rbd is batching.not_mapped:  # lhs free dims follow the batch dims
            out_dim = len(lb) + lhs_free.index(lbd)
        else:  # rhs free dims follow the lhs free dims
            rhs_free = _kept_dims(get_aval(rhs).shape, rc + rb)
            out_dim = len(lb) + len(lhs_free) + rhs_free.index(rbd)
    return dot_general_p.bind(lhs, rhs, dimension_numbers=dimension_numbers, **params), out_dim


batching.primitive_batchers[dot_general_p] = _dot_general_batch


def dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None, *,
                out_sharding=None):
    """Returns the general tensor contraction of `lhs` and `rhs`.

    `dimension_numbers` is `((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch))`.
    The result's axes are the batch axes, then lhs's remaining axes, then rhs's. Its dtype is
    `preferred_element_type` when given, else the more precise of the operand dtypes."""
    _check_no_sharding("dot_general", out_sharding)
    if preferred_element_type is not None:
        preferred_element_type = dtypes.canonicalize_dtype(preferred_element_type)
    return dot_general_p.bind(lhs, rhs,
                              dimension_numbers=_normalize_dimension_numbers(dimension_numbers),
                              precision=canonicalize_precision(precision),
                              preferred_element_type=preferred_element_type, out_sharding=None)


def dot(lhs, rhs, *, dimension_numbers=None, precision=None, preferred_element_type=None,
        out_sharding=None):
    """Returns the vector-vector, matrix-vector or matrix-matrix product of `lhs` and `rhs`
    (ranks 1 or 2, contracting lhs's last axis with rhs's first), or `dot_general` with
    `dimension_numbers` when those are given."""
    if dimension_numbers is None:
        lshape, rshape = get_aval(lhs).shape, get_aval(rhs).shape
        if not (len(lshape) in (1, 2) and len(rshape) in (1, 2) and lshape[-1] == rshape[0]):
            raise ValueError("lax.dot computes only matrix-matrix, matrix-vector and "
                             "vector-vector products with matching inner sizes; got lhs shape "
                             f"{lshape} and rhs shape {rshape}. Pass dimension_numbers, or use "
                             "lax.dot_general or jnp.dot.")
        dimension_numbers = (((len(lshape) - 1,), (0,)), ((), ()))
    return dot_general(lhs, rhs, dimension_numbers, precision, preferred_element_type,
                       out_sharding=out_sharding)


def batch_matmul(lhs, rhs, precision=None):
    """Returns the batched matrix product of `lhs` (..., m, k) and `rhs` (..., k, n), of shape
    (..., m, n); all leading axes are batch axes and must agree."""
    lrank, rrank = len(get_aval(lhs).shape), len(get_aval(rhs).shape)
    if lrank < 2 or rrank < 2:
        raise ValueError(f"lax.batch_matmul needs operands of rank at least 2, got ranks "
                         f"{lrank} and {rrank}.")
    if lrank != rrank:
        raise ValueError(f"lax.batch_matmul needs operands of equal rank, got ranks {lrank} "
                         f"and {rrank}.")
    batch = tuple(range(lrank - 2))
    return dot_general(lhs, rhs, (((lrank - 1,), (lrank - 2,)), (batch, batch)), precision)
