"""What the control-flow primitives share: tracing user functions into jaxprs (once per
signature), type checks with messages that name the user's function and the offending
leaf, and transformations of inner jaxprs (JVP, partial evaluation, transposition,
batching) that the rules of `cond`, `while` and `scan` are built from.

Every inner jaxpr these primitives carry has no consts: whatever a traced function closed
over (arrays, or tracers of enclosing transformations) becomes a leading input, and its
value an explicit operand of the primitive. Enclosing transformations therefore see those
values as ordinary operands.
"""
import collections
import functools
import weakref

import numpy as np

from jaxlike import core, tree_util
from jaxlike.config import config
from jaxlike.core import ClosedJaxpr, Jaxpr, Tracer, Var, get_aval
from jaxlike.interpreters import ad, batching
from jaxlike.interpreters import partial_eval as pe
from jaxlike.interpreters.ad import Zero

# ---------------------------------------------------------------------------------------------
# Small list helpers.


def split_list(values, sizes):
    """Returns `values` cut into consecutive pieces of the given sizes, plus the rest."""
    values, out, start = list(values), [], 0
    for n in sizes:
        out.append(values[start:start + n])
        start += n
    out.append(values[start:])
    return out


def pick(values, flags, keep=True):
    """Returns the values whose flag equals `keep`."""
    return [v for v, f in zip(values, flags) if bool(f) == keep]


def merge(flags, when_true, when_false):
    """Returns a list taking, in order, from `when_true` where a flag is set and from
    `when_false` elsewhere (the inverse of two `pick`s)."""
    t, f = iter(when_true), iter(when_false)
    return [next(t) if flag else next(f) for flag in flags]


def fixpoint(step, flags):
    """Returns the least superset of `flags` closed under `flags |= step(flags)`: which loop
    carries are nonzero / unknown / batched once the body has run any number of times."""
    flags = list(flags)
    while True:
        new = [a or b for a, b in zip(flags, step(flags))]
        if new == flags:
            return flags
        flags = new


def no_consts(jaxpr, invars=None, outvars=None):
    """Returns a const-free ClosedJaxpr of `jaxpr`'s equations with the given invars and
    outvars (defaults: its own)."""
    return ClosedJaxpr(Jaxpr([], jaxpr.invars if invars is None else invars,
                             jaxpr.outvars if outvars is None else outvars, jaxpr.eqns), [])


def trace(fun, in_avals):
    """Traces `fun(*flat) -> list` for `in_avals`; returns (const-free ClosedJaxpr whose
    leading inputs are the closed-over values, those values)."""
    return pe.convert_constvars_to_invars(pe.trace_to_jaxpr(fun, in_avals))


def trace_closed(fun, in_avals):
    """Traces `fun(*flat) -> list`, which must close over no arrays; returns its const-free
    ClosedJaxpr."""
    jaxpr, consts = trace(fun, in_avals)
    assert not consts, "a function traced with trace_closed closed over values"
    return jaxpr


def eval_closed(closed, *args):
    """Evaluates a ClosedJaxpr under the current trace; returns its outputs."""
    return core.eval_jaxpr(closed.jaxpr, closed.consts, *args)


def python_control_flow():
    """Returns True when control flow runs as plain Python branches and loops, as in JAX for
    debugging: with `jax_disable_jit` set and no transformation active."""
    return bool(config.jax_disable_jit) and core.trace_state.trace is core.eval_trace


def differentiable(aval):
    """Returns True when values of `aval` have (non-float0) tangents."""
    return ad.tangent_aval(aval).dtype == aval.dtype


# ---------------------------------------------------------------------------------------------
# Memoizing the transformations of inner jaxprs. A rule that builds new jaxprs for every
# call would defeat the caches keyed on params (eager dispatch compiles a primitive once per
# params): `jvp(f)(x)` on a function with a cond would recompile at each call. Each
# jaxpr-building helper is therefore memoized on the identity of its input jaxprs (held
# weakly, so that an id reused after garbage collection is never mistaken) and its other
# (hashable) arguments.

