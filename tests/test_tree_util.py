"""Tests for jaxlike.tree_util and jaxlike.tree.

Known-answer strings were checked by eye against the reference JAX 0.10.2.
"""
import collections
import dataclasses
import functools
import operator
import pickle

import pytest
from hypothesis import given, settings, strategies as st

from jaxlib import _jax

import jaxlike.tree as jtree
import jaxlike.tree_util as tu

Point = collections.namedtuple("Point", "x y")
Single = collections.namedtuple("Single", "v")

# ---------------------------------------------------------------- strategies

leaves = st.integers(-1000, 1000)
trees = st.recursive(
    leaves | st.none(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=4).map(tuple)
        | st.dictionaries(st.text("abcxyz", min_size=1, max_size=3), children, max_size=4)
        | st.builds(Point, children, children)
        | st.builds(Single, children)
    ),
    max_leaves=20,
)


def manual_map(f, t):
    """Reference implementation of tree_map for the built-in node types."""
    if t is None:
        return None
    if isinstance(t, tuple) and hasattr(t, "_fields"):
        return type(t)(*(manual_map(f, c) for c in t))
    if isinstance(t, (tuple, list)):
        return type(t)(manual_map(f, c) for c in t)
    if isinstance(t, dict):
        return {k: manual_map(f, v) for k, v in t.items()}
    return f(t)


def manual_leaves(t):
    """Reference leaves: depth first, dicts in sorted-key order, None has none."""
    if t is None:
        return []
    if isinstance(t, (tuple, list)):
        return [x for c in t for x in manual_leaves(c)]
    if isinstance(t, dict):
        return [x for k in sorted(t) for x in manual_leaves(t[k])]
    return [t]


# ---------------------------------------------------------------- properties


@settings(max_examples=150, deadline=None)
@given(trees)
def test_flatten_unflatten_round_trip(tree):
    flat, treedef = tu.tree_flatten(tree)
    assert flat == manual_leaves(tree)
    assert treedef.num_leaves == len(flat)
    rebuilt = tu.tree_unflatten(treedef, flat)
    assert rebuilt == tree
    assert type(rebuilt) is type(tree)
    assert tu.tree_structure(rebuilt) == treedef
    assert hash(tu.tree_structure(rebuilt)) == hash(treedef)


@settings(max_examples=150, deadline=None)
@given(trees)
def test_tree_map_matches_manual_map(tree):
    f = lambda x: 3 * x + 1
    assert tu.tree_map(f, tree) == manual_map(f, tree)
    assert tu.tree_map(operator.add, tree, tree) == manual_map(lambda x: 2 * x, tree)
    assert jtree.map(f, tree) == manual_map(f, tree)


@settings(max_examples=100, deadline=None)
@given(trees)
def test_paths_lead_to_leaves(tree):
    pairs, treedef = tu.tree_flatten_with_path(tree)
    assert treedef == tu.tree_structure(tree)
    assert [x for _, x in pairs] == tu.tree_leaves(tree)
    for path, leaf in pairs:
        node = tree
        for key in path:
            if isinstance(key, tu.SequenceKey):
                node = node[key.idx]
            elif isinstance(key, tu.DictKey):
                node = node[key.key]
            else:
                node = getattr(node, key.name)
        assert node == leaf


# ---------------------------------------------------------------- known answers


def test_known_structures_print_like_jax():
    assert str(tu.tree_structure({"b": 1, "a": (2, None)})) == "PyTreeDef({'a': (*, None), 'b': *})"
    assert (str(tu.tree_structure(Point(1, [2, {"z": None}])))
            == "PyTreeDef(CustomNode(namedtuple[Point], [*, [*, {'z': None}]]))")
    assert str(tu.tree_structure((1, None, [], {}, ()))) == "PyTreeDef((*, None, [], {}, ()))"
    assert str(tu.tree_structure(None)) == "PyTreeDef(None)"
    assert str(tu.tree_structure(3)) == "PyTreeDef(*)"
    assert (str(tu.tree_structure(tu.Partial(print, 1, k=2)))
            == "PyTreeDef(CustomNode(Partial[<built-in function print>], [(*,), {'k': *}]))")


