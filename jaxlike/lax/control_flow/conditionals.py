"""`lax.cond` and `lax.switch`: the `cond` primitive, which runs one of several branches
(jaxprs) chosen by an int32 index, inside one compiled program.

`cond[branches=(...)] index *operands`: every branch takes the operands (after the values
the branches closed over, joined across branches) and returns outputs of equal types.
`lax.cond(pred, true_fun, false_fun, *operands)` converts the predicate to an index, so
its branches are (false_fun, true_fun). Rules: JVP (a cond of the branches' JVPs), partial
evaluation (known and unknown conds with one residual signature), transposition (a cond of
the branches' transposes, the index staying non-linear) and batching (a batched index
evaluates every branch and selects).
"""
import numpy as np

from jaxlike import tree_util
from jaxlike.core import Primitive, Var, get_aval, set_current_trace
from jaxlike.interpreters import ad, batching
from jaxlike.interpreters import partial_eval as pe
from jaxlike.interpreters.ad import Zero
from jaxlike.lax.control_flow import common as cf

__all__ = ["cond", "cond_p", "switch"]

cond_p = Primitive("cond", multiple_results=True)


def _cond_abstract_eval(index, *avals, branches):
    if index.shape != () or index.dtype != np.int32:
        raise TypeError(f"cond: the branch index must be an int32 scalar, got "
                        f"{cf.type_str(index)}")
    if not branches:
        raise TypeError("cond: at least one branch is required")
    given = [a.strip_weak_type() for a in avals]
    for i, branch in enumerate(branches):
        expected = [a.strip_weak_type() for a in branch.in_avals]
        if expected != given:
            raise TypeError(f"cond: branch {i} takes {[cf.type_str(a) for a in expected]} "
                            f"but the operands are {[cf.type_str(a) for a in given]}")
    outs = [b.out_avals for b in branches]
    for i, out in enumerate(outs[1:], 1):
        if [a.strip_weak_type() for a in out] != [a.strip_weak_type() for a in outs[0]]:
            raise TypeError(f"cond: branch 0 returns {[cf.type_str(a) for a in outs[0]]} but "
                            f"branch {i} returns {[cf.type_str(a) for a in out]}")
    return [a.update(weak_type=all(o[k].weak_type for o in outs))
            for k, a in enumerate(outs[0])]


cond_p.def_abstract_eval(_cond_abstract_eval)


# ---------------------------------------------------------------------------------------------
# The user API.

_missing = object()


def _operands(what, operands, operand):
    # JAX's older spelling `cond(pred, t, f, operand=x)` passes one operand by keyword.
    if operand is _missing:
        return operands
    if operands:
        raise TypeError(f"{what}: pass the operands positionally or as `operand=`, not both")
    return (operand,)


def _trace_branches(what, funs, names, operands):
    # Returns ([(branch jaxpr, its closed-over values)], output treedef, operand leaves).
    leaves, in_tree = tree_util.tree_flatten(tuple(operands))
    avals = tuple(get_aval(x) for x in leaves)
    traced = [cf.trace_function(f, in_tree, avals) for f in funs]
    # Outputs may differ in weak type only: the cond's output is weak where all are.
    cf.check_branch_outputs(what, names, [t[2] for t in traced],
                            [t[0].out_avals for t in traced])
    return [(t[0], t[1]) for t in traced], traced[0][2], leaves


def _bind_cond(index, traced, out_tree, leaves):
    branches, consts = cf.join_consts(traced)
    outs = cond_p.bind(index, *consts, *leaves, branches=tuple(branches))
    return tree_util.tree_unflatten(out_tree, outs)


def _scalar_aval(what, name, x):
    try:
        aval = get_aval(x)
    except TypeError:
        raise TypeError(f"{what}: {name} must be a scalar array or Python scalar, got "
                        f"{type(x).__name__} {x!r:.60}") from None
    if aval.shape != ():
        raise TypeError(f"{what}: {name} must be a scalar, got an array of type "
                        f"{cf.type_str(aval)}. For elementwise selection use jnp.where; "
                        "otherwise reduce it to a scalar (e.g. with jnp.any or jnp.all).")
    return aval


def _pred_to_index(pred):
    from jaxlike import dtypes, lax
    aval = _scalar_aval("cond", "pred", pred)
    if not (aval.dtype == np.bool_ or dtypes.issubdtype(aval.dtype, np.number)):
        raise TypeError(f"cond: pred must be a boolean or a number, got {cf.type_str(aval)}")
    if not hasattr(pred, "aval"):  # a Python or numpy scalar: convert without XLA
        return np.int32(bool(np.asarray(pred)))
    if aval.dtype != np.bool_:
        pred = lax.ne(pred, np.zeros((), aval.dtype))
    return lax.convert_element_type(pred, np.int32)


