"""Collectives over named axes: `psum`, `pmean`, `pmax`, `pmin`, `all_gather`,
`axis_index`. Inside `vmap(..., axis_name=name)` they reduce or gather across the mapped
examples; the same names serve multi-device code."""
from jaxlike import tree_util
from jaxlike.core import Primitive, ShapedArray, get_aval
from jaxlike.interpreters import ad, batching
from jaxlike.interpreters.batching import not_mapped

__all__ = ["psum", "pmean", "pmax", "pmin", "all_gather", "axis_index", "psum_p", "pmax_p",
           "pmin_p", "all_gather_p", "axis_index_p", "axis_size"]


def _names(axis_name):
    return tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)


def _check_bound(axes):
    for name in axes:
        batching.find_axis(name)


def _reduction_primitive(name, reduce_fn, unmapped_fn):
    prim = Primitive(name, multiple_results=True)

    def abstract_eval(*avals, axes, axis_index_groups=None):
        _check_bound(axes)
        return list(avals)
    prim.def_abstract_eval(abstract_eval)

    def batch_rule(axis_data, vals, dims, *, axes, axis_index_groups=None):
        outs = []
        for v, d in zip(vals, dims):
            if axis_data.name not in axes:
                outs.append(v)  # reduced by an enclosing axis below; keep our batch dim
            elif d is not_mapped:
                outs.append(unmapped_fn(v, axis_data.size))
            else:
                outs.append(reduce_fn(v, (d,)))
        rest = tuple(a for a in axes if a != axis_data.name)
        if rest:
            outs = prim.bind(*outs, axes=rest, axis_index_groups=axis_index_groups)
        if axis_data.name in axes:
            return outs, [not_mapped] * len(outs)
        return outs, list(dims)
    batching.axis_primitive_batchers[prim] = batch_rule
    return prim


def _times_size(x, size):
    from jaxlike import lax
    from jaxlike.core import get_aval
    import numpy as np
    return lax.mul(x, np.asarray(size, get_aval(x).dtype))


def _reduce(fn_name):
    def reduce(x, axes):
        from jaxlike import lax
        return getattr(lax, fn_name)(x, axes)
    return reduce


psum_p = _reduction_primitive("psum", _reduce("reduce_sum"), _times_size)
pmax_p = _reduction_primitive("pmax", _reduce("reduce_max"), lambda x, size: x)
pmin_p = _reduction_primitive("pmin", _reduce("reduce_min"), lambda x, size: x)

def _psum_transpose(cts, *args, axes, axis_index_groups=None):
    # Every example's output is the sum of every example's input, so each input's cotangent
    # is the sum of all the output cotangents: psum again.
    cts = [ad.instantiate_zeros(c) for c in cts]
    return psum_p.bind(*cts, axes=axes, axis_index_groups=axis_index_groups)


ad.deflinear(psum_p, _psum_transpose)


def _pmaxmin_jvp(prim):
    def rule(primals, tangents, **params):
        # Like reduce_max: the tangent of the selected example(s), averaged over ties.
        from jaxlike import lax
        outs = prim.bind(*primals, **params)
        touts = []
        for p, t, o in zip(primals, tangents, outs):
            if type(t) is ad.Zero:
                touts.append(t)
                continue
            mask = lax.convert_element_type(lax.eq(p, o), get_aval(o).dtype)
            num = psum_p.bind(lax.mul(t, mask), **params)[0]
            den = psum_p.bind(mask, **params)[0]
            touts.append(lax.div(num, den))
        return outs, touts
    return rule


ad.primitive_jvps[pmax_p] = _pmaxmin_jvp(pmax_p)
ad.primitive_jvps[pmin_p] = _pmaxmin_jvp(pmin_p)


def _tree_collective(prim, x, axis_name):
    leaves, tree = tree_util.tree_flatten(x)
    outs = prim.bind(*leaves, axes=_names(axis_name), axis_index_groups=None)
    return tree_util.tree_unflatten(tree, outs)


