"""`vmap`: automatic vectorization, with JAX's `in_axes`/`out_axes` semantics."""
import functools

from jaxlike import tree_util
from jaxlike.core import get_aval
from jaxlike.interpreters import batching
from jaxlike.interpreters.batching import not_mapped


def _fun_name(fun):
    return getattr(fun, "__name__", type(fun).__name__)


def _broadcast_prefix(axes, tree, what, fun):
    """Returns one axis per leaf of `tree`, `axes` being a pytree prefix of it."""
    if isinstance(axes, list):  # JAX treats a list of axes like a tuple
        axes = tuple(axes)
    try:
        return _expand_prefix(axes, tree)
    except (ValueError, TypeError) as e:
        raise ValueError(
            f"vmap({_fun_name(fun)}): {what} specification must be a tree prefix of the "
            f"corresponding value, got specification {axes!r} for value tree {tree}. {e}"
        ) from None


def _expand_prefix(prefix, tree):
    leaves = []
    placeholder = tree_util.tree_unflatten(tree, [object()] * tree.num_leaves)
    prefix_leaves, prefix_tree = tree_util.tree_flatten(
        prefix, is_leaf=lambda x: x is None or isinstance(x, int))
    subtrees = prefix_tree.flatten_up_to(placeholder)
    for axis, sub in zip(prefix_leaves, subtrees):
        leaves.extend([axis] * len(tree_util.tree_leaves(sub)))
    return leaves


def _check_axis(axis, ndim, fun, where):
    if axis is None:
        return None
    if not isinstance(axis, int):
        raise TypeError(f"vmap({_fun_name(fun)}): {where} must be an int or None, got "
                        f"{axis!r}.")
    if not -ndim <= axis < ndim:
        rank = axis + 1 if axis >= 0 else -axis
        raise ValueError(f"vmap({_fun_name(fun)}) was requested to map its {where} along axis "
                         f"{axis}, which implies that it has rank at least {rank}, but its "
                         f"rank is {ndim}.")
    return axis % ndim


def _axis_size(fun, leaves, axes, paths, axis_size):
    sizes = {get_aval(x).shape[a] for x, a in zip(leaves, axes) if a is not None}
    if axis_size is not None:
        if sizes and sizes != {axis_size}:
            sizes.add(axis_size)
        else:
            return axis_size
    if not sizes:
        raise ValueError(f"vmap({_fun_name(fun)}) must have at least one non-None value in "
                         "in_axes, or be given axis_size=.")
    if len(sizes) > 1:
        lines = [f"  argument {p} of type {get_aval(x).str_short()} has axis {a} of size "
                 f"{get_aval(x).shape[a]}" if a is not None else
                 f"  argument {p} of type {get_aval(x).str_short()} is not mapped"
                 for p, x, a in zip(paths, leaves, axes)]
        raise ValueError(f"vmap({_fun_name(fun)}) got inconsistent sizes for array axes to be "
                         "mapped:\n" + "\n".join(lines) +
                         (f"\n  axis_size={axis_size}" if axis_size is not None else ""))
    return sizes.pop()


def vmap(fun, in_axes=0, out_axes=0, axis_name=None, axis_size=None, spmd_axis_name=None):
    """Returns a version of `fun` mapped over the axes `in_axes` of its arguments, with the
    mapped axis of its outputs at `out_axes`. Keyword arguments are mapped along axis 0."""
    if not callable(fun):
        raise TypeError(f"vmap: expected a function, got {type(fun).__name__}")
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)

    @functools.wraps(fun)
    def vmapped(*args, **kwargs):
        leaves, in_tree = tree_util.tree_flatten((args, kwargs))
        if isinstance(in_axes, tuple):
            if len(in_axes) != len(args):
                raise ValueError(f"vmap({_fun_name(fun)}): in_axes is a tuple of length "
                                 f"{len(in_axes)} but the function was called with {len(args)} "
                                 "positional arguments; in_axes must be an int, None, or a "
                                 "tuple with one entry per positional argument.")
            arg_axes = in_axes
        else:
            arg_axes = (in_axes,) * len(args)
        axes = _broadcast_prefix((arg_axes, {k: 0 for k in kwargs}), in_tree, "in_axes", fun)
        paths = [tree_util.keystr(p) for p, _ in tree_util.tree_flatten_with_path(
            (args, kwargs))[0]]
        axes = [_check_axis(a, get_aval(x).ndim, fun, f"argument {p}")
                for a, x, p in zip(axes, leaves, paths)]
        size = _axis_size(fun, leaves, axes, paths, axis_size)
        store = {}

        def flat(*xs):
            a, k = tree_util.tree_unflatten(in_tree, xs)
            out_leaves, store["out_tree"] = tree_util.tree_flatten(fun(*a, **k))
            return out_leaves

        outs, dims = batching.batch_flat(flat, leaves, axes, size, axis_name)
        out_tree = store["out_tree"]
        out_spec = _broadcast_prefix(out_axes, out_tree, "out_axes", fun)
        results = []
        for o, d, dst in zip(outs, dims, out_spec):
            if dst is None:
                if d is not not_mapped:
                    raise ValueError(f"vmap({_fun_name(fun)}) has out_axes=None for an output "
                                     "that is batched (it depends on a mapped input); use an "
                                     "integer out_axes for it.")
                results.append(o)
                continue
            ndim = get_aval(o).ndim + (d is not_mapped)
            dst = _check_axis(dst, ndim, fun, "output")
            results.append(batching.move_to(o, d, size, dst))
        from jaxlike.ad_api import _to_array
        return tree_util.tree_unflatten(out_tree, [_to_array(r) for r in results])

    return vmapped