def cond(pred, true_fun, false_fun, *operands, operand=_missing):
    """Returns `true_fun(*operands)` if `pred` is true, else `false_fun(*operands)`, staged as
    one `cond` primitive (only the chosen branch runs). `pred` is a boolean (or number,
    compared with 0) scalar; the branches must return pytrees of equal types."""
    operands = _operands("cond", operands, operand)
    if not (callable(true_fun) and callable(false_fun)):
        raise TypeError("cond: true_fun and false_fun must be callable, got "
                        f"{type(true_fun).__name__} and {type(false_fun).__name__}")
    index = _pred_to_index(pred)
    if cf.python_control_flow():
        return (true_fun if int(index) else false_fun)(*operands)
    names = [f"true_fun ({cf.describe_fun(true_fun)})",
             f"false_fun ({cf.describe_fun(false_fun)})"]
    traced, out_tree, leaves = _trace_branches("cond", [true_fun, false_fun], names, operands)
    return _bind_cond(index, traced[::-1], out_tree, leaves)


def _switch_index(index, n):
    from jaxlike import dtypes, lax
    aval = _scalar_aval("switch", "index", index)
    if not dtypes.issubdtype(aval.dtype, np.integer):
        raise TypeError(f"switch: index must be an integer scalar, got {cf.type_str(aval)}")
    if not hasattr(index, "aval"):
        return np.int32(np.clip(int(index), 0, n - 1))
    index = lax.convert_element_type(index, np.int32)
    return lax.clamp(np.int32(0), index, np.int32(n - 1))


def switch(index, branches, *operands, operand=_missing):
    """Returns `branches[index](*operands)`, with `index` clamped to [0, len(branches) - 1],
    staged as one `cond` primitive; the branches must return pytrees of equal types."""
    operands = _operands("switch", operands, operand)
    branches = tuple(branches)
    if not branches:
        raise ValueError("switch: `branches` is empty; give at least one function")
    for i, b in enumerate(branches):
        if not callable(b):
            raise TypeError(f"switch: branches[{i}] must be callable, got {type(b).__name__}")
    index = _switch_index(index, len(branches))
    if len(branches) == 1 or cf.python_control_flow():
        return branches[int(index) if len(branches) > 1 else 0](*operands)
    names = [f"branch {i} ({cf.describe_fun(b)})" for i, b in enumerate(branches)]
    traced, out_tree, leaves = _trace_branches("switch", branches, names, operands)
    return _bind_cond(index, traced, out_tree, leaves)


# ---------------------------------------------------------------------------------------------
# Forward mode: a cond of the branches' JVPs, with the same tangent outputs in every branch.

@cf.memoize
def _jvp_branches(branches, nonzero):
    # Returns (the branches' JVPs with the same nonzero tangent outputs, their closed-over
    # values, which output tangents are nonzero).
    n_out = len(branches[0].out_avals)
    traced = [cf.jvp_jaxpr(b, list(nonzero), [False] * n_out) for b in branches]
    out_nonzero = [any(t[2][i] for t in traced) for i in range(n_out)]
    if any(t[2] != out_nonzero for t in traced):
        traced = [cf.jvp_jaxpr(b, list(nonzero), out_nonzero) for b in branches]
    joined, consts = cf.join_consts([(j, c) for j, c, _ in traced])
    return tuple(joined), consts, out_nonzero


def _cond_jvp(primals, tangents, *, branches):
    index, ops = primals[0], primals[1:]
    nonzero = cf.nonzero_tangents(tangents[1:])
    joined, consts, out_nonzero = _jvp_branches(branches, tuple(nonzero))
    outs = cond_p.bind(index, *consts, *ops, *cf.pick(tangents[1:], nonzero), branches=joined)
    n = len(out_nonzero)
    avals = [ad.tangent_aval(get_aval(o)) for o in outs[:n]]
    return outs[:n], cf.merge(out_nonzero, outs[n:], [Zero(a) for a in avals])


ad.primitive_jvps[cond_p] = _cond_jvp


# ---------------------------------------------------------------------------------------------
# Partial evaluation: every branch is split with the same unknown inputs and outputs. Their
# residuals differ; each residual gets a slot (slots are shared by residuals of equal type
# from different branches), and a branch fills the slots it does not use with zeros, so that
# the known cond returns residuals of one type list.

def _residual_slots(per_branch):
    # Returns (slot avals, for each branch the slot of each of its residuals).
    slots, assignments = [], []
    for avals in per_branch:
        used, assign = set(), []
        for a in avals:
            j = next((k for k, s in enumerate(slots) if s == a and k not in used), None)
            if j is None:
                slots.append(a)
                j = len(slots) - 1
            used.add(j)
            assign.append(j)
        assignments.append(assign)
    return slots, assignments


def _known_branch(split, n_out, assign, slots):
    # The known part of a branch, returning its known outputs then every residual slot.
    def fun(*args):
        outs = cf.eval_closed(split.known, *split.known_consts, *args)
        filled = [None] * len(slots)
        for j, r in zip(assign, outs[n_out:]):
            filled[j] = r
        return outs[:n_out] + [ad.zeros_like_aval(s) if r is None else r
                               for r, s in zip(filled, slots)]
    return cf.trace(fun, split.known.in_avals[len(split.known_consts):])


