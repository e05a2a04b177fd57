"""Pytrees: nested containers of leaves, and functions to take them apart.

A pytree is a leaf or a *node* holding child pytrees.  Built-in nodes are
``tuple``, ``list``, ``dict`` (children in sorted-key order), namedtuples and
``None`` (a node with no children).  Anything else is a leaf unless its type
has been registered with :func:`register_pytree_node` or one of its variants.

All the work is done by jaxlib's C++ pytree library (``jaxlib._jax.pytree``).
Registrations go into the C++ registry ``default_registry`` so that the C++
jit dispatch path (``jaxlib._jax.pjit``), which flattens call arguments with
a registry handed to it, sees user-defined node types too.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
from typing import Any, Callable, Iterable, Sequence

from jaxlib import _jax

_pytree = _jax.pytree

PyTreeDef = _pytree.PyTreeDef
SequenceKey = _pytree.SequenceKey
DictKey = _pytree.DictKey
GetAttrKey = _pytree.GetAttrKey
FlattenedIndexKey = _pytree.FlattenedIndexKey
KeyEntry = Any  # one of the key classes above, or a user-defined key
KeyPath = tuple  # tuple of KeyEntry, from the root down to a leaf

# The process-wide C++ registry.  It already knows None/tuple/list/dict/
# namedtuple, and accepts new registrations.  Pass it to jx.pjit.
default_registry = _pytree.default_registry()
# PyTreeDef pickles by naming its registry; these let pickle find it here.
default_registry.__module__ = __name__
default_registry.__name__ = "default_registry"

# Same node types, except that None is a leaf (useful for specs such as
# ``in_axes`` where None is a value).  Every registration goes to both.
none_leaf_registry = _pytree.PyTreeRegistry(enable_none=False)
none_leaf_registry.__module__ = __name__
none_leaf_registry.__name__ = "none_leaf_registry"

_REGISTRIES = (default_registry, none_leaf_registry)
_LEAF = default_registry.flatten(0)[1]  # the treedef of a single leaf


class _Unset:
    def __repr__(self):
        return "<unset>"


_UNSET = _Unset()


# ---------------------------------------------------------------- flattening


def tree_flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None):
    """Flattens ``tree``; returns ``(leaves, treedef)``.

    ``leaves`` is a list in depth-first order, ``treedef`` a :class:`PyTreeDef`.
    Subtrees for which ``is_leaf(subtree)`` is true are kept whole as leaves.
    """
    return default_registry.flatten(tree, is_leaf)


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable[Any]) -> Any:
    """Returns the pytree of structure ``treedef`` holding ``leaves``."""
    return treedef.unflatten(leaves)


def tree_leaves(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> list:
    """Returns the list of leaves of ``tree`` in depth-first order."""
    return default_registry.flatten(tree, is_leaf)[0]


def tree_structure(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> PyTreeDef:
    """Returns the :class:`PyTreeDef` of ``tree``."""
    return default_registry.flatten(tree, is_leaf)[1]


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
    """Returns True if ``treedef`` has a single node (a leaf, or e.g. ``None``)."""
    return treedef.num_nodes == 1


def treedef_tuple(treedefs: Iterable[PyTreeDef]) -> PyTreeDef:
    """Returns the treedef of a tuple whose children have ``treedefs``."""
    return _pytree.treedef_tuple(default_registry, list(treedefs))


def treedef_children(treedef: PyTreeDef) -> list[PyTreeDef]:
    """Returns the treedefs of the children of ``treedef``'s root node."""
    return treedef.children()


def all_leaves(iterable: Iterable[Any], is_leaf: Callable[[Any], bool] | None = None) -> bool:
    """Returns True if every element of ``iterable`` is a leaf (None is not)."""
    if is_leaf is None:
        return _pytree.all_leaves(default_registry, iterable)
    return all(tree_structure(x, is_leaf).node_data() is None for x in iterable)


def flatten_one_level(tree: Any) -> tuple[list, Any]:
    """Returns ``(children, aux_data)`` of the root node of ``tree``.

    Raises ValueError if ``tree`` is a leaf.
    """
    out = default_registry.flatten_one_level(tree)
    if out is None:
        raise ValueError(f"can't flatten one level of a leaf: {tree!r}")
    return list(out[0]), out[1]


# ---------------------------------------------------------------- mapping


def _child_keys(node: Any) -> list:
    """Keys of the children of a (non-leaf) pytree node."""
    if isinstance(node, tuple) and hasattr(node, "_fields"):
        # flatten_one_level_with_keys names every namedtuple child after the
        # first field (jaxlib 0.10.2); flatten_with_path gets it right.
        return [GetAttrKey(f) for f in node._fields]
    return [k for k, _ in default_registry.flatten_one_level_with_keys(node)[0]]


