"""Reductions over sliding windows (pooling): `reduce_window_sum`, `reduce_window_max`,
`reduce_window_min`, the generic `reduce_window` over a traced computation, and the two
primitives that differentiate max/min pooling, `select_and_gather_add` (the JVP: each window
picks the tangent at its extremum) and `select_and_scatter_add` (its transpose: each window
adds its cotangent at its extremum).

Parameters follow JAX's jaxprs: `reduce_window_max[base_dilation=(1, 1) padding=((0, 0),
(0, 0)) window_dilation=(1, 1) window_dimensions=(2, 2) window_strides=(2, 2)]`. Also here:
`padtype_to_pads`, which turns 'SAME'/'VALID'/'SAME_LOWER' into explicit padding (the
convolutions use it too), and `reduce_window_shape_tuple`.
"""
import operator

import numpy as np

from jaxlike import dtypes, tree_util
from jaxlike.core import Primitive, ShapedArray, Tracer, get_aval
from jaxlike.interpreters import ad, batching
from jaxlike.lax import elementwise as ew
from jaxlike.lax import structural as st
from jaxlike.lax.control_flow import common as cf
from jaxlike.lax.reductions import _ANY, _NUMBER, _check_dtype, _describe

__all__ = [
    "padtype_to_pads", "reduce_window_shape_tuple", "reduce_window", "reduce_window_sum_p",
    "reduce_window_max_p", "reduce_window_min_p", "reduce_window_p", "select_and_scatter_add_p",
    "select_and_gather_add_p",
]


# ---------------------------------------------------------------------------------------------
# Window geometry, shared with the convolutions.

def dilate_dim(size, dilation):
    """Returns the size of an axis of `size` elements with `dilation - 1` holes between
    neighbours (0 stays 0)."""
    return 0 if size == 0 else 1 + dilation * (size - 1)