def test_dicts_flatten_in_sorted_key_order_and_none_is_empty_node():
    assert tu.tree_leaves({"b": 1, "a": 2, "c": None}) == [2, 1]
    treedef = tu.tree_structure([None])
    assert treedef.num_leaves == 0 and treedef.num_nodes == 2
    assert tu.tree_unflatten(treedef, []) == [None]
    assert tu.tree_map(lambda x: 1 / 0, (None, [None])) == (None, [None])


def test_treedef_methods():
    treedef = tu.tree_structure([[1], 2])
    assert tu.treedef_children(treedef) == [tu.tree_structure([0]), tu.tree_structure(0)]
    assert treedef.num_nodes == 4
    assert tu.treedef_is_leaf(tu.tree_structure(1))
    assert tu.treedef_is_leaf(tu.tree_structure(None))
    assert not tu.treedef_is_leaf(tu.tree_structure((1,)))
    pair = tu.treedef_tuple([tu.tree_structure(1), tu.tree_structure([1])])
    assert pair == tu.tree_structure((1, [1]))
    outer, inner = tu.tree_structure([0, 0]), tu.tree_structure({"a": 0})
    assert outer.compose(inner) == tu.tree_structure([{"a": 1}, {"a": 2}])
    assert outer.flatten_up_to([(1, 2), {"x": 3}]) == [(1, 2), {"x": 3}]
    assert isinstance(treedef, tu.PyTreeDef)
    assert pickle.loads(pickle.dumps(treedef)) == treedef
    assert tu.flatten_one_level({"b": 1, "a": 2}) == ([2, 1], ("a", "b"))
    with pytest.raises(ValueError):
        tu.flatten_one_level(1)


def test_reduce_all_transpose_broadcast():
    assert tu.tree_reduce(operator.add, [1, (2, 3)]) == 6
    assert tu.tree_reduce(operator.add, [1, (2, 3)], 10) == 16
    with pytest.raises(TypeError):
        tu.tree_reduce(operator.add, [])
    assert jtree.reduce_associative(operator.add, list(range(7))) == 21
    assert jtree.reduce_associative(operator.add, [], identity=0) == 0
    assert tu.tree_all([1, (True, 2)]) and not tu.tree_all([1, 0]) and tu.tree_all([])
    assert tu.all_leaves([1, "a", 2.0]) and not tu.all_leaves([1, (2,)])
    assert not tu.all_leaves([1, None])
    assert tu.all_leaves([1, (2,)], is_leaf=lambda x: isinstance(x, tuple))
    outer = tu.tree_structure([0, 0])
    assert tu.tree_transpose(outer, tu.tree_structure((0, 0)), [(1, 2), (3, 4)]) == ([1, 3], [2, 4])
    assert tu.tree_transpose(outer, None, [{"a": 1}, {"a": 2}]) == {"a": [1, 2]}
    with pytest.raises(TypeError, match="tree_transpose"):
        tu.tree_transpose(outer, tu.tree_structure((0, 0)), [(1, 2), (3, 4, 5)])
    assert tu.tree_broadcast((1, (2, 3)), ([0, 0], (0, {"a": 0}))) == ([1, 1], (2, {"a": 3}))


def test_is_leaf():
    tree = [1, None, (None, 2), {"a": (3, 4)}]
    assert tu.tree_leaves(tree, is_leaf=lambda x: x is None) == [1, None, None, 2, 3, 4]
    is_pair = lambda x: isinstance(x, tuple)
    assert tu.tree_leaves(tree, is_leaf=is_pair) == [1, (None, 2), (3, 4)]
    out = tu.tree_map(lambda x: x if not isinstance(x, tuple) else len(x), tree, is_leaf=is_pair)
    assert out == [1, None, 2, {"a": 2}]
    # The other trees only need the first tree's structure as a prefix.
    out = tu.tree_map(lambda x, y: (x, y), [1, 2], [(3, 4), {"a": 5}])
    assert out == [(1, (3, 4)), (2, {"a": 5})]
    pairs, _ = tu.tree_flatten_with_path(tree, is_leaf=lambda p, x: len(p) == 1,
                                         is_leaf_takes_path=True)
    assert [x for _, x in pairs] == [1, None, (None, 2), {"a": (3, 4)}]


# ---------------------------------------------------------------- errors