def _find_mismatch(treedef: PyTreeDef, tree: Any, path: tuple = ()):
    """Returns ``(key_path, reason)`` for the first place where ``treedef`` is
    not a prefix of ``tree``'s structure, or None if it is."""
    node = treedef.node_data()
    if node is None:
        return None
    kids = treedef.children()
    one_level = PyTreeDef.from_node_data_and_children(
        default_registry, node, [_LEAF] * len(kids))
    try:
        subtrees = one_level.flatten_up_to(tree)
    except ValueError as e:
        return path, str(e).split("\n\n")[0]
    for key, kid, sub in zip(_child_keys(tree), kids, subtrees):
        found = _find_mismatch(kid, sub, path + (key,))
        if found:
            return found
    return None


def _flatten_rest(caller: str, treedef: PyTreeDef, rest: Sequence[Any], f=None):
    """Flattens each of ``rest`` up to ``treedef``, with a clear error if not."""
    out = []
    for i, tree in enumerate(rest, 1):
        try:
            out.append(treedef.flatten_up_to(tree))
        except ValueError as e:
            path, reason = _find_mismatch(treedef, tree) or ((), str(e))
            where = f"at key path {keystr(path)}" if path else "at the root"
            try:
                other = str(tree_structure(tree))
            except Exception:  # a broken custom flatten; the reason says enough
                other = "<unflattenable>"
            if f is not None:
                caller += f"({getattr(f, '__name__', repr(f))}, ...)"
            raise ValueError(
                f"{caller}: argument {i} does not match the structure of "
                f"argument 0 (the first tree must be a prefix of every other).\n"
                f"  argument 0 structure: {treedef}\n"
                f"  argument {i} structure: {other}\n"
                f"  first difference {where}: {reason}") from None
    return out