def _key(arg, jaxprs):
    if isinstance(arg, ClosedJaxpr):
        jaxprs.append(arg)
        return ("jaxpr", id(arg))
    if isinstance(arg, (tuple, list)):
        return (type(arg).__name__,) + tuple(_key(a, jaxprs) for a in arg)
    return arg


def memoize(fun, maxsize=1024):
    """Returns `fun` memoized on (identities of the ClosedJaxprs among its arguments, its
    other arguments, the x64 setting)."""
    cache = collections.OrderedDict()

    @functools.wraps(fun)
    def wrapped(*args):
        jaxprs = []
        key = (_key(args, jaxprs), config.jax_enable_x64)
        try:
            entry = cache.get(key)
        except TypeError:  # an unhashable argument (e.g. an axis name): no caching
            return fun(*args)
        if entry is not None and all(r() is j for r, j in zip(entry[0], jaxprs)):
            cache.move_to_end(key)
            return entry[1]
        result = fun(*args)
        cache[key] = ([weakref.ref(j) for j in jaxprs], result)
        if len(cache) > maxsize:
            cache.popitem(last=False)
        return result
    wrapped.cache_clear = cache.clear
    return wrapped


# ---------------------------------------------------------------------------------------------
# Tracing user functions, once per signature.

# fun -> {signature: (jaxpr, consts, out_tree)}. Keyed weakly on the user's function, so an
# eager loop calling `lax.cond(p, f, g, x)` traces f and g once and reuses the compiled
# primitive (its params hold the same jaxprs).
_traces = weakref.WeakKeyDictionary()


def _cache_of(fun):
    try:
        return _traces.setdefault(fun, {})
    except TypeError:  # not weak-referenceable or unhashable: no caching
        return None


def trace_function(fun, in_tree, in_avals, post=None):
    """Traces `fun(*args)` where args = unflatten(in_tree, leaves of in_avals); `post` (a
    module-level function) checks and normalizes the output before flattening. Returns
    (const-free ClosedJaxpr whose leading inputs are the closed-over values, those values,
    output treedef)."""
    key = (in_tree, tuple(in_avals), config.jax_enable_x64, post)
    cache = _cache_of(fun)
    if cache is not None and key in cache:
        return cache[key]
    store = {}

    def flat(*leaves):
        out = fun(*tree_util.tree_unflatten(in_tree, leaves))
        if post is not None:
            out = post(out)
        out_leaves, store["tree"] = tree_util.tree_flatten(out)
        return out_leaves

    jaxpr, consts = trace(flat, in_avals)
    result = (jaxpr, consts, store["tree"])
    if cache is not None and not any(isinstance(c, Tracer) for c in consts):
        cache[key] = result
    return result


def convert_leaf(x, aval):
    """Returns `x` (an operand) converted to `aval`'s dtype, strongly typed."""
    from jaxlike import lax
    if hasattr(x, "aval"):  # an Array or a tracer
        return lax.convert_element_type(x, aval.dtype, weak_type=False)
    return np.asarray(x, aval.dtype)


def cached_wrapper(make, fun, *others):
    """Returns `make(ref, *other_refs)`, built once per (fun, *others), so that traces of the
    wrapper are cached like traces of `fun`; `ref()` returns fun without keeping it alive
    (the others are held by the cache entry of `fun`)."""
    cache = _cache_of(fun)
    if cache is None:
        return make(lambda: fun, *[lambda o=o: o for o in others])
    key = (make, *others)
    try:
        wrapper = cache.get(key)
    except TypeError:  # an unhashable other function
        return make(lambda: fun, *[lambda o=o: o for o in others])
    if wrapper is None:
        wrapper = cache[key] = make(weakref.ref(fun), *[lambda o=o: o for o in others])
    return wrapper


# ---------------------------------------------------------------------------------------------
# Messages.

