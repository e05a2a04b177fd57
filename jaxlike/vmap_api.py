"""`vmap`: automatic vectorization, with JAX's `in_axes`/`out_axes` semantics."""
import functools
import inspect

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


def _check_axis(axis, shape, fun, where):
    """Returns `axis` normalized for an array of `shape` (None stays None), or raises naming
    the array `where` (a string, or a function giving one: names are found only to raise)."""
    if axis is None:
        return None
    if not (isinstance(axis, int) and -len(shape) <= axis < len(shape)):
        _bad_axis(axis, shape, fun, where() if callable(where) else where)
    return axis % len(shape)


def _bad_axis(axis, shape, fun, where):
    """Raises the error for an axis that is not an int, or out of range for `shape`."""
    if not isinstance(axis, int):
        raise TypeError(f"vmap({_fun_name(fun)}): {where} must be an int or None, got "
                        f"{axis!r}.")
    rank = axis + 1 if axis >= 0 else -axis
    raise ValueError(f"vmap({_fun_name(fun)}) was requested to map its {where} along axis "
                     f"{axis}, which implies that its rank should be at least {rank}, but is "
                     f"only {len(shape)} (its shape is {tuple(shape)}).")


def _arg_labels(fun, args, kwargs):
    """Returns how messages name each leaf of (args, kwargs), as JAX does: `argument x`
    (with the path inside it, e.g. `argument p['w']`) after fun's parameter names, `args[i]`
    where the signature cannot tell (builtins, *args) and `kwargs['k']` for keyword
    arguments."""
    names = [f"args[{i}]" for i in range(len(args))]
    try:
        sig = inspect.signature(fun)
        sig.bind(*args, **kwargs)
    except (TypeError, ValueError):  # no signature, or one this call does not fit
        pass
    else:
        positional = [p.name for p in sig.parameters.values() if p.kind in (
            inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        for i, name in enumerate(positional[:len(args)]):
            names[i] = f"argument {name}"
    labels = []
    for path, _ in tree_util.tree_flatten_with_path((args, kwargs))[0]:
        top = names[path[1].idx] if path[0].idx == 0 else f"kwargs[{path[1].key!r}]"
        labels.append(top + tree_util.keystr(path[2:]))
    return labels


def _axis_size(fun, leaves, axes, labels, axis_size):
    """Returns the size of the mapped axis, or raises (listing the arguments by size, as JAX
    does) when the mapped axes and `axis_size` disagree. `axes` are as the user gave them;
    `labels()` gives the leaves' names."""
    sizes = [get_aval(x).shape[a] for x, a in zip(leaves, axes) if a is not None]
    if not sizes and axis_size is None:
        raise ValueError(f"vmap({_fun_name(fun)}) must have at least one non-None value in "
                         "in_axes, or be given axis_size=.")
    expected = {axis_size} if axis_size is not None else set(sizes[:1])
    if set(sizes) <= expected:
        return expected.pop()
    raise ValueError("vmap got inconsistent sizes for array axes to be mapped:\n" + ";\n".join(
        _size_groups(leaves, axes, labels(), axis_size)))


def _size_groups(leaves, axes, labels, axis_size):
    """Returns the lines of the inconsistent-sizes message: the axes grouped by size, the
    most common size first."""
    groups = {}
    for x, a, label in zip(leaves, axes, labels):
        if a is not None:
            aval = get_aval(x)
            where = (f"axis {a} of {label} of type "
                     f"{aval.dtype.name}[{','.join(map(str, aval.shape))}]")
            groups.setdefault(aval.shape[a], []).append(where)
    lines = [] if axis_size is None else [f"  * the `axis_size` argument was {axis_size}"]
    ordered = sorted(groups.items(), key=lambda item: -len(item[1]))  # stable: ties in order
    for i, (size, wheres) in enumerate(ordered):
        if len(wheres) == 1:
            lines.append(f"  * one axis had size {size}: {wheres[0]}")
        else:
            lines.append(f"  * {'most' if i == 0 else 'some'} axes ({len(wheres)} of them) had "
                         f"size {size}, e.g. {wheres[0]}")
    return lines


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
        # Reading the signature costs: names are found only for an error message.
        labels = functools.cache(functools.partial(_arg_labels, fun, args, kwargs))
        normalized = [_check_axis(a, get_aval(x).shape, fun, lambda i=i: labels()[i])
                      for i, (a, x) in enumerate(zip(axes, leaves))]
        size = _axis_size(fun, leaves, axes, labels, axis_size)  # messages show axes as given
        axes = normalized
        store = {}

        def flat(*xs):
            a, k = tree_util.tree_unflatten(in_tree, xs)
            out_leaves, store["out_tree"] = tree_util.tree_flatten(fun(*a, **k))
            return out_leaves

        outs, dims = batching.batch_flat(flat, leaves, axes, size, axis_name,
                                         origin=f"vmap({_fun_name(fun)})")
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
            shape = get_aval(o).shape
            if d is not_mapped:
                shape = (size,) + shape
            dst = _check_axis(dst, shape, fun, "output")
            results.append(batching.move_to(o, d, size, dst))
        from jaxlike.ad_api import _to_array
        return tree_util.tree_unflatten(out_tree, [_to_array(r) for r in results])

    return vmapped
