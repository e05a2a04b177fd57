"""Collectives over named axes: `psum`, `pmean`, `pmax`, `pmin`, `all_gather`, `psum_scatter`,
`axis_index`, `axis_size`. Inside `vmap(..., axis_name=name)` they reduce, gather or scatter
across the mapped examples; the same names serve multi-device code.

vmap's rules turn each collective into ordinary array operations over the batch axis (a
psum over the mapped axis is a reduce_sum over the batch dimension), so collectives never
reach lowering. As in JAX, the transpose of psum is psum (so `vmap(grad(f))` of a function
using `psum` differentiates the sum of every example's output), and all_gather and
psum_scatter are each other's transposes.
"""
import numpy as np

from jaxlike import dtypes, tree_util
from jaxlike.core import Primitive, ShapedArray, get_aval
from jaxlike.interpreters import ad, batching
from jaxlike.interpreters.batching import not_mapped
from jaxlike.lax import elementwise as ew
from jaxlike.lax import reductions as red
from jaxlike.lax import structural as st
from jaxlike.lax.reductions import _scalar_like

__all__ = ["psum", "pmean", "pmax", "pmin", "all_gather", "psum_scatter", "axis_index",
           "axis_size", "psum_p", "pmax_p", "pmin_p", "all_gather_p", "reduce_scatter_p",
           "axis_index_p"]


def _names(axis_name):
    """Returns an axis name or a sequence of names as a tuple of names."""
    return tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)


def _check_bound(axes):
    """Raises NameError (naming the axis) unless every name is bound by an enclosing vmap."""
    for name in axes:
        batching.find_axis(name)


def _check_no_groups(fname, axis_index_groups):
    if axis_index_groups is not None:
        raise NotImplementedError(f"lax.{fname}: axis_index_groups is not supported by vmap's "
                                  "collectives; pass axis_index_groups=None.")


def _single_name(fname, axis_name):
    """Returns `axis_name` as a 1-tuple; gathers and scatters over several axes at once are
    not supported (as in JAX's vmap)."""
    names = _names(axis_name)
    if len(names) != 1:
        raise NotImplementedError(f"lax.{fname} over several axis names {names} is not "
                                  "supported under vmap; apply it once per axis name.")
    return names


def _canonical_dim(fname, dim, ndim):
    """Returns `dim` in [0, ndim), negative values counting from the end."""
    if not -ndim <= dim < ndim:
        raise ValueError(f"lax.{fname}: axis {dim} is out of bounds for an array of dimension "
                         f"{ndim}.")
    return dim % ndim


# ---------------------------------------------------------------------------------------------
# psum, pmax, pmin: reductions across the examples, elementwise within each.

def _reduction_primitive(name, reduce_fn, unmapped_fn):
    """Returns a collective reduction primitive (several operands, one result each) whose
    vmap rule reduces the batch dim with `reduce_fn(x, axes)`; `unmapped_fn(x, size)` gives
    the result for an operand that is the same in every example."""
    prim = Primitive(name, multiple_results=True)

    def abstract_eval(*avals, axes, axis_index_groups=None):
        _check_bound(axes)
        return list(avals)
    prim.def_abstract_eval(abstract_eval)

    def batch_rule(axis_data, vals, dims, *, axes, axis_index_groups=None):
        if axis_data.name not in axes:
            # Reduced over enclosing axes only: our batch axis is plain data to them.
            return prim.bind(*vals, axes=axes, axis_index_groups=axis_index_groups), dims
        outs = [unmapped_fn(v, axis_data.size) if d is not_mapped else reduce_fn(v, (d,))
                for v, d in zip(vals, dims)]
        rest = tuple(a for a in axes if a != axis_data.name)
        if rest:
            outs = prim.bind(*outs, axes=rest, axis_index_groups=axis_index_groups)
        return outs, [not_mapped] * len(outs)
    batching.axis_primitive_batchers[prim] = batch_rule
    return prim


def _times_size(x, size):
    return ew.mul(x, _scalar_like(size, get_aval(x)))