def describe_fun(fun):
    """Returns the user's function as `name` (with its file and line when known)."""
    name = getattr(fun, "__qualname__", None) or getattr(fun, "__name__", None) or repr(fun)
    code = getattr(fun, "__code__", None)
    if code is not None:
        return f"{name} at {code.co_filename}:{code.co_firstlineno}"
    return name


def type_str(aval):
    """Returns an aval as `float32[3]`."""
    return f"{aval.dtype.name}[{','.join(map(str, aval.shape))}]"


def difference(a, b):
    """Returns why two avals differ, in words."""
    if a.shape != b.shape:
        return "the shapes differ"
    if a.dtype != b.dtype:
        return "the dtypes differ"
    return "their weak types differ"


def leaf_paths(treedef):
    """Returns the key-path string (e.g. `['w'][0]`) of each leaf of `treedef`."""
    leaves = tree_util.tree_unflatten(treedef, [0] * treedef.num_leaves)
    return [tree_util.keystr(p) for p, _ in tree_util.tree_flatten_with_path(leaves)[0]]


def _at(path):
    return f" at path {path}" if path else ""


def check_branch_outputs(what, names, out_trees, out_avals):
    """Checks that every branch returns the same pytree of the same shapes and dtypes as the
    first; raises TypeError naming both branches and the first differing leaf. Returns the
    joined output avals (weakly typed only where every branch's output is)."""
    for name, tree, avals in zip(names[1:], out_trees[1:], out_avals[1:]):
        if tree != out_trees[0]:
            raise TypeError(
                f"{what}: the branches must return the same pytree structure, but "
                f"{names[0]} returns {out_trees[0]} and {name} returns {tree}. Make them "
                "return the same containers (tuples, lists, dicts) of arrays.")
        for path, a, b in zip(leaf_paths(tree), out_avals[0], avals):
            if (a.shape, a.dtype) != (b.shape, b.dtype):
                raise TypeError(
                    f"{what}: the branches must return equal types, but the output of "
                    f"{names[0]}{_at(path)} has type {type_str(a)} while {name} returns "
                    f"{type_str(b)} there ({difference(a, b)}). Make every branch return "
                    "arrays of the same shapes and dtypes (e.g. with .astype()).")
    return [a.update(weak_type=all(avals[i].weak_type for avals in out_avals))
            for i, a in enumerate(out_avals[0])]


def check_carry(what, fun, in_tree, out_tree, in_avals, out_avals):
    """Checks that a loop body returns a carry of the pytree structure, shapes and dtypes it
    received; raises TypeError naming the function and the first differing leaf."""
    if in_tree != out_tree:
        raise TypeError(
            f"{what}: {describe_fun(fun)} must return a carry with the same pytree structure "
            f"as its input carry, but the input carry is {in_tree} and the output carry is "
            f"{out_tree}.")
    for path, a, b in zip(leaf_paths(in_tree), in_avals or (), out_avals or ()):
        if (a.shape, a.dtype) != (b.shape, b.dtype):
            raise TypeError(
                f"{what}: {describe_fun(fun)} changes the type of the carry{_at(path)}: it "
                f"enters the body as {type_str(a)} and leaves as {type_str(b)} "
                f"({difference(a, b)}). A loop carry must keep its shape and dtype; convert "
                "the new value (e.g. with .astype()) or change the initial value.")


def _promoted(aval, out):
    # A weakly typed initial carry (from a Python scalar) takes the dtype the body gives it,
    # as in JAX: `fori_loop(0, n, lambda i, x: x + 0.5, 0)` carries a float.
    if aval.weak_type and aval.shape == out.shape and aval.dtype != out.dtype:
        from jaxlike import dtypes
        return aval.update(dtype=dtypes.result_type(aval, out), weak_type=False)
    return aval


