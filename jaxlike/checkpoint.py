"""`checkpoint` (alias `remat`): trade memory for recomputation in reverse mode.

A checkpointed function is staged as one `checkpoint` equation carrying its jaxpr. When it
is linearized, its partial-evaluation rule saves only what the policy allows (by default
nothing but its inputs); the tangent program recomputes the rest from those, so the
recomputation is visible in the jaxpr of the gradient.
"""
import functools

from jaxlike import core, tree_util
from jaxlike.core import ClosedJaxpr, Jaxpr, Literal, Primitive, get_aval, set_current_trace
from jaxlike.interpreters import ad
from jaxlike.interpreters import partial_eval as pe
from jaxlike.jit_call import bind_traced, call_batcher, call_jvp, call_transpose

checkpoint_p = Primitive("checkpoint", multiple_results=True)
checkpoint_p.def_abstract_eval(lambda *avals, jaxpr, **_: jaxpr.out_avals)
checkpoint_p.def_impl(
    lambda *args, jaxpr, **_: core.eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *args))


def _jvp(primals, tangents, **params):
    return call_jvp(checkpoint_p, primals, tangents, **dict(params, differentiated=True))


ad.primitive_jvps[checkpoint_p] = _jvp
ad.primitive_transposes[checkpoint_p] = functools.partial(call_transpose, checkpoint_p)


# ---------------------------------------------------------------------------------------------
# Policies: which intermediate values may be saved (rather than recomputed).

class checkpoint_policies:  # noqa: N801 -- JAX's name
    """Policies `policy(primitive, *avals, **params) -> bool` (True: may be saved)."""

    @staticmethod
    def nothing_saveable(prim, *avals, **params):
        """Saves nothing: everything is recomputed from the checkpoint's inputs."""
        return False

    @staticmethod
    def everything_saveable(prim, *avals, **params):
        """Saves every intermediate (no recomputation)."""
        return True

    @staticmethod
    def dots_saveable(prim, *avals, **params):
        """Saves the results of matrix multiplications only."""
        return prim.name == "dot_general"

    checkpoint_dots = dots_saveable

    @staticmethod
    def dots_with_no_batch_dims_saveable(prim, *avals, **params):
        """Saves the results of matrix multiplications without batch dimensions."""
        if prim.name != "dot_general":
            return False
        (_, _), (lhs_batch, _) = params["dimension_numbers"]
        return not lhs_batch


def _partial_eval_remat(jaxpr, in_unknowns, policy):
    """Splits `jaxpr` into a known part (known outputs + saved residuals) and an unknown part
    that recomputes every unsaved known value it needs from the known inputs. Returns
    (known jaxpr, unknown jaxpr, out_unknowns, number of residuals)."""
    unknown = {v for v, u in zip(jaxpr.invars, in_unknowns) if u}
    known_eqns, unknown_eqns, saved = [], [], []
    for eqn in jaxpr.eqns:
        if any(not isinstance(a, Literal) and a in unknown for a in eqn.invars):
            unknown_eqns.append(eqn)
            unknown.update(eqn.outvars)
        else:
            known_eqns.append(eqn)
            if policy is not None and policy(eqn.primitive, *[a.aval for a in eqn.invars],
                                             **eqn.params):
                saved.extend(eqn.outvars)
    out_unknowns = [not isinstance(v, Literal) and v in unknown for v in jaxpr.outvars]
    known_in = [v for v, u in zip(jaxpr.invars, in_unknowns) if not u]
    saved_set = set(saved)
    # The unknown side gets the known inputs and saved values, and recomputes the rest.
    recompute = [e for e in known_eqns if not any(v in saved_set for v in e.outvars)]
    unknown_side = Jaxpr([], known_in + saved + [v for v in jaxpr.invars if v in unknown],
                         [v for v, u in zip(jaxpr.outvars, out_unknowns) if u],
                         recompute + unknown_eqns)
    unknown_side, used = pe.dce_jaxpr(unknown_side)
    residuals = [v for v, u in zip(known_in + saved, used) if u]
    unknown_side = Jaxpr([], residuals + [v for v in jaxpr.invars if v in unknown],
                         unknown_side.outvars, unknown_side.eqns)
    known = Jaxpr([], known_in, [v for v, u in zip(jaxpr.outvars, out_unknowns) if not u]
                  + [r for r in residuals if r not in set(known_in)], known_eqns)
    known, _ = pe.dce_jaxpr(known)
    return known, unknown_side, out_unknowns, residuals


def _checkpoint_partial_eval(trace, args, params):
    jaxpr = params["jaxpr"]
    unknowns = [trace.is_own(x) for x in args]
    known, unknown, out_unknowns, residuals = _partial_eval_remat(
        jaxpr.jaxpr, unknowns, params["policy"])
    known_args = [x for x, u in zip(args, unknowns) if not u]
    with set_current_trace(trace.parent):
        known_outs = checkpoint_p.bind(*known_args, **dict(params, jaxpr=ClosedJaxpr(known, [])))
    n_known_out = sum(1 for u in out_unknowns if not u)
    known_values = dict(zip([v for v, u in zip(jaxpr.jaxpr.invars, unknowns) if not u],
                            known_args))
    known_values.update(zip(known.outvars[n_known_out:], known_outs[n_known_out:]))
    res_values = [known_values[r] for r in residuals]
    unknown_args = res_values + [x for x, u in zip(args, unknowns) if u]
    unknown_closed = ClosedJaxpr(unknown, [])
    tracers = trace.record(checkpoint_p, [trace.to_atom(x) for x in unknown_args],
                           unknown_closed.out_avals,
                           dict(params, jaxpr=unknown_closed, differentiated=True))
    known_iter, unknown_iter = iter(known_outs[:n_known_out]), iter(tracers)
    return [next(unknown_iter) if u else next(known_iter) for u in out_unknowns]


pe.partial_eval_rules[checkpoint_p] = _checkpoint_partial_eval


def checkpoint(fun, *, prevent_cse=True, policy=None, static_argnums=()):
    """Returns `fun` made a checkpoint: under reverse-mode differentiation its intermediate
    values are recomputed in the backward pass instead of stored (except what `policy`
    allows to be saved)."""
    static_argnums = (static_argnums,) if isinstance(static_argnums, int) else tuple(
        static_argnums)

    @functools.wraps(fun)
    def wrapped(*args, **kwargs):
        if core.trace_state.trace is core.eval_trace:
            return fun(*args, **kwargs)
        static = {i: args[i] for i in static_argnums}
        dyn = [a for i, a in enumerate(args) if i not in static]
        leaves, in_tree = tree_util.tree_flatten((tuple(dyn), kwargs))
        store = {}

        def flat(*xs):
            d, kw = tree_util.tree_unflatten(in_tree, xs)
            it = iter(d)
            full = [static[i] if i in static else next(it) for i in range(len(args))]
            out_leaves, store["out_tree"] = tree_util.tree_flatten(fun(*full, **kw))
            return out_leaves

        outs = bind_traced(flat, [get_aval(x) for x in leaves], leaves,
                           getattr(fun, "__name__", "checkpoint"), checkpoint_p,
                           prevent_cse=prevent_cse, differentiated=False, policy=policy)
        return tree_util.tree_unflatten(store["out_tree"], outs)
    return wrapped


remat = checkpoint

call_batcher(checkpoint_p)
