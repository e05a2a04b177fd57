"""`lax.while_loop`: the `while` primitive, a loop whose trip count depends on the data.

`while[cond_jaxpr=... cond_nconsts=... body_jaxpr=... body_nconsts=...] *cond_consts
*body_consts *init`: the loop state (the carry) starts at `init`; while `cond_jaxpr(cond
consts, carry)` is true, `carry = body_jaxpr(body consts, carry)`. Rules: JVP (the tangents
ride along as extra carries), partial evaluation (the known carries run as a loop of their
own; the tangent carries are recomputed by the whole loop), batching (a batched predicate
loops until every example is done, freezing the finished ones). Reverse mode needs the trip
count in advance, so transposing a `while` is an error that points to `scan`, `fori_loop`
with static bounds, or the bounded `while_loop(..., max_iters=N)`.
"""
import numpy as np

from jaxlike import tree_util
from jaxlike.core import Jaxpr, Primitive, Var, get_aval, set_current_trace
from jaxlike.interpreters import ad, batching
from jaxlike.interpreters import partial_eval as pe
from jaxlike.interpreters.ad import Zero
from jaxlike.lax.control_flow import common as cf

__all__ = ["while_loop", "while_p"]

while_p = Primitive("while", multiple_results=True)


def _while_abstract_eval(*avals, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    cond_consts, body_consts, carry = cf.split_list(avals, [cond_nconsts, body_nconsts])

    def strip(xs):
        return [a.strip_weak_type() for a in xs]
    if strip(cond_jaxpr.in_avals) != strip(cond_consts + carry):
        raise TypeError(f"while: cond_jaxpr takes {cond_jaxpr.in_avals}, given "
                        f"{cond_consts + carry}")
    if [(a.shape, a.dtype) for a in cond_jaxpr.out_avals] != [((), np.dtype(np.bool_))]:
        raise TypeError(f"while: cond_jaxpr must return one bool scalar, got "
                        f"{cond_jaxpr.out_avals}")
    if strip(body_jaxpr.in_avals) != strip(body_consts + carry):
        raise TypeError(f"while: body_jaxpr takes {body_jaxpr.in_avals}, given "
                        f"{body_consts + carry}")
    if strip(body_jaxpr.out_avals) != strip(carry):
        raise TypeError(f"while: body_jaxpr returns {body_jaxpr.out_avals} for a carry of "
                        f"{carry}")
    return list(body_jaxpr.out_avals)  # as JAX: weak types as the body leaves them


while_p.def_abstract_eval(_while_abstract_eval)


# ---------------------------------------------------------------------------------------------
# The user API.

def promote_leaves(leaves, avals, promoted):
    """Returns `leaves` with those whose aval was promoted converted to the new dtype."""
    return [cf.convert_leaf(x, p) if a != p else x for x, a, p in zip(leaves, avals, promoted)]


def while_loop(cond_fun, body_fun, init_val, *, max_iters=None):
    """Returns the final carry of `while cond_fun(carry): carry = body_fun(carry)` started
    at `init_val` (a pytree), staged as one `while` primitive. The body must keep the
    carry's pytree structure, shapes and dtypes; `cond_fun` returns a boolean scalar.

    jaxlike extension: with `max_iters=N` (a static int) the loop runs as a `scan` of N
    steps that apply `body_fun` only while `cond_fun` holds, and returns the carry after at
    most N iterations. That bounded form supports reverse-mode differentiation (`grad`),
    which a loop with a data-dependent trip count cannot."""
    if not (callable(cond_fun) and callable(body_fun)):
        raise TypeError("while_loop: cond_fun and body_fun must be callable, got "
                        f"{type(cond_fun).__name__} and {type(body_fun).__name__}")
    if max_iters is not None:
        from jaxlike.lax.control_flow.loops import bounded_while_loop
        return bounded_while_loop(cond_fun, body_fun, init_val, max_iters)
    if cf.python_control_flow():
        val = init_val
        while cond_fun(val):
            val = body_fun(val)
        return val
    leaves, in_tree = tree_util.tree_flatten((init_val,))
    carry_tree = tree_util.tree_structure(init_val)
    avals = [get_aval(x) for x in leaves]
    body, body_consts, _, promoted = cf.trace_loop_body("while_loop", body_fun, in_tree, avals,
                                                        carry_tree)
    leaves = promote_leaves(leaves, avals, promoted)
    cond, cond_consts, cond_tree = cf.trace_function(cond_fun, in_tree, tuple(promoted))
    outs = cond.out_avals
    if not tree_util.treedef_is_leaf(cond_tree) or [(a.shape, a.dtype) for a in outs] != \
            [((), np.dtype(np.bool_))]:
        raise TypeError(f"while_loop: cond_fun ({cf.describe_fun(cond_fun)}) must return a "
                        f"boolean scalar, but it returns {cond_tree} of types "
                        f"{[cf.type_str(a) for a in outs]}.")
    outs = while_p.bind(*cond_consts, *body_consts, *leaves, cond_jaxpr=cond,
                        body_jaxpr=body, cond_nconsts=len(cond_consts),
                        body_nconsts=len(body_consts))
    return tree_util.tree_unflatten(carry_tree, outs)


# ---------------------------------------------------------------------------------------------
# Forward mode: tangents of the body's consts become consts, tangents of the carries extra
# carries (those that are nonzero once the body has run any number of times).

def _with_extra_invars(closed, avals):
    # Returns the jaxpr taking (and ignoring) extra trailing inputs of the given avals.
    jaxpr = closed.jaxpr
    return cf.no_consts(jaxpr, jaxpr.invars + [Var(a) for a in avals])


@cf.memoize
def _jvp_jaxprs(cond_jaxpr, body_jaxpr, body_nconsts, consts_nz, init_nz):
    # Returns (cond, body of the JVP loop, the body's closed-over values, which carries have
    # nonzero tangents).
    n, consts_nz = len(init_nz), list(consts_nz)
    carry_nz = cf.fixpoint(
        lambda nz: cf.jvp_jaxpr(body_jaxpr, consts_nz + nz, [False] * n)[2], list(init_nz))
    body, jvp_consts, _ = cf.jvp_jaxpr(body_jaxpr, consts_nz + carry_nz, carry_nz)
    # jvp_jaxpr's layout: jvp consts, consts, carry, const tangents, carry tangents.
    body = cf.permute(body, cf.groups_order(
        [len(jvp_consts), body_nconsts, n, sum(consts_nz), sum(carry_nz)], [0, 1, 3, 2, 4]))
    carry_avals = body_jaxpr.in_avals[body_nconsts:]
    cond = _with_extra_invars(cond_jaxpr, [ad.tangent_aval(a) for a, nz in
                                           zip(carry_avals, carry_nz) if nz])
    return cond, body, jvp_consts, carry_nz


def _while_jvp(primals, tangents, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    cond_consts, body_consts, init = cf.split_list(primals, [cond_nconsts, body_nconsts])
    _, body_t, init_t = cf.split_list(tangents, [cond_nconsts, body_nconsts])
    consts_nz = cf.nonzero_tangents(body_t)
    cond, body, jvp_consts, carry_nz = _jvp_jaxprs(
        cond_jaxpr, body_jaxpr, body_nconsts, tuple(consts_nz),
        tuple(cf.nonzero_tangents(init_t)))
    init_t = [ad.instantiate_zeros(t) for t, nz in zip(init_t, carry_nz) if nz]
    body_consts = [*jvp_consts, *body_consts, *cf.pick(body_t, consts_nz)]
    outs = while_p.bind(*cond_consts, *body_consts, *init, *init_t, cond_jaxpr=cond,
                        body_jaxpr=body, cond_nconsts=cond_nconsts,
                        body_nconsts=len(body_consts))
    n = len(init)
    zeros = [Zero(ad.tangent_aval(get_aval(x))) for x in outs[:n]]
    return outs[:n], cf.merge(carry_nz, outs[n:], zeros)


ad.primitive_jvps[while_p] = _while_jvp


# ---------------------------------------------------------------------------------------------
# Partial evaluation. The carries that stay known (the primal state, in a linearization)
# run as a known loop now; the loop is also recorded whole for the unknown carries (it
# recomputes the known state, whose trip count it needs). That tangent program can be
# evaluated (forward mode, `linearize`) but not transposed.

@cf.memoize
def _split_loop(cond_jaxpr, body_jaxpr, cond_nconsts, cond_uk, body_uk, init_uk):
    # Returns (which carries are unknown, and unless the loop must be recorded whole: the
    # cond and body of the known loop and the body's extra closed-over values).
    body_uk = list(body_uk)
    carry_uk = cf.fixpoint(
        lambda uk: cf.partial_eval_jaxpr(body_jaxpr, body_uk + uk).out_unknowns, list(init_uk))
    _, cond_reads = pe.dce_jaxpr(cond_jaxpr.jaxpr)
    if any(cond_uk) or all(carry_uk) or any(
            r and uk for r, uk in zip(cond_reads[cond_nconsts:], carry_uk)):
        return carry_uk, None
    split = cf.partial_eval_jaxpr(body_jaxpr, body_uk + carry_uk, carry_uk)
    known = split.known.jaxpr
    known_body, _ = pe.dce_jaxpr(Jaxpr([], known.invars, known.outvars[:carry_uk.count(False)],
                                       known.eqns))
    cond = cond_jaxpr.jaxpr
    known_cond = cf.no_consts(cond, cond.invars[:cond_nconsts] + cf.pick(
        cond.invars[cond_nconsts:], carry_uk, False))
    return carry_uk, (known_cond, cf.no_consts(known_body), split.known_consts)


def _while_partial_eval(trace, args, params):
    cond_nconsts, body_nconsts = params["cond_nconsts"], params["body_nconsts"]
    unknowns = [trace.is_own(x) for x in args]
    cond_uk, body_uk, init_uk = cf.split_list(unknowns, [cond_nconsts, body_nconsts])
    carry_uk, known = _split_loop(params["cond_jaxpr"], params["body_jaxpr"], cond_nconsts,
                                  tuple(cond_uk), tuple(body_uk), tuple(init_uk))
    if known is None:
        return cf.record_all_unknown(trace, while_p, args, params)
    known_cond, known_body, extra_consts = known
    cond_consts, body_consts, init = cf.split_list(args, [cond_nconsts, body_nconsts])
    known_consts = extra_consts + cf.pick(body_consts, body_uk, False)
    with set_current_trace(trace.parent):
        known_outs = while_p.bind(*cond_consts, *known_consts, *cf.pick(init, carry_uk, False),
                                  cond_jaxpr=known_cond, body_jaxpr=known_body,
                                  cond_nconsts=cond_nconsts, body_nconsts=len(known_consts))
    tracers = cf.record_all_unknown(trace, while_p, args, params)
    return cf.merge(carry_uk, cf.pick(tracers, carry_uk), known_outs)


pe.partial_eval_rules[while_p] = _while_partial_eval

REVERSE_MODE_MESSAGE = (
    "Reverse-mode differentiation (grad, vjp) does not work for lax.while_loop, nor for "
    "lax.fori_loop with traced (non-static) bounds: the number of iterations is only known "
    "at run time, so the values needed by the backward pass cannot be stored. Use lax.scan, "
    "or lax.fori_loop with static (Python int) bounds, or lax.while_loop(..., max_iters=N) "
    "(a jaxlike extension bounding the trip count by N). Forward mode (jvp, jacfwd) works.")


def _while_transpose(cts, *args, **params):
    raise ValueError(REVERSE_MODE_MESSAGE)


ad.primitive_transposes[while_p] = _while_transpose


# ---------------------------------------------------------------------------------------------
# Batching.

@cf.memoize
def _batch_loop(cond_jaxpr, body_jaxpr, size, cond_d, body_d, init_d, name):
    # Returns (cond, body, the cond's and the body's closed-over values, which carries are
    # batched, whether the predicate is). With a batched predicate, the cond is "any
    # example still running" and the body takes the cond's consts first and freezes the
    # finished examples.
    cond_d, body_d = list(cond_d), list(body_d)
    carry_b = cf.fixpoint(
        lambda b: cf.batch_jaxpr(body_jaxpr, size, body_d + cf.carry_dims(b), name)[2],
        [d is not batching.not_mapped for d in init_d])
    pred_b = cf.batch_jaxpr(cond_jaxpr, size, cond_d + cf.carry_dims(carry_b), name)[2][0]
    if pred_b:  # every example's carry may freeze at a different step
        carry_b = [True] * len(init_d)
    body, b_consts, _ = cf.batch_jaxpr(body_jaxpr, size, body_d + cf.carry_dims(carry_b), name,
                                       carry_b)
    cond, c_consts, _ = cf.batch_jaxpr(cond_jaxpr, size, cond_d + cf.carry_dims(carry_b), name,
                                       [pred_b])
    if pred_b:
        n_cond_consts = len(c_consts) + len(cond_d)
        cond, body = _any_cond(cond), _freezing_body(cond, body, n_cond_consts)
    return cond, body, c_consts, b_consts, carry_b, pred_b


def _while_batch(axis_data, vals, dims, *, cond_jaxpr, body_jaxpr, cond_nconsts,
                 body_nconsts):
    size = axis_data.size
    cond_d, body_d, init_d = cf.split_list(dims, [cond_nconsts, body_nconsts])
    cond, body, c_consts, b_consts, carry_b, pred_b = _batch_loop(
        cond_jaxpr, body_jaxpr, size, tuple(cond_d), tuple(body_d), tuple(init_d),
        axis_data.name)
    cond_consts, body_consts, init = cf.split_list(vals, [cond_nconsts, body_nconsts])
    init = [batching.move_to(x, d, size, 0) if b else x
            for x, d, b in zip(init, init_d, carry_b)]
    cond_consts, body_consts = c_consts + cond_consts, b_consts + body_consts
    if pred_b:
        body_consts = cond_consts + body_consts
    outs = while_p.bind(*cond_consts, *body_consts, *init, cond_jaxpr=cond, body_jaxpr=body,
                        cond_nconsts=len(cond_consts), body_nconsts=len(body_consts))
    return outs, cf.carry_dims(carry_b)


def _any_cond(cond):
    # The loop goes on while any example's predicate holds.
    from jaxlike import lax
    return cf.trace_closed(lambda *xs: [lax.reduce_or(cf.eval_closed(cond, *xs)[0], (0,))],
                           cond.in_avals)


def _freezing_body(cond, body, n_cond_consts):
    # Takes the cond's consts, then the body's; examples whose predicate is false keep their
    # carry (their body still runs, batched with the others, but its result is dropped).
    from jaxlike import lax

    def fun(*args):
        cond_consts, rest = args[:n_cond_consts], args[n_cond_consts:]
        carry = rest[len(rest) - len(body.out_avals):]
        pred = cf.eval_closed(cond, *cond_consts, *carry)[0]
        new = cf.eval_closed(body, *rest)
        return [lax.select(pred if get_aval(x).ndim == 1 else
                           lax.broadcast_in_dim(pred, get_aval(x).shape, (0,)), x_new, x)
                for x, x_new in zip(carry, new)]
    return cf.trace_closed(fun, cond.in_avals[:n_cond_consts] + body.in_avals)


batching.axis_primitive_batchers[while_p] = _while_batch