def tree_map(f: Callable[..., Any], tree: Any, *rest: Any,
             is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """Returns a pytree shaped like ``tree`` with ``f(x, *xs)`` at each leaf.

    ``x`` is a leaf of ``tree`` and ``xs`` the corresponding subtrees of
    ``rest``; ``tree``'s structure must be a prefix of each tree in ``rest``.
    """
    leaves, treedef = default_registry.flatten(tree, is_leaf)
    others = _flatten_rest("tree_map", treedef, rest, f)
    return treedef.unflatten(f(*xs) for xs in zip(leaves, *others))


def tree_reduce(function: Callable[[Any, Any], Any], tree: Any, initializer: Any = _UNSET,
                is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """Returns ``functools.reduce(function, leaves[, initializer])`` over ``tree``'s leaves."""
    leaves = tree_leaves(tree, is_leaf)
    if initializer is _UNSET:
        return functools.reduce(function, leaves)
    return functools.reduce(function, leaves, initializer)


def tree_reduce_associative(operation: Callable[[Any, Any], Any], tree: Any, *,
                            identity: Any = _UNSET,
                            is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """Returns the leaves of ``tree`` combined by an associative ``operation``.

    Pairs are combined as a balanced tree (depth ``log2(n)``); ``identity`` is
    returned for a tree without leaves (TypeError if not given).
    """
    leaves = tree_leaves(tree, is_leaf)
    if not leaves:
        if identity is _UNSET:
            raise TypeError("tree_reduce_associative of a tree without leaves needs an identity")
        return identity
    while len(leaves) > 1:
        paired = [operation(a, b) for a, b in zip(leaves[0::2], leaves[1::2])]
        leaves = paired + leaves[len(paired) * 2:]
    return leaves[0]


def tree_all(tree: Any, *, is_leaf: Callable[[Any], bool] | None = None) -> bool:
    """Returns True if every leaf of ``tree`` is truthy (True for no leaves)."""
    return all(tree_leaves(tree, is_leaf))


def tree_transpose(outer_treedef: PyTreeDef, inner_treedef: PyTreeDef | None,
                   pytree_to_transpose: Any) -> Any:
    """Returns an inner-of-outer pytree from an outer-of-inner one.

    ``pytree_to_transpose`` must have structure ``outer_treedef.compose(
    inner_treedef)``; if ``inner_treedef`` is None it is taken from the first
    outer leaf.  E.g. a list of pairs becomes a pair of lists.
    """
    if inner_treedef is None:
        inner_treedef = tree_structure(outer_treedef.flatten_up_to(pytree_to_transpose)[0])
    leaves, treedef = tree_flatten(pytree_to_transpose)
    expected = outer_treedef.compose(inner_treedef)
    if treedef != expected:
        raise TypeError(f"tree_transpose: expected a tree of structure {expected} "
                        f"(outer composed with inner), got {treedef}")
    n = inner_treedef.num_leaves
    columns = [outer_treedef.unflatten(leaves[i::n]) for i in range(n)]
    return inner_treedef.unflatten(columns)


def tree_broadcast(prefix_tree: Any, full_tree: Any,
                   is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """Returns ``full_tree``'s structure with each leaf replaced by the leaf of
    ``prefix_tree`` above it (``prefix_tree`` must be a prefix of ``full_tree``)."""
    leaves, treedef = default_registry.flatten(prefix_tree, is_leaf)
    subtrees = _flatten_rest("tree_broadcast", treedef, [full_tree])[0]
    return treedef.unflatten(
        tree_map(lambda _, x=x: x, sub, is_leaf=is_leaf) for x, sub in zip(leaves, subtrees))


# ---------------------------------------------------------------- key paths


def tree_flatten_with_path(tree: Any, is_leaf: Callable[..., bool] | None = None,
                           is_leaf_takes_path: bool = False):
    """Flattens ``tree``; returns ``([(key_path, leaf), ...], treedef)``.

    ``is_leaf`` is called as ``is_leaf(x)``, or ``is_leaf(key_path, x)`` if
    ``is_leaf_takes_path``.
    """
    if is_leaf is not None and not is_leaf_takes_path:
        leaf_pred = is_leaf
        is_leaf = lambda path, x: leaf_pred(x)
    return default_registry.flatten_with_path(tree, is_leaf)


def tree_leaves_with_path(tree: Any, is_leaf: Callable[..., bool] | None = None,
                          is_leaf_takes_path: bool = False) -> list:
    """Returns the list of ``(key_path, leaf)`` pairs of ``tree``."""
    return tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


def tree_map_with_path(f: Callable[..., Any], tree: Any, *rest: Any,
                       is_leaf: Callable[..., bool] | None = None,
                       is_leaf_takes_path: bool = False) -> Any:
    """Like :func:`tree_map`, but returns a tree of ``f(key_path, x, *xs)``."""
    pairs, treedef = tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)
    others = _flatten_rest("tree_map_with_path", treedef, rest, f)
    return treedef.unflatten(f(*p, *xs) for p, *xs in zip(pairs, *others))


def _simple_key(key: Any) -> str:
    for cls, attr in ((SequenceKey, "idx"), (DictKey, "key"), (GetAttrKey, "name"),
                      (FlattenedIndexKey, "key")):
        if isinstance(key, cls):
            return str(getattr(key, attr))
    return str(key)


def keystr(keys: KeyPath, *, simple: bool = False, separator: str = "") -> str:
    """Returns a key path as a string, e.g. ``"['a'][0].x"``.

    With ``simple=True`` each key is written bare (``a``, ``0``, ``x``); keys
    are joined with ``separator``.
    """
    return separator.join(_simple_key(k) if simple else str(k) for k in keys)


# ---------------------------------------------------------------- registration


def register_pytree_node(nodetype: type, flatten_func: Callable, unflatten_func: Callable,
                         flatten_with_keys_func: Callable | None = None) -> None:
    """Makes ``nodetype`` a pytree node; returns None.

    ``flatten_func(x)`` returns ``(children, aux_data)``, ``aux_data`` being
    hashable static data; ``unflatten_func(aux_data, children)`` rebuilds the
    node.  ``flatten_with_keys_func(x)``, if given, returns
    ``([(key, child), ...], aux_data)``; otherwise paths use FlattenedIndexKey.
    """
    for registry in _REGISTRIES:
        registry.register_node(nodetype, flatten_func, unflatten_func, flatten_with_keys_func)


def register_pytree_with_keys(nodetype: type, flatten_with_keys: Callable,
                              unflatten_func: Callable,
                              flatten_func: Callable | None = None) -> None:
    """Makes ``nodetype`` a pytree node whose children have keys; returns None.

    ``flatten_with_keys(x)`` returns ``([(key, child), ...], aux_data)``; a
    key-less ``flatten_func`` is derived from it unless given (it is faster).
    """
    if flatten_func is None:
        def flatten_func(x):
            pairs, aux = flatten_with_keys(x)
            return [child for _, child in pairs], aux
    register_pytree_node(nodetype, flatten_func, unflatten_func, flatten_with_keys)


def register_pytree_node_class(cls: type) -> type:
    """Registers ``cls`` via its ``tree_flatten`` method and ``tree_unflatten``
    classmethod; returns ``cls`` (so it works as a class decorator)."""
    register_pytree_node(cls, operator.methodcaller("tree_flatten"), cls.tree_unflatten)
    return cls


def register_pytree_with_keys_class(cls: type) -> type:
    """Registers ``cls`` via its ``tree_flatten_with_keys`` method (and
    ``tree_flatten`` if it has one) and ``tree_unflatten``; returns ``cls``."""
    flatten = operator.methodcaller("tree_flatten") if hasattr(cls, "tree_flatten") else None
    register_pytree_with_keys(cls, operator.methodcaller("tree_flatten_with_keys"),
                              cls.tree_unflatten, flatten)
    return cls


def register_dataclass(nodetype: type, data_fields: Sequence[str] | None = None,
                       meta_fields: Sequence[str] | None = None,
                       drop_fields: Sequence[str] = ()) -> type:
    """Makes ``nodetype`` a pytree node with attribute children; returns ``nodetype``.

    ``data_fields`` name the attributes that are children (with GetAttrKey
    paths), ``meta_fields`` those kept as static, hashable aux data; the node
    is rebuilt as ``nodetype(**fields)``.  If both are omitted, ``nodetype``
    must be a dataclass: its ``init`` fields are data, except those declared
    with ``field(metadata={'static': True})``, which are meta.  For a
    dataclass, data + meta fields must be exactly its ``init`` fields, minus
    ``drop_fields``.
    """
    is_dc = dataclasses.is_dataclass(nodetype)
    if data_fields is None and meta_fields is None:
        if not is_dc:
            raise TypeError(f"register_dataclass: data_fields and meta_fields are required "
                            f"when {nodetype} is not a dataclass")
        fields = [f for f in dataclasses.fields(nodetype) if f.init and f.name not in drop_fields]
        meta_fields = [f.name for f in fields if f.metadata.get("static", False)]
        data_fields = [f.name for f in fields if not f.metadata.get("static", False)]
    elif data_fields is None or meta_fields is None:
        raise TypeError(f"register_dataclass: give both data_fields and meta_fields, or neither; "
                        f"got data_fields={data_fields} meta_fields={meta_fields}")
    data_fields, meta_fields = list(data_fields), list(meta_fields)
    if is_dc:
        init = {f.name for f in dataclasses.fields(nodetype) if f.init} - set(drop_fields)
        given = set(data_fields) | set(meta_fields)
        if given != init:
            raise ValueError(
                f"register_dataclass({nodetype.__name__}): data_fields and meta_fields must list "
                f"exactly the dataclass's init=True fields (less drop_fields). "
                f"Missing: {sorted(init - given)}; unexpected: {sorted(given - init)}.")
    for registry in _REGISTRIES:
        registry.register_dataclass_node(nodetype, data_fields, meta_fields)
    return nodetype


def register_static(cls: type) -> type:
    """Makes instances of ``cls`` nodes with no children, the instance itself
    being the (hashable) aux data; returns ``cls``."""
    register_pytree_node(cls, lambda x: ((), x), lambda x, _: x)
    return cls


# ---------------------------------------------------------------- Partial


class _PartialFunc:
    """Wraps a ``functools.partial`` given to :class:`Partial` as its function,
    so its bound arguments stay static instead of being merged (and so turned
    into pytree children) by ``functools.partial``."""

    __slots__ = ("func",)

    def __init__(self, func):
        self.func = func

    def __call__(self, *args, **kwargs):
        return self.func(*args, **kwargs)

    def __eq__(self, other):
        return isinstance(other, _PartialFunc) and self.func == other.func

    def __hash__(self):
        return hash(self.func)

    def __repr__(self):
        return f"_PartialFunc({self.func!r})"


class Partial(functools.partial):
    """A ``functools.partial`` that is a pytree: the bound positional and
    keyword arguments are its children, the function is static aux data.

    It can therefore be passed through transformed functions, e.g.
    ``jit(lambda f, x: f(x))(Partial(jnp.add, y), x)`` traces ``y``.
    """

    def __new__(cls, func, *args, **kwargs):
        if isinstance(func, functools.partial):
            func = _PartialFunc(func)
        return super().__new__(cls, func, *args, **kwargs)


register_pytree_node(
    Partial,
    lambda p: ((p.args, p.keywords), p.func),
    lambda func, children: Partial(func, *children[0], **children[1]))


__all__ = [
    "PyTreeDef", "SequenceKey", "DictKey", "GetAttrKey", "FlattenedIndexKey",
    "KeyEntry", "KeyPath", "Partial", "default_registry", "none_leaf_registry",
    "tree_flatten", "tree_unflatten", "tree_leaves", "tree_structure", "tree_map",
    "tree_reduce", "tree_reduce_associative", "tree_all", "tree_transpose",
    "tree_broadcast", "treedef_is_leaf", "treedef_tuple", "treedef_children",
    "all_leaves", "flatten_one_level", "tree_flatten_with_path",
    "tree_leaves_with_path", "tree_map_with_path", "keystr", "register_pytree_node",
    "register_pytree_with_keys", "register_pytree_node_class",
    "register_pytree_with_keys_class", "register_dataclass", "register_static",
]