def _unknown_branch(split, assign, slots):
    # The unknown part of a branch, taking every residual slot then the unknown operands.
    jaxpr = split.unknown.jaxpr
    slot_vars = [Var(a) for a in slots]
    for j, v in zip(assign, jaxpr.invars):
        slot_vars[j] = v
    return cf.no_consts(jaxpr, slot_vars + jaxpr.invars[len(assign):])


@cf.memoize
def _split_branches(branches, ops_uk):
    # Returns (known branches: known operands -> known outputs + residual slots, their
    # closed-over values, unknown branches: residual slots + unknown operands -> unknown
    # outputs, which outputs are unknown).
    ops_uk = list(ops_uk)
    splits = [cf.partial_eval_jaxpr(b, ops_uk) for b in branches]
    out_uk = [any(s.out_unknowns[i] for s in splits) for i in range(len(branches[0].out_avals))]
    if any(s.out_unknowns != out_uk for s in splits):
        splits = [cf.partial_eval_jaxpr(b, ops_uk, out_uk) for b in branches]
    slots, assignments = _residual_slots([s.residual_avals for s in splits])
    known, consts = cf.join_consts([_known_branch(s, out_uk.count(False), a, slots)
                                    for s, a in zip(splits, assignments)])
    unknown = tuple(_unknown_branch(s, a, slots) for s, a in zip(splits, assignments))
    return tuple(known), consts, unknown, out_uk


def _cond_partial_eval(trace, args, params):
    unknowns = [trace.is_own(x) for x in args]
    if unknowns[0]:
        return cf.record_all_unknown(trace, cond_p, args, params)
    ops_uk = unknowns[1:]
    known, consts, unknown, out_uk = _split_branches(params["branches"], tuple(ops_uk))
    n_known_out = out_uk.count(False)
    with set_current_trace(trace.parent):
        outs = cond_p.bind(args[0], *consts, *cf.pick(args[1:], ops_uk, False), branches=known)
    if not any(out_uk):
        return outs
    atoms = [trace.to_atom(x) for x in [args[0], *outs[n_known_out:],
                                        *cf.pick(args[1:], ops_uk)]]
    out_avals = _cond_abstract_eval(*[a.aval for a in atoms], branches=unknown)
    tracers = trace.record(cond_p, atoms, out_avals, {"branches": unknown})
    return cf.merge(out_uk, tracers, outs[:n_known_out])


pe.partial_eval_rules[cond_p] = _cond_partial_eval


# ---------------------------------------------------------------------------------------------
# Transposition: a cond of the branches' backward passes (the index stays non-linear).

@cf.memoize
def _transpose_branches(branches, linear, ct_nonzero):
    joined, consts = cf.join_consts([cf.transpose_jaxpr(b, list(linear), list(ct_nonzero))
                                     for b in branches])
    return tuple(joined), consts


def _cond_transpose(cts, index, *args, branches):
    if ad.is_undefined_primal(index):
        raise ValueError("cond is not linear in its branch index")
    linear = [ad.is_undefined_primal(a) for a in args]
    ct_nonzero = [type(c) is not Zero for c in cts]
    joined, consts = _transpose_branches(branches, tuple(linear), tuple(ct_nonzero))
    outs = cond_p.bind(index, *consts, *cf.pick(args, linear, False),
                       *cf.pick(cts, ct_nonzero), branches=joined)
    return [None] + cf.merge(linear, outs, [None] * len(args))


ad.primitive_transposes[cond_p] = _cond_transpose


# ---------------------------------------------------------------------------------------------
# Batching. An unbatched index keeps one cond of the batched branches. A batched index (one
# predicate per example) cannot choose one branch for everyone: every branch runs on the
# whole batch and each example's outputs are selected from its own branch.

@cf.memoize
def _batch_branches(branches, size, dims, name):
    traced = [cf.batch_jaxpr(b, size, list(dims), name, [True] * len(b.out_avals))
              for b in branches]
    joined, consts = cf.join_consts([(j, c) for j, c, _ in traced])
    return tuple(joined), consts


def _cond_batch(axis_data, vals, dims, *, branches):
    size, name = axis_data.size, axis_data.name
    index, ops = vals[0], vals[1:]
    if dims[0] is batching.not_mapped:
        joined, consts = _batch_branches(branches, size, tuple(dims[1:]), name)
        outs = cond_p.bind(index, *consts, *ops, branches=joined)
        return outs, [0] * len(outs)
    from jaxlike import lax
    index = batching.moveaxis(index, dims[0], 0)
    per_branch = []
    for b in branches:
        outs, out_dims = batching.batch_flat(lambda *xs, b=b: cf.eval_closed(b, *xs), ops,
                                             dims[1:], size, name)
        per_branch.append([batching.bdim_at_front(o, d, size) for o, d in zip(outs, out_dims)])
    outs = []
    for cases in zip(*per_branch):
        shape = get_aval(cases[0]).shape
        which = lax.broadcast_in_dim(index, shape, (0,)) if len(shape) > 1 else index
        outs.append(lax.select_n(which, *cases))
    return outs, [0] * len(outs)


batching.axis_primitive_batchers[cond_p] = _cond_batch