def test_tree_map_mismatch_errors_name_function_and_structures():
    def combine(x, y):
        return x

    with pytest.raises(ValueError) as info:
        tu.tree_map(combine, {"a": [1, Point(1, (2, 3))]}, {"a": [1, Point(1, (2,))]})
    msg = str(info.value)
    assert "tree_map(combine" in msg
    assert "PyTreeDef({'a': [*, CustomNode(namedtuple[Point], [*, (*, *)])]})" in msg
    assert "PyTreeDef({'a': [*, CustomNode(namedtuple[Point], [*, (*,)])]})" in msg
    assert "['a'][1].y" in msg

    with pytest.raises(ValueError, match=r"tree_map\(combine.*\n.*\(\*, \*\).*\n.*\(\*, \*, \*\)"):
        tu.tree_map(combine, (1, 2), (1, 2, 3))
    with pytest.raises(ValueError, match=r"key path \[1\]: Expected None"):
        tu.tree_map(combine, (1, None), (1, 2))
    with pytest.raises(ValueError, match="Dict key mismatch"):
        tu.tree_map(combine, {"a": 1}, {"b": 1})
    with pytest.raises(ValueError, match="argument 2"):
        tu.tree_map(lambda *xs: 0, [1], [2], (3,))
    with pytest.raises(ValueError, match=r"tree_map_with_path\(<lambda>"):
        tu.tree_map_with_path(lambda p, x, y: x, [1], [1, 2])


# ---------------------------------------------------------------- registration


class Box:
    def __init__(self, a, b, tag):
        self.a, self.b, self.tag = a, b, tag

    def __eq__(self, other):
        return type(other) is Box and (self.a, self.b, self.tag) == (other.a, other.b, other.tag)


tu.register_pytree_node(Box, lambda x: ((x.a, x.b), x.tag), lambda tag, ab: Box(*ab, tag))


@tu.register_pytree_node_class
class Pair:
    def __init__(self, first, second):
        self.first, self.second = first, second

    def tree_flatten(self):
        return (self.first, self.second), None

    @classmethod
    def tree_unflatten(cls, aux, children):
        return cls(*children)


@tu.register_pytree_with_keys_class
class Named:
    def __init__(self, **items):
        self.items = items

    def tree_flatten_with_keys(self):
        keys = sorted(self.items)
        return [(tu.DictKey(k), self.items[k]) for k in keys], tuple(keys)

    @classmethod
    def tree_unflatten(cls, keys, children):
        return cls(**dict(zip(keys, children)))


@tu.register_dataclass
@dataclasses.dataclass
class Params:
    w: object
    b: object
    name: str = dataclasses.field(default="p", metadata={"static": True})
    cache: object = dataclasses.field(default=None, init=False)


class Plain:
    def __init__(self, x, y):
        self.x, self.y = x, y


tu.register_dataclass(Plain, data_fields=["x"], meta_fields=["y"])


def test_custom_node_class():
    tree = [Box(1, (2, 3), "t")]
    assert tu.tree_leaves(tree) == [1, 2, 3]
    assert str(tu.tree_structure(tree)) == "PyTreeDef([CustomNode(Box[t], [*, (*, *)])])"
    assert tu.tree_map(lambda x: x * 2, tree) == [Box(2, (4, 6), "t")]
    assert tu.tree_structure(Box(1, 2, "t")) != tu.tree_structure(Box(1, 2, "u"))
    assert tu.keystr(tu.tree_leaves_with_path(tree)[0][0]) == "[0][<flat index 0>]"
    with pytest.raises(ValueError, match="Duplicate"):
        tu.register_pytree_node(Box, lambda x: ((), None), lambda aux, c: Box(0, 0, 0))


def test_register_pytree_node_class_and_keys_class():
    p = tu.tree_map(lambda x: x + 1, Pair(1, [2]))
    assert isinstance(p, Pair) and (p.first, p.second) == (2, [3])
    n = Named(b=1, a=(2,))
    assert tu.tree_leaves(n) == [2, 1]
    assert [tu.keystr(k) for k, _ in tu.tree_leaves_with_path(n)] == ["['a'][0]", "['b']"]
    assert tu.tree_map(str, n).items == {"a": ("2",), "b": "1"}