psum_p = _reduction_primitive("psum", red.reduce_sum, _times_size)
pmax_p = _reduction_primitive("pmax", red.reduce_max, lambda x, size: x)
pmin_p = _reduction_primitive("pmin", red.reduce_min, lambda x, size: x)


def _psum_transpose(cts, *args, axes, axis_index_groups=None):
    # Every example's output is the sum of every example's input, so each input's cotangent
    # is the sum of all the output cotangents: psum again.
    cts = [ad.instantiate_zeros(c) for c in cts]
    return psum_p.bind(*cts, axes=axes, axis_index_groups=axis_index_groups)


ad.deflinear(psum_p, _psum_transpose)


def _pmaxmin_jvp(prim):
    def rule(primals, tangents, **params):
        # Like reduce_max: the tangent of the selected example(s), averaged over ties.
        outs = prim.bind(*primals, **params)
        touts = []
        for p, t, o in zip(primals, tangents, outs):
            if type(t) is ad.Zero:
                touts.append(t)
                continue
            aval = get_aval(o)
            mask = ew.convert_element_type(ew.eq(p, o), aval.dtype, aval.weak_type)
            num = psum_p.bind(ew.mul(t, mask), **params)[0]
            den = psum_p.bind(mask, **params)[0]
            touts.append(ew.div(num, den))
        return outs, touts
    return rule


ad.primitive_jvps[pmax_p] = _pmaxmin_jvp(pmax_p)
ad.primitive_jvps[pmin_p] = _pmaxmin_jvp(pmin_p)


def _tree_collective(fname, prim, x, axis_name, axis_index_groups, prepare=None):
    _check_no_groups(fname, axis_index_groups)
    leaves, tree = tree_util.tree_flatten(x)
    if prepare is not None:
        leaves = [prepare(leaf) for leaf in leaves]
    outs = prim.bind(*leaves, axes=_names(axis_name), axis_index_groups=None)
    return tree_util.tree_unflatten(tree, outs)


def _bool_to_int32(x):
    # As JAX: booleans are summed as int32 counts.
    if get_aval(x).dtype == np.bool_:
        return ew.convert_element_type(x, np.int32)
    return x


def psum(x, axis_name, *, axis_index_groups=None):
    """Returns the sum of `x` (a pytree of arrays) over the examples of the named axis (or
    tuple of axes); every example gets the same sum. Booleans are summed as int32."""
    return _tree_collective("psum", psum_p, x, axis_name, axis_index_groups, _bool_to_int32)


def pmax(x, axis_name, *, axis_index_groups=None):
    """Returns the elementwise maximum of `x` (a pytree) over the named axis/axes."""
    return _tree_collective("pmax", pmax_p, x, axis_name, axis_index_groups)


def pmin(x, axis_name, *, axis_index_groups=None):
    """Returns the elementwise minimum of `x` (a pytree) over the named axis/axes."""
    return _tree_collective("pmin", pmin_p, x, axis_name, axis_index_groups)


def axis_size(axis_name):
    """Returns the size (a Python int) of the named axis (the product for several names)."""
    size = 1
    for name in _names(axis_name):
        size *= batching.find_axis(name).size
    return size


def _divide_by(s, n):
    # True division, as JAX's pmean: integer and bool sums become floats.
    aval = get_aval(s)
    if not (dtypes.is_float(aval.dtype) or dtypes.is_complex(aval.dtype)):
        s = ew.convert_element_type(s, dtypes.default_float_dtype(), aval.weak_type)
    return ew.div(s, _scalar_like(n, get_aval(s)))


def pmean(x, axis_name, *, axis_index_groups=None):
    """Returns the mean of `x` (a pytree) over the named axis/axes; integer and bool inputs
    give floating-point means."""
    _check_no_groups("pmean", axis_index_groups)
    n = axis_size(axis_name)
    return tree_util.tree_map(lambda s: _divide_by(s, n), psum(x, axis_name))


# ---------------------------------------------------------------------------------------------
# all_gather and psum_scatter (reduce_scatter), each the other's transpose.