def trace_loop_body(what, fun, in_tree, in_avals, carry_tree, post=None,
                    out_carry_tree=lambda tree: tree):
    """Traces a loop body `fun` whose first `carry_tree.num_leaves` inputs are the carry and
    whose output's carry part (`out_carry_tree(out_tree)`) must keep the carry's shapes and
    dtypes (weak types may differ, as in JAX). A weakly typed initial carry leaf is promoted
    to the dtype the body returns, and the body retraced. Returns (jaxpr, consts, out_tree,
    input avals after promotion)."""
    n = carry_tree.num_leaves
    avals = list(in_avals)
    for _ in range(2):
        jaxpr, consts, out_tree = trace_function(fun, in_tree, tuple(avals), post)
        check_carry(what, fun, carry_tree, out_carry_tree(out_tree), None, None)
        promoted = [_promoted(a, o) for a, o in zip(avals[:n], jaxpr.out_avals[:n])]
        if promoted == avals[:n]:
            break
        avals[:n] = promoted
    check_carry(what, fun, carry_tree, out_carry_tree(out_tree), avals[:n],
                jaxpr.out_avals[:n])
    return jaxpr, consts, out_tree, avals


# ---------------------------------------------------------------------------------------------
# Joining the closed-over values of several jaxprs (the branches of a cond).

def join_consts(traced):
    """Given [(const-free ClosedJaxpr with leading const inputs, const values)], returns
    (jaxprs that all take the union of the values, deduplicated, as leading inputs; the
    union), so that branches closing over different values have equal signatures."""
    union, index, patterns = [], {}, []
    for _, consts in traced:
        pattern = []
        for c in consts:
            if id(c) not in index:
                index[id(c)] = len(union)
                union.append(c)
            pattern.append(index[id(c)])
        patterns.append(tuple(pattern))
    avals = tuple(get_aval(c) for c in union)
    return list(_join(tuple(closed for closed, _ in traced), tuple(patterns), avals)), union


@memoize
def _join(closeds, patterns, avals):
    # The same inputs give the same jaxprs, so repeated eager conds reuse their executable.
    out = []
    for closed, pattern in zip(closeds, patterns):
        jaxpr = closed.jaxpr
        own = dict(zip(pattern, jaxpr.invars))
        invars = [own.get(i) or Var(a) for i, a in enumerate(avals)]
        out.append(no_consts(jaxpr, invars + jaxpr.invars[len(pattern):]))
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# Forward mode.

def jvp_jaxpr(closed, nonzeros, instantiate):
    """Returns (const-free jaxpr: consts + primals + nonzero tangents -> primal outputs +
    nonzero tangent outputs; its const values; which output tangents are nonzero).
    `instantiate[i]` forces output i's tangent to be materialized (for differentiable
    outputs)."""
    n = len(nonzeros)
    in_avals = closed.in_avals
    out_nonzero = []

    def fun(*args):
        tangents = iter(args[n:])
        full = [next(tangents) if nz else Zero(ad.tangent_aval(a))
                for nz, a in zip(nonzeros, in_avals)]
        outs, touts = ad.jvp_flat(lambda *xs: eval_closed(closed, *xs), args[:n], full)
        touts = [ad.instantiate_zeros(t) if inst and differentiable(t.aval) else t
                 for t, inst in zip(touts, instantiate)]
        out_nonzero[:] = [type(t) is not Zero for t in touts]
        return list(outs) + [t for t in touts if type(t) is not Zero]

    tangent_avals = [ad.tangent_aval(a) for a, nz in zip(in_avals, nonzeros) if nz]
    jaxpr, consts = trace(fun, list(in_avals) + tangent_avals)
    return jaxpr, consts, out_nonzero


def nonzero_tangents(tangents):
    """Returns which tangents are nonzero (a float0 tangent counts as zero)."""
    return [type(t) is not Zero and differentiable(get_aval(t)) for t in tangents]