def psum(x, axis_name, *, axis_index_groups=None):
    """Returns the sum of `x` (a pytree) over the examples of the named axis/axes."""
    return _tree_collective(psum_p, x, axis_name)


def pmax(x, axis_name, *, axis_index_groups=None):
    """Returns the maximum of `x` (a pytree) over the named axis/axes."""
    return _tree_collective(pmax_p, x, axis_name)


def pmin(x, axis_name, *, axis_index_groups=None):
    """Returns the minimum of `x` (a pytree) over the named axis/axes."""
    return _tree_collective(pmin_p, x, axis_name)


def axis_size(axis_name):
    """Returns the size of the named axis (the product for several names)."""
    size = 1
    for name in _names(axis_name):
        size *= batching.find_axis(name).size
    return size


def pmean(x, axis_name, *, axis_index_groups=None):
    """Returns the mean of `x` (a pytree) over the named axis/axes."""
    from jaxlike import lax
    import numpy as np
    n = axis_size(axis_name)
    summed = psum(x, axis_name)
    return tree_util.tree_map(
        lambda s: lax.div(s, np.asarray(n, s.dtype)), summed)


# ---------------------------------------------------------------------------------------------

all_gather_p = Primitive("all_gather")


def _all_gather_abstract_eval(x, *, axis_name, axis, tiled, axis_size):
    _check_bound(_names(axis_name))
    shape = list(x.shape)
    if tiled:
        shape[axis] *= axis_size
    else:
        shape.insert(axis, axis_size)
    return ShapedArray(tuple(shape), x.dtype, x.weak_type)


all_gather_p.def_abstract_eval(_all_gather_abstract_eval)


def _all_gather_batch(axis_data, vals, dims, *, axis_name, axis, tiled, axis_size):
    from jaxlike import lax
    (x,), (d,) = vals, dims
    if axis_data.name != axis_name:
        return all_gather_p.bind(x, axis_name=axis_name, axis=axis + (d is not not_mapped and
                                                                    d <= axis),
                                 tiled=tiled, axis_size=axis_size), d
    out = batching.move_to(x, d, axis_data.size, axis)
    if tiled:
        shape = list(out.shape if hasattr(out, "shape") else ())
        merged = shape[:axis] + [shape[axis] * shape[axis + 1]] + shape[axis + 2:]
        out = lax.reshape(out, tuple(merged))
    return out, not_mapped


batching.axis_primitive_batchers[all_gather_p] = _all_gather_batch


def all_gather(x, axis_name, *, axis_index_groups=None, axis=0, tiled=False):
    """Returns `x` (a pytree) gathered from every example of the named axis, stacked along
    `axis` (concatenated when `tiled`)."""
    size = axis_size(axis_name)
    return tree_util.tree_map(lambda leaf: all_gather_p.bind(
        leaf, axis_name=axis_name, axis=axis, tiled=tiled, axis_size=size), x)


ad.defjvp(all_gather_p, lambda t, x, **params: all_gather_p.bind(t, **params))

# ---------------------------------------------------------------------------------------------

axis_index_p = Primitive("axis_index")


def _axis_index_abstract_eval(*, axis_name):
    import numpy as np
    _check_bound(_names(axis_name))
    return ShapedArray((), np.dtype(np.int32))


axis_index_p.def_abstract_eval(_axis_index_abstract_eval)


def _axis_index_batch(axis_data, vals, dims, *, axis_name):
    from jaxlike import lax
    import numpy as np
    return lax.iota(np.int32, axis_data.size), 0


batching.axis_primitive_batchers[axis_index_p] = _axis_index_batch
ad.defnondiff(axis_index_p)


def axis_index(axis_name):
    """Returns the index (int32) of the current example along the named axis."""
    return axis_index_p.bind(axis_name=axis_name)