all_gather_p = Primitive("all_gather")


def _all_gather_abstract_eval(x, *, all_gather_dimension, axis_index_groups, axis_name,
                              axis_size, tiled):
    _check_bound(axis_name)
    shape = list(x.shape)
    if tiled:
        shape[all_gather_dimension] *= axis_size
    else:
        shape.insert(all_gather_dimension, axis_size)
    return ShapedArray(tuple(shape), x.dtype, x.weak_type)


all_gather_p.def_abstract_eval(_all_gather_abstract_eval)


def _merge_dims(x, dim):
    """Returns `x` with axes `dim` and `dim + 1` merged into one."""
    shape = get_aval(x).shape
    return st.reshape(x, shape[:dim] + (shape[dim] * shape[dim + 1],) + shape[dim + 2:])


def _split_dim(x, dim, size):
    """Returns `x` with axis `dim` split into (size, rest)."""
    shape = get_aval(x).shape
    return st.reshape(x, shape[:dim] + (size, shape[dim] // size) + shape[dim + 1:])


def _bind_for_enclosing_axis(prim, x, bdim, dim_param, dim, rank_change, **params):
    """Binds `prim` (a gather or scatter over an enclosing vmap's axis, to which our batch
    axis at `bdim` is plain data) with its dimension `dim_param` renumbered so that it is
    `dim` once our batch axis is removed. `rank_change` is what `prim` adds to the rank.
    Returns (result, batch dim of the result)."""
    at = dim + (bdim <= dim)
    out = prim.bind(x, **{dim_param: at}, **params)
    return out, bdim if bdim < at else bdim + rank_change


def _all_gather_batch(axis_data, vals, dims, *, all_gather_dimension, axis_name, tiled,
                      **params):
    (x,), (d,) = vals, dims
    dim = all_gather_dimension
    if axis_data.name not in axis_name:
        return _bind_for_enclosing_axis(all_gather_p, x, d, "all_gather_dimension", dim,
                                        0 if tiled else 1, axis_name=axis_name, tiled=tiled,
                                        **params)
    # Gathering our own axis: the batch axis (broadcast if x is the same everywhere) is the
    # gathered one, moved into place.
    out = batching.move_to(x, d, axis_data.size, dim)
    return (_merge_dims(out, dim) if tiled else out), not_mapped


batching.axis_primitive_batchers[all_gather_p] = _all_gather_batch


def all_gather(x, axis_name, *, axis_index_groups=None, axis=0, tiled=False):
    """Returns `x` (a pytree) gathered from every example of the named axis: stacked along a
    new axis `axis` of the result, or concatenated along `x`'s axis `axis` when `tiled`."""
    _check_no_groups("all_gather", axis_index_groups)
    names = _single_name("all_gather", axis_name)
    size = axis_size(names)

    def gather(leaf):
        ndim = get_aval(leaf).ndim
        if tiled and ndim == 0:
            raise ValueError("lax.all_gather with tiled=True needs operands of rank at least "
                             "1, got a scalar.")
        dim = _canonical_dim("all_gather", axis, ndim if tiled else ndim + 1)
        return all_gather_p.bind(leaf, all_gather_dimension=dim, axis_index_groups=None,
                                 axis_name=names, axis_size=size, tiled=bool(tiled))
    return tree_util.tree_map(gather, x)


reduce_scatter_p = Primitive("reduce_scatter")


def _check_scatter_size(shape, scatter_dimension, axis_name, axis_size, tiled):
    extent = shape[scatter_dimension]
    if (extent % axis_size) if tiled else (extent != axis_size):
        need = "a multiple of" if tiled else "equal to"
        raise ValueError(f"lax.psum_scatter: the scatter dimension {scatter_dimension} of an "
                         f"operand of shape {tuple(shape)} has size {extent}, which must be "
                         f"{need} the size {axis_size} of axis {axis_name[0]!r}.")


def _reduce_scatter_abstract_eval(x, *, scatter_dimension, axis_index_groups, axis_name,
                                  axis_size, tiled):
    _check_bound(axis_name)
    _check_scatter_size(x.shape, scatter_dimension, axis_name, axis_size, tiled)
    shape = list(x.shape)
    if tiled:
        shape[scatter_dimension] //= axis_size
    else:
        del shape[scatter_dimension]
    return ShapedArray(tuple(shape), x.dtype, x.weak_type)


reduce_scatter_p.def_abstract_eval(_reduce_scatter_abstract_eval)


def _reduce_scatter_batch(axis_data, vals, dims, *, scatter_dimension, axis_name, tiled,
                          **params):
    (x,), (d,) = vals, dims
    dim = scatter_dimension
    if axis_data.name not in axis_name:
        return _bind_for_enclosing_axis(reduce_scatter_p, x, d, "scatter_dimension", dim,
                                        0 if tiled else -1, axis_name=axis_name, tiled=tiled,
                                        **params)
    # Sum over the examples; example i keeps the i-th slice of the scatter dimension, so that
    # dimension becomes the batch axis.
    summed = _times_size(x, axis_data.size) if d is not_mapped else red.reduce_sum(x, (d,))
    return (_split_dim(summed, dim, axis_data.size) if tiled else summed), dim


batching.axis_primitive_batchers[reduce_scatter_p] = _reduce_scatter_batch


def psum_scatter(x, axis_name, *, scatter_dimension=0, axis_index_groups=None, tiled=False):
    """Returns the sum of `x` (a pytree) over the named axis, of which example i keeps only
    the i-th slice along `scatter_dimension`: that dimension (of size equal to the axis
    size) is removed, or, when `tiled`, divided by the axis size."""
    _check_no_groups("psum_scatter", axis_index_groups)
    names = _single_name("psum_scatter", axis_name)
    size = axis_size(names)

    def scatter(leaf):
        shape = get_aval(leaf).shape
        dim = _canonical_dim("psum_scatter", scatter_dimension, len(shape))
        # Checked here too: vmap's rule runs without abstract evaluation.
        _check_scatter_size(shape, dim, names, size, tiled)
        return reduce_scatter_p.bind(leaf, scatter_dimension=dim, axis_index_groups=None,
                                     axis_name=names, axis_size=size, tiled=bool(tiled))
    return tree_util.tree_map(scatter, x)


def _all_gather_transpose(ct, x, *, all_gather_dimension, **params):
    # Example i's input fills slot i of every example's output: its cotangent is the sum
    # over examples of their output cotangent's slot i.
    return [reduce_scatter_p.bind(ct, scatter_dimension=all_gather_dimension, **params)]


def _reduce_scatter_transpose(ct, x, *, scatter_dimension, **params):
    # Slot i of every example's input flows into example i's output.
    return [all_gather_p.bind(ct, all_gather_dimension=scatter_dimension, **params)]


ad.deflinear(all_gather_p, _all_gather_transpose)
ad.deflinear(reduce_scatter_p, _reduce_scatter_transpose)


# ---------------------------------------------------------------------------------------------
# axis_index.

axis_index_p = Primitive("axis_index")


def _axis_index_abstract_eval(*, axis_name):
    _check_bound(_names(axis_name))
    return ShapedArray((), np.dtype(np.int32))


axis_index_p.def_abstract_eval(_axis_index_abstract_eval)


def _axis_index_batch(axis_data, vals, dims, *, axis_name):
    return st.iota(np.int32, axis_data.size), 0


batching.axis_primitive_batchers[axis_index_p] = _axis_index_batch
ad.defnondiff(axis_index_p)


def axis_index(axis_name):
    """Returns the index (int32) of the current example along the named axis; for a tuple of
    names, the index into their flattened product (the first name major)."""
    names = _names(axis_name)
    index = axis_index_p.bind(axis_name=names[0])
    for name in names[1:]:
        index = ew.add(ew.mul(index, np.int32(axis_size(name))),
                       axis_index_p.bind(axis_name=name))
    return index
