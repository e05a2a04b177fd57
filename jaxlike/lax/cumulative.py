"""Cumulative reductions along one axis: `cumsum`, `cumprod`, `cummax`, `cummin` and
`cumlogsumexp`, with JAX's names and params (`cumsum[axis=0 reverse=False]`).

out[i] combines operand[0..i] along `axis` (operand[i..n-1] when `reverse`). The lowering
(lowering/cumulative.py) is one reduce_window whose window spans the whole prefix, as JAX
emits; XLA rewrites such windows into a logarithmic-depth scan, so it costs O(n log n), not
O(n^2).

Derivatives: cumsum is linear, and its transpose is the cumsum running the other way. The
others take the JVP of their associative-scan formulation (`lax.associative_scan` with the
binary op), as JAX does: a parallel prefix whose tangent program uses only slices, pads
and elementwise ops, so it can be transposed and differentiated again. The primal output
is still the primitive's own.
"""
import functools
import operator

from jaxlike.core import Primitive, ShapedArray, get_aval
from jaxlike.interpreters import ad, batching
from jaxlike.lax import elementwise as ew
from jaxlike.lax.elementwise import dtype_kind

__all__ = ["cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp", "cumsum_p", "cumprod_p",
           "cummax_p", "cummin_p", "cumlogsumexp_p"]

_NUMBER = (("int", "uint", "float", "complex"), "number")
_FLOATING = (("float",), "floating")


def _describe(aval):
    return f"{aval.dtype.name}[{','.join(map(str, aval.shape))}]"


def _cumulative(name, accepted):
    """Returns a new cumulative primitive: the output has the operand's aval."""
    prim = Primitive(name)
    kinds, family = accepted

    def rule(operand, *, axis, reverse):
        if dtype_kind(operand.dtype) not in kinds:
            raise TypeError(f"{name} does not accept dtype {operand.dtype.name} (operand: "
                            f"{_describe(operand)}). Accepted dtypes are subtypes of "
                            f"{family}.")
        if not 0 <= axis < operand.ndim:
            raise ValueError(f"{name}: axis {axis} is out of bounds for an operand of type "
                             f"{_describe(operand)}; lax needs 0 <= axis < {operand.ndim}.")
        return ShapedArray(operand.shape, operand.dtype, operand.weak_type)

    prim.def_abstract_eval(rule)
    return prim


cumsum_p = _cumulative("cumsum", _NUMBER)
cumprod_p = _cumulative("cumprod", _NUMBER)
cummax_p = _cumulative("cummax", _NUMBER)
cummin_p = _cumulative("cummin", _NUMBER)
cumlogsumexp_p = _cumulative("cumlogsumexp", _FLOATING)


# ---------------------------------------------------------------------------------------------
# Derivatives.

def _cumsum_transpose(ct, operand, *, axis, reverse):
    # out = L x with L lower-triangular ones (upper when reversed); L^T runs the other way.
    return [cumsum_p.bind(ct, axis=axis, reverse=not reverse)]


ad.deflinear(cumsum_p, _cumsum_transpose)


def _logaddexp(a, b):
    """Returns log(exp(a) + exp(b)) without overflow; when a and b are equal infinities
    (whose difference is NaN) the result is that infinity."""
    top = ew.max(a, b)
    delta = ew.sub(a, b)
    spread = ew.log1p(ew.exp(ew.neg(ew.abs(delta))))
    return ew.select(ew.ne(delta, delta), top, ew.add(top, spread))


def _scan_jvp(prim, combine):
    """Registers the JVP of `prim` as the JVP of associative_scan(combine)."""
    def rule(primals, tangents, *, axis, reverse):
        from jaxlike.lax.control_flow.loops import associative_scan
        scan = functools.partial(associative_scan, combine, axis=axis, reverse=reverse)
        _, (tangent_out,) = ad.jvp_flat(lambda x: [scan(x)], primals, tangents)
        out = prim.bind(*primals, axis=axis, reverse=reverse)
        return out, tangent_out
    ad.primitive_jvps[prim] = rule


_scan_jvp(cumprod_p, ew.mul)
_scan_jvp(cummax_p, ew.max)
_scan_jvp(cummin_p, ew.min)
_scan_jvp(cumlogsumexp_p, _logaddexp)


def _cumulative_batch(prim):
    # The batch axis stays where it is; the scanned axis is renumbered around it.
    def rule(vals, dims, *, axis, reverse):
        (operand,), (bdim,) = vals, dims
        return prim.bind(operand, axis=axis + (bdim <= axis), reverse=reverse), bdim
    batching.primitive_batchers[prim] = rule


for _prim in (cumsum_p, cumprod_p, cummax_p, cummin_p, cumlogsumexp_p):
    _cumulative_batch(_prim)


# ---------------------------------------------------------------------------------------------
# The user-facing functions.

def _bind(prim, operand, axis, reverse):
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{prim.name}: axis must be an int, got {axis!r}.") from None
    aval = get_aval(operand)
    if axis < 0:
        raise ValueError(f"{prim.name}: axis {axis} is negative, and XLA operations do not "
                         f"allow negative axes (operand: {_describe(aval)}); use "
                         f"{axis % aval.ndim if aval.ndim else 0} or the jnp function.")
    return prim.bind(operand, axis=axis, reverse=bool(reverse))


def cumsum(operand, axis=0, reverse=False):
    """Returns the cumulative sum of `operand` along `axis` (from the end when `reverse`)."""
    return _bind(cumsum_p, operand, axis, reverse)


def cumprod(operand, axis=0, reverse=False):
    """Returns the cumulative product of `operand` along `axis` (from the end when
    `reverse`)."""
    return _bind(cumprod_p, operand, axis, reverse)


def cummax(operand, axis=0, reverse=False):
    """Returns the running maximum of `operand` along `axis` (from the end when
    `reverse`)."""
    return _bind(cummax_p, operand, axis, reverse)


def cummin(operand, axis=0, reverse=False):
    """Returns the running minimum of `operand` along `axis` (from the end when
    `reverse`)."""
    return _bind(cummin_p, operand, axis, reverse)


def cumlogsumexp(operand, axis=0, reverse=False):
    """Returns log(cumsum(exp(operand))) along `axis` (from the end when `reverse`),
    computed without overflow; floating operands only."""
    return _bind(cumlogsumexp_p, operand, axis, reverse)