def test_register_dataclass():
    p = Params(w=[1.0, 2.0], b=3.0, name="dense")
    assert tu.tree_leaves(p) == [1.0, 2.0, 3.0]
    assert str(tu.tree_structure(p)) == "PyTreeDef(CustomNode(Params[('dense',)], [[*, *], *]))"
    q = tu.tree_map(lambda x: x * 2, p)
    assert isinstance(q, Params) and (q.w, q.b, q.name) == ([2.0, 4.0], 6.0, "dense")
    assert [tu.keystr(k) for k, _ in tu.tree_leaves_with_path(p)] == [".w[0]", ".w[1]", ".b"]
    assert tu.tree_structure(Plain(1, "m")) != tu.tree_structure(Plain(1, "n"))
    assert tu.tree_map(lambda x: -x, Plain(1, "m")).x == -1


def test_register_dataclass_errors():
    @dataclasses.dataclass
    class D:
        x: int
        y: int

    with pytest.raises(TypeError, match="both"):
        tu.register_dataclass(D, data_fields=["x"])
    with pytest.raises(ValueError, match="Missing: \\['y'\\]"):
        tu.register_dataclass(D, data_fields=["x"], meta_fields=[])
    with pytest.raises(TypeError, match="not a dataclass"):
        tu.register_dataclass(type("NotDC", (), {}))


def test_registries_are_the_cxx_ones():
    # The C++ dispatch path flattens with the registry object itself.
    assert tu.default_registry is _jax.pytree.default_registry()
    leaves, _ = _jax.pytree.default_registry().flatten(Box(1, 2, "t"))
    assert leaves == [1, 2]
    leaves, _ = tu.none_leaf_registry.flatten([None, Box(1, None, "t")])
    assert leaves == [None, 1, None]


# ---------------------------------------------------------------- Partial


def test_partial_is_a_pytree():
    add = lambda a, b, c=0: a + b + c
    p = tu.Partial(add, 1, c=10)
    assert p(2) == 13
    assert tu.tree_leaves(p) == [1, 10]
    q = tu.tree_map(lambda x: x * 2, p)
    assert isinstance(q, tu.Partial) and q(2) == 24
    assert tu.tree_structure(p) == tu.tree_structure(tu.Partial(add, 5, c=6))
    # A functools.partial given as the function stays static (not merged).
    r = tu.Partial(functools.partial(add, 100), 2)
    assert tu.tree_leaves(r) == [2] and r() == 102
    # A Partial of a Partial: the inner one's arguments are static too.
    s = tu.Partial(p, 5)
    assert tu.tree_leaves(s) == [5] and s() == 16


# ---------------------------------------------------------------- paths, keys, jax.tree


def test_paths_and_keystr():
    tree = {"a": [1, Point(2, Params(w=3, b=4))]}
    paths = [tu.keystr(k) for k, _ in tu.tree_leaves_with_path(tree)]
    assert paths == ["['a'][0]", "['a'][1].x", "['a'][1].y.w", "['a'][1].y.b"]
    keys = (tu.DictKey("a"), tu.SequenceKey(0), tu.GetAttrKey("x"), tu.FlattenedIndexKey(2))
    assert tu.keystr(keys) == "['a'][0].x[<flat index 2>]"
    assert tu.keystr(keys, simple=True, separator="/") == "a/0/x/2"
    assert tu.keystr(()) == ""
    out = tu.tree_map_with_path(lambda p, x, y: (tu.keystr(p), x + y),
                                {"a": 1, "b": [2]}, {"a": 10, "b": [20]})
    assert out == {"a": ("['a']", 11), "b": [("['b'][0]", 22)]}


def test_tree_namespace_aliases():
    assert jtree.map is tu.tree_map
    assert jtree.leaves is tu.tree_leaves
    assert jtree.structure is tu.tree_structure
    assert jtree.flatten is tu.tree_flatten
    assert jtree.unflatten is tu.tree_unflatten
    assert jtree.reduce is tu.tree_reduce
    assert jtree.all is tu.tree_all
    assert jtree.transpose is tu.tree_transpose
    assert jtree.map_with_path is tu.tree_map_with_path
    assert jtree.flatten_with_path is tu.tree_flatten_with_path
    assert jtree.leaves_with_path is tu.tree_leaves_with_path
    assert jtree.broadcast is tu.tree_broadcast


def test_public_functions_have_docstrings():
    for name in tu.__all__:
        obj = getattr(tu, name)
        if callable(obj) and not isinstance(obj, type) and name != "default_registry":
            assert obj.__doc__ and "eturns" in obj.__doc__, name