def window_output_dim(size, window, stride, pad, base_dilation=1, window_dilation=1):
    """Returns how many windows of `window` elements (dilated by `window_dilation`), `stride`
    apart, fit in an axis of `size` elements dilated by `base_dilation` and padded by the
    (low, high) pair `pad` (0 when none fits)."""
    padded = dilate_dim(size, base_dilation) + pad[0] + pad[1]
    extent = dilate_dim(window, window_dilation)
    return max(0, (padded - extent) // stride + 1)


def padtype_to_pads(in_shape, window_shape, window_strides, padding):
    """Returns a list of (low, high) padding pairs, one per axis, for the padding name
    'VALID' (none), 'SAME' (the output has ceil(size / stride) elements; an odd total puts
    the extra element at the end) or 'SAME_LOWER' (the extra element at the start)."""
    name = padding.upper() if isinstance(padding, str) else padding
    if name == "VALID":
        return [(0, 0)] * len(in_shape)
    if name not in ("SAME", "SAME_LOWER"):
        raise RuntimeError("Unrecognized padding type: expected 'VALID', 'SAME', or "
                           f"'SAME_LOWER', got {padding}.")
    pads = []
    for size, window, stride in zip(in_shape, window_shape, window_strides):
        out = -(-size // stride)
        total = max((out - 1) * stride + window - size, 0)
        small, large = total // 2, total - total // 2
        pads.append((small, large) if name == "SAME" else (large, small))
    return pads


def reduce_window_shape_tuple(operand_shape, window_dimensions, window_strides, padding,
                              base_dilation=None, window_dilation=None):
    """Returns the shape of a windowed reduction's result (explicit `padding` pairs)."""
    rank = len(operand_shape)
    base_dilation = (1,) * rank if base_dilation is None else base_dilation
    window_dilation = (1,) * rank if window_dilation is None else window_dilation
    return tuple(window_output_dim(*args) for args in zip(
        operand_shape, window_dimensions, window_strides, padding, base_dilation,
        window_dilation))


def static_ints(fname, what, values, count, per="dimension of the operand"):
    """Returns `values` as a tuple of `count` positive Python ints (one `per` axis); raises
    TypeError/ValueError naming `fname` and the argument otherwise."""
    try:
        values = tuple(operator.index(v) for v in values)
    except TypeError:
        raise TypeError(f"{fname}: {what} must be a sequence of ints, got {values!r}.") from None
    if len(values) != count:
        raise ValueError(f"{fname}: {what} must have {count} entries (one per {per}), got "
                         f"{len(values)}: {values}.")
    if any(v < 1 for v in values):
        raise ValueError(f"{fname}: {what} must be positive, got {values}.")
    return values


def explicit_pads(fname, padding, count):
    """Returns explicit `padding` as a tuple of `count` (low, high) int pairs."""
    try:
        pads = tuple((operator.index(lo), operator.index(hi)) for lo, hi in padding)
    except (TypeError, ValueError):
        raise TypeError(f"{fname}: padding must be 'SAME', 'VALID', 'SAME_LOWER' or a "
                        f"sequence of (low, high) int pairs, got {padding!r}.") from None
    if len(pads) != count:
        raise ValueError(f"{fname}: padding must have {count} (low, high) pairs, got "
                         f"{len(pads)}: {pads}.")
    return pads


# ---------------------------------------------------------------------------------------------
# The window params of every primitive here, checked once.

_WINDOW_PARAMS = ("window_dimensions", "window_strides", "padding", "base_dilation",
                  "window_dilation")


def _window_params(fname, shape, window_dimensions, window_strides, padding, base_dilation,
                   window_dilation):
    """Returns the normalized params dict of a windowed primitive on an operand of `shape`."""
    rank = len(shape)
    dims = static_ints(fname, "window_dimensions", window_dimensions, rank)
    strides = (1,) * rank if window_strides is None else static_ints(
        fname, "window_strides", window_strides, rank)
    base = (1,) * rank if base_dilation is None else static_ints(
        fname, "base_dilation", base_dilation, rank)
    dilation = (1,) * rank if window_dilation is None else static_ints(
        fname, "window_dilation", window_dilation, rank)
    if isinstance(padding, str):
        pads = padtype_to_pads([dilate_dim(d, b) for d, b in zip(shape, base)],
                               [dilate_dim(w, d) for w, d in zip(dims, dilation)], strides,
                               padding)
        pads = tuple(tuple(p) for p in pads)
    else:
        pads = explicit_pads(fname, padding, rank)
    return dict(window_dimensions=dims, window_strides=strides, padding=pads,
                base_dilation=base, window_dilation=dilation)


def _check_window(fname, aval, *, window_dimensions, window_strides, padding,
                  base_dilation, window_dilation, **_):
    """Raises ValueError unless the window params have one entry per axis of `aval`."""
    rank = len(aval.shape)
    for what, value in (("window_dimensions", window_dimensions),
                        ("window_strides", window_strides), ("padding", padding),
                        ("base_dilation", base_dilation),
                        ("window_dilation", window_dilation)):
        if len(value) != rank:
            raise ValueError(f"{fname}: {what} {value} must have one entry per dimension of "
                             f"the operand {_describe(aval)} (rank {rank}), got {len(value)}.")


def _window_shape(aval, params):
    return reduce_window_shape_tuple(aval.shape, *(params[k] for k in _WINDOW_PARAMS))


# Batching: the batch axis gets a window of one element, so each example is reduced alone.

def _with_batch_window(params, bdim):
    """Returns window params extended with a trivial window over a batch axis at `bdim`."""
    trivial = dict(window_dimensions=1, window_strides=1, padding=(0, 0), base_dilation=1,
                   window_dilation=1)
    out = dict(params)
    for key, unit in trivial.items():
        if key in params:
            value = list(params[key])
            value.insert(bdim, unit)
            out[key] = tuple(value)
    return out


def _common_batch_dim(vals, dims):
    """Returns (the operands batched at one common axis, that axis)."""
    size = next(get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
    bdim = next(d for d in dims if d is not None)
    return [batching.move_to(v, d, size, bdim) for v, d in zip(vals, dims)], bdim


def _window_batcher(prim):
    def rule(vals, dims, **params):
        vals, bdim = _common_batch_dim(vals, dims)
        return prim.bind(*vals, **_with_batch_window(params, bdim)), bdim
    batching.primitive_batchers[prim] = rule
    return rule


# ---------------------------------------------------------------------------------------------
# reduce_window_sum, reduce_window_max, reduce_window_min.

def _window_reduction(name, accepted):
    prim = Primitive(name)

    def rule(operand, **params):
        _check_dtype(name, accepted, operand)
        _check_window(name, operand, **params)
        return ShapedArray(_window_shape(operand, params), operand.dtype, operand.weak_type)

    prim.def_abstract_eval(rule)
    _window_batcher(prim)
    return prim


reduce_window_sum_p = _window_reduction("reduce_window_sum", _NUMBER)
reduce_window_max_p = _window_reduction("reduce_window_max", _ANY)
reduce_window_min_p = _window_reduction("reduce_window_min", _ANY)


def _reduce_window_sum_transpose(ct, operand, *, window_dimensions, window_strides, padding,
                                 base_dilation, window_dilation):
    # Each operand element was added into every window covering it. Spreading the cotangent
    # (its windows `stride` apart) back over the base is again a windowed sum: put stride - 1
    # zeros between cotangent elements, pad so that the (symmetric) window, read in reverse,
    # lines up with the operand's elements, and step `base_dilation` apart.
    in_shape, ct_shape = operand.aval.shape, get_aval(ct).shape
    config = []
    for n, m, w, s, (lo, _), bd, wd in zip(in_shape, ct_shape, window_dimensions,
                                           window_strides, padding, base_dilation,
                                           window_dilation):
        extent = dilate_dim(w, wd)
        low = extent - 1 - lo
        config.append((low, dilate_dim(n, bd) + extent - 1 - low - dilate_dim(m, s), s - 1))
    rank = len(in_shape)
    spread = st.pad(ct, ew._const(ct, 0), config)
    return [reduce_window_sum_p.bind(
        spread, window_dimensions=window_dimensions, window_strides=base_dilation,
        padding=((0, 0),) * rank, base_dilation=(1,) * rank, window_dilation=window_dilation)]


ad.deflinear(reduce_window_sum_p, _reduce_window_sum_transpose)


def _chooser_jvp(select_prim):
    # The derivative of a window's max (min) is the tangent where the max (min) sits.
    def jvp(tangent, operand, **params):
        return select_and_gather_add_p.bind(tangent, operand, select_prim=select_prim, **params)
    return jvp


ad.defjvp(reduce_window_max_p, _chooser_jvp(ew.ge_p))
ad.defjvp(reduce_window_min_p, _chooser_jvp(ew.le_p))


# ---------------------------------------------------------------------------------------------
# select_and_gather_add(tangents, operand): in each window, the tangent at the position of
# the operand's extremum (the first one, for ties). Linear in the tangents.

select_and_gather_add_p = Primitive("select_and_gather_add")


@select_and_gather_add_p.def_abstract_eval
def _select_and_gather_add_aval(tangents, operand, *, select_prim, **params):
    name = "select_and_gather_add"
    _check_select_prim(name, select_prim)
    _check_window(name, operand, **params)
    if tangents.shape != operand.shape:
        raise ValueError(f"{name}: tangents {_describe(tangents)} and operand "
                         f"{_describe(operand)} must have equal shapes.")
    return ShapedArray(_window_shape(operand, params), tangents.dtype, tangents.weak_type)


def _check_select_prim(fname, select_prim):
    if select_prim not in (ew.ge_p, ew.le_p):
        raise ValueError(f"{fname}: select_prim must be lax.ge_p or lax.le_p, got "
                         f"{select_prim}.")


def _linear_in_first(prim):
    """Returns the JVP contribution of the first operand of `prim(x, operand)`, which is
    linear in x (the operand only selects positions: it has no derivative)."""
    def jvp(tangent, x, operand, **params):
        return prim.bind(tangent, operand, **params)
    return jvp


def _check_undilated(fname, base_dilation, window_dilation):
    if any(d != 1 for d in base_dilation + window_dilation):
        raise NotImplementedError(
            f"{fname}: reverse-mode differentiation of max/min pooling with base_dilation "
            f"{base_dilation} or window_dilation {window_dilation} is not supported (XLA's "
            "SelectAndScatter has no dilation), as in JAX; use forward mode (jvp, jacfwd) "
            "or undilated windows.")


def _select_and_gather_add_transpose(ct, tangents, operand, *, select_prim, window_dimensions,
                                     window_strides, padding, base_dilation, window_dilation):
    _check_undilated("select_and_gather_add", base_dilation, window_dilation)
    return [select_and_scatter_add_p.bind(
        ct, operand, select_prim=select_prim, window_dimensions=window_dimensions,
        window_strides=window_strides, padding=padding), None]


ad.defjvp(select_and_gather_add_p, _linear_in_first(select_and_gather_add_p), None)
ad.primitive_transposes[select_and_gather_add_p] = _select_and_gather_add_transpose
_window_batcher(select_and_gather_add_p)


# ---------------------------------------------------------------------------------------------
# select_and_scatter_add(source, operand): each window's source element is added at the
# position of the operand's extremum in that window (XLA's SelectAndScatter). Linear in the
# source; it is the transpose of select_and_gather_add.

select_and_scatter_add_p = Primitive("select_and_scatter_add")


@select_and_scatter_add_p.def_abstract_eval
def _select_and_scatter_add_aval(source, operand, *, select_prim, **params):
    name = "select_and_scatter_add"
    _check_select_prim(name, select_prim)
    full = dict(params, base_dilation=(1,) * len(operand.shape),
                window_dilation=(1,) * len(operand.shape))
    _check_window(name, operand, **full)
    expected = _window_shape(operand, full)
    if source.shape != expected:
        raise ValueError(f"{name}: source {_describe(source)} must have the shape of the "
                         f"windowed operand {_describe(operand)}, {expected}.")
    return ShapedArray(operand.shape, source.dtype, source.weak_type)


def _select_and_scatter_add_transpose(ct, source, operand, *, select_prim, **params):
    rank = len(get_aval(operand).shape)
    return [select_and_gather_add_p.bind(ct, operand, select_prim=select_prim,
                                         base_dilation=(1,) * rank,
                                         window_dilation=(1,) * rank, **params), None]


ad.defjvp(select_and_scatter_add_p, _linear_in_first(select_and_scatter_add_p), None)
ad.primitive_transposes[select_and_scatter_add_p] = _select_and_scatter_add_transpose
_window_batcher(select_and_scatter_add_p)


# ---------------------------------------------------------------------------------------------
# The generic reduce_window: operands (*operands, *init_values); `jaxpr` maps
# (*accumulators, *elements) scalars to the new accumulators.

reduce_window_p = Primitive("reduce_window", multiple_results=True)


@reduce_window_p.def_abstract_eval
def _reduce_window_aval(*avals, jaxpr, consts, **params):
    n = len(avals) // 2
    operands, inits = avals[:n], avals[n:]
    for x in operands:
        _check_window("reduce_window", x, **params)
        if x.shape != operands[0].shape:
            raise ValueError("reduce_window: operands must have equal shapes, got "
                             f"{', '.join(map(_describe, operands))}.")
    return [ShapedArray(_window_shape(x, params), x.dtype, x.weak_type and i.weak_type)
            for x, i in zip(operands, inits)]


def _reduce_window_jvp(primals, tangents, *, jaxpr, consts, **params):
    # Reduce (value, tangent) pairs with the JVP of the computation: each window folds its
    # elements' pairs into (init, its tangent), so the derivative with respect to the init
    # value is carried too.
    n = len(primals) // 2
    if not all(cf.differentiable(get_aval(x)) for x in primals[:n]):
        raise NotImplementedError("reduce_window: differentiating a generic windowed "
                                  "reduction of integer operands is not supported.")
    pairs = _jvp_reducer(jaxpr, n)
    tangents = [ad.instantiate_zeros(t) for t in tangents]
    outs = reduce_window_p.bind(*primals[:n], *tangents[:n], *primals[n:], *tangents[n:],
                                jaxpr=pairs, consts=consts, **params)
    return outs[:n], outs[n:]


@cf.memoize
def _jvp_reducer(closed, n):
    """Returns the JVP of a reducer jaxpr (acc..., x...) -> acc... as a reducer of pairs:
    (acc..., acc_tangents..., x..., x_tangents...) -> (acc..., acc_tangents...)."""
    jvp, consts, _ = cf.jvp_jaxpr(closed, [True] * (2 * n), [True] * n)
    assert not consts
    # jvp takes (acc, x, acc_tangents, x_tangents); regroup as (acc, acc_t, x, x_t).
    return cf.permute(jvp, cf.groups_order([n, n, n, n], [0, 2, 1, 3]))


ad.primitive_jvps[reduce_window_p] = _reduce_window_jvp


def _reduce_window_batch(vals, dims, **params):
    n = len(vals) // 2
    if any(d is not None for d in dims[n:]):
        raise NotImplementedError("reduce_window: vmap over the init values is not "
                                  "supported; pass init values that do not depend on the "
                                  "mapped axis.")
    operands, bdim = _common_batch_dim(vals[:n], dims[:n])
    outs = reduce_window_p.bind(*operands, *vals[n:], **_with_batch_window(params, bdim))
    return outs, [bdim] * n


batching.primitive_batchers[reduce_window_p] = _reduce_window_batch


# ---------------------------------------------------------------------------------------------
# The user function.

def _identity_of(computation, dtype):
    """Returns (primitive, its identity) when `computation` is lax.add, max or min."""
    kind = ew.dtype_kind(dtype)
    if kind == "bool":
        low, high = False, True
    elif kind in ("int", "uint"):
        low, high = dtypes.iinfo(dtype).min, dtypes.iinfo(dtype).max
    else:
        low, high = -np.inf, np.inf
    table = {ew.add: (reduce_window_sum_p, 0), ew.max: (reduce_window_max_p, low),
             ew.min: (reduce_window_min_p, high)}
    return table.get(computation, (None, None))


def _monoid_primitive(computation, init):
    """Returns the specialized primitive for `computation` when `init` is its identity (a
    concrete value), else None."""
    if isinstance(init, Tracer):
        return None
    prim, identity = _identity_of(computation, get_aval(init).dtype)
    if prim is None or get_aval(init).shape != ():
        return None
    value = np.asarray(init)
    return prim if value == identity or (value != value and identity != identity) else None


def _coerce_init(init, aval):
    """Returns `init` with the dtype of `aval` when it is a weakly typed scalar of the same
    kind (e.g. a Python float for a float16 operand; a Python int for a float operand is an
    error, as in JAX)."""
    init_aval = get_aval(init)
    if init_aval.dtype == aval.dtype:
        return init
    kinds = {ew.dtype_kind(d).replace("uint", "int") for d in (init_aval.dtype, aval.dtype)}
    if init_aval.weak_type and len(kinds) == 1:
        return ew.convert_element_type(init, aval.dtype)
    raise TypeError("reduce_window got inconsistent dtypes for operands and init_values: got "
                    f"operand dtype {aval.dtype.name} and init_value dtype "
                    f"{init_aval.dtype.name}. Give init_value the operand's dtype.")


def reduce_window(operand, init_value, computation, window_dimensions, window_strides=None,
                  padding="VALID", base_dilation=None, window_dilation=None):
    """Returns the reduction of each window of `operand` (an array or a pytree of arrays of
    one shape) with `computation`, starting from `init_value` (scalars, same structure).

    Windows have `window_dimensions` elements (dilated by `window_dilation`), start every
    `window_strides` elements of the operand dilated by `base_dilation` and padded by
    `padding` ('VALID', 'SAME', 'SAME_LOWER' or (low, high) pairs) with `init_value`.
    lax.add, lax.max and lax.min with their identities use the specialized primitives."""
    flat, tree = tree_util.tree_flatten(operand)
    inits, init_tree = tree_util.tree_flatten(init_value)
    if tree != init_tree:
        raise TypeError("reduce_window: operand and init_value must have the same pytree "
                        f"structure, got {tree} and {init_tree}.")
    if not flat:
        raise ValueError("reduce_window: operand must hold at least one array.")
    avals = [get_aval(x) for x in flat]
    params = _window_params("reduce_window", avals[0].shape, window_dimensions,
                            window_strides, padding, base_dilation, window_dilation)
    inits = [_coerce_init(i, a) for i, a in zip(inits, avals)]
    if len(flat) == 1:
        prim = _monoid_primitive(computation, inits[0])
        if prim is not None:
            return prim.bind(flat[0], **params)
    scalars = tuple(a.update(shape=(), weak_type=False) for a in avals)
    in_tree = tree_util.tree_structure((operand, operand))
    jaxpr, consts, out_tree = cf.trace_function(computation, in_tree, scalars * 2)
    _check_reducer(computation, consts, out_tree, tree, jaxpr, scalars)
    outs = reduce_window_p.bind(*flat, *inits, jaxpr=jaxpr, consts=(), **params)
    return tree_util.tree_unflatten(tree, outs)


def _check_reducer(computation, consts, out_tree, tree, jaxpr, scalars):
    name = cf.describe_fun(computation)
    if consts:
        raise TypeError(f"reduce_window: the computation {name} closes over arrays; a "
                        "windowed reduction's computation must depend on its arguments only.")
    if out_tree != tree or [(a.shape, a.dtype) for a in jaxpr.out_avals] != [
            (a.shape, a.dtype) for a in scalars]:
        raise TypeError(f"reduce_window: the computation {name} must return the structure "
                        f"and dtypes of its operands ({tree} of "
                        f"{', '.join(cf.type_str(a) for a in scalars)}), got {out_tree} of "
                        f"{', '.join(cf.type_str(a) for a in jaxpr.out_avals)}.")