def permute(closed, in_order=None, out_order=None):
    """Returns the const-free jaxpr with its invars / outvars reordered: new position k takes
    old position order[k]."""
    jaxpr = closed.jaxpr
    invars = jaxpr.invars if in_order is None else [jaxpr.invars[i] for i in in_order]
    outvars = jaxpr.outvars if out_order is None else [jaxpr.outvars[i] for i in out_order]
    return no_consts(jaxpr, invars, outvars)


def groups_order(sizes, order):
    """Returns the permutation that lists consecutive groups of `sizes` in `order` (a list
    of group numbers): groups_order([2, 1], [1, 0]) == [2, 0, 1]."""
    starts, s = [], 0
    for n in sizes:
        starts.append(s)
        s += n
    return [starts[g] + i for g in order for i in range(sizes[g])]


# ---------------------------------------------------------------------------------------------
# Partial evaluation (linearization) and transposition.

# The split itself is partial evaluation's (jaxlike.interpreters.partial_eval); control
# flow and jit share it.
Split = pe.Split
partial_eval_jaxpr = pe.partial_eval_jaxpr


def record_all_unknown(trace, prim, args, params):
    """Partial evaluation's fallback: records the whole primitive as unknown (its known
    operands become residuals); returns its output tracers."""
    atoms = [trace.to_atom(x) for x in args]
    out_avals = core.abstract_eval(prim, [a.aval for a in atoms], params)
    return trace.record(prim, atoms, out_avals, params)


def transpose_jaxpr(closed, linear, ct_nonzero):
    """Returns (const-free jaxpr: non-linear inputs + nonzero output cotangents ->
    cotangents of the linear inputs (instantiated), its const values): the backward pass of
    `closed` with respect to the inputs flagged `linear`."""
    in_avals, out_avals = closed.in_avals, closed.out_avals
    n_res = sum(1 for lin in linear if not lin)

    def backward(*args):
        res, cts = iter(args[:n_res]), iter(args[n_res:])
        full = [ad.UndefinedPrimal(a) if lin else next(res) for a, lin in zip(in_avals, linear)]
        full_cts = [next(cts) if nz else Zero(a) for nz, a in zip(ct_nonzero, out_avals)]
        out = ad.backward_pass(closed.jaxpr, closed.consts, full, full_cts)
        return [ad.instantiate_zeros(c) for c, lin in zip(out, linear) if lin]

    avals = pick(in_avals, linear, False) + pick(out_avals, ct_nonzero)
    return trace(backward, avals)


# ---------------------------------------------------------------------------------------------
# Batching.

def carry_dims(batched):
    """Returns the batch dims of loop carries: 0 where batched, not_mapped elsewhere."""
    return [0 if b else batching.not_mapped for b in batched]


def batch_jaxpr(closed, size, in_dims, axis_name, out_batched=None):
    """Returns (const-free jaxpr computing `closed` on inputs batched at `in_dims`, its const
    values, which outputs are batched). Batched outputs have the batch axis first.
    `out_batched` (a list of True / False / None) forces an output to be batched (True) or
    asserts it is not (False); None leaves it as it comes."""
    in_avals = []
    for aval, d in zip(closed.in_avals, in_dims):
        if d is not batching.not_mapped:
            shape = list(aval.shape)
            shape.insert(d, size)
            aval = aval.update(shape=tuple(shape))
        in_avals.append(aval)
    wanted = [None] * len(closed.out_avals) if out_batched is None else out_batched
    result = []

    def fun(*args):
        outs, dims = batching.batch_flat(lambda *xs: eval_closed(closed, *xs), args,
                                         in_dims, size, axis_name)
        result[:] = [d is not batching.not_mapped if w is None else w
                     for d, w in zip(dims, wanted)]
        for d, b in zip(dims, result):
            assert b or d is batching.not_mapped, "an output forced unbatched is batched"
        return [batching.move_to(o, d, size, 0) if b else o
                for o, d, b in zip(outs, dims, result)]

    jaxpr, consts = trace(fun, in_avals)
    return jaxpr, consts, result
