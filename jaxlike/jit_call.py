"""The `jit` call primitive: a call of a staged function, carrying its jaxpr.

It appears in jaxprs as `jit[name=f jaxpr={...}]`. Each interpreter transforms the inner
jaxpr and binds a new `jit` equation, so a jitted function stays one compiled unit under
`jvp`, `grad` (partial evaluation splits it into a known and an unknown call) and
transposition. The inner jaxpr never has consts: they are made leading arguments.
"""
import functools

from jaxlike import core
from jaxlike.core import (ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Primitive, Var, get_aval,
                          set_current_trace)
from jaxlike.interpreters import ad
from jaxlike.interpreters import partial_eval as pe
from jaxlike.interpreters.ad import Zero

jit_p = Primitive("jit", multiple_results=True)


@jit_p.def_abstract_eval
def _jit_abstract_eval(*avals, jaxpr, name, **_):
    expected = jaxpr.in_avals
    if [a.strip_weak_type() for a in avals] != [a.strip_weak_type() for a in expected]:
        raise TypeError(f"jit({name}) called with {[str(a) for a in avals]}, traced for "
                        f"{[str(a) for a in expected]}")
    return jaxpr.out_avals


def bind_traced(fun, in_avals, args, name, prim=jit_p, **params):
    """Traces `fun(*flat) -> list` for `in_avals`, then binds a call of it (a `jit`, or the
    call-like `prim`) on `args`; returns the outputs. Consts of the traced jaxpr become
    leading arguments."""
    closed = pe.trace_to_jaxpr(fun, in_avals)
    jaxpr, consts = pe.convert_constvars_to_invars(closed)
    return prim.bind(*consts, *args, jaxpr=jaxpr, name=name, **params)


# ---------------------------------------------------------------------------------------------
# Forward mode: a jit of the JVP of the inner jaxpr.

def call_jvp(prim, primals, tangents, *, jaxpr, name, **params):
    """The JVP rule of call-like primitives (`jit`, `checkpoint`): a call of the JVP of the
    inner jaxpr, with the same params."""
    nonzero = [type(t) is not Zero for t in tangents]
    n_out = len(jaxpr.out_avals)
    out_nonzero = []

    def jvp_of_body(*args):
        ps, ts = args[:len(primals)], iter(args[len(primals):])
        full_ts = [next(ts) if nz else Zero(ad.tangent_aval(get_aval(p)))
                   for p, nz in zip(ps, nonzero)]
        outs, touts = ad.jvp_flat(
            lambda *xs: core.eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *xs), ps, full_ts)
        out_nonzero[:] = [type(t) is not Zero for t in touts]
        return outs + [t for t in touts if type(t) is not Zero]

    nonzero_tangents = [t for t in tangents if type(t) is not Zero]
    in_avals = [get_aval(x) for x in list(primals) + nonzero_tangents]
    outs = bind_traced(jvp_of_body, in_avals, list(primals) + nonzero_tangents, f"jvp({name})",
                       prim, **params)
    primal_out, rest = outs[:n_out], iter(outs[n_out:])
    tangent_out = [next(rest) if nz else Zero(ad.tangent_aval(a))
                   for nz, a in zip(out_nonzero, jaxpr.out_avals)]
    return primal_out, tangent_out


ad.primitive_jvps[jit_p] = functools.partial(call_jvp, jit_p)


# ---------------------------------------------------------------------------------------------
# Partial evaluation: the known part runs now (as a jit), the unknown part is recorded.

def partial_eval_jaxpr(jaxpr, in_unknowns):
    """Splits `jaxpr` (no consts) by which inputs are unknown.

    Returns (known jaxpr: known inputs -> known outputs + residuals, unknown jaxpr:
    residuals + unknown inputs -> unknown outputs, out_unknowns, number of residuals)."""
    unknown = {v for v, u in zip(jaxpr.invars, in_unknowns) if u}
    known_eqns, unknown_eqns = [], []
    for eqn in jaxpr.eqns:
        eqn_unknowns = [not isinstance(a, Literal) and a in unknown for a in eqn.invars]
        if not any(eqn_unknowns):
            known_eqns.append(eqn)
        elif eqn.primitive is jit_p and not all(eqn_unknowns):
            # A nested jit is split too: its known outputs (primals computed inside a jitted
            # function) must stay known, not become part of the linear program.
            known_eqn, unknown_eqn, eqn_out_unknowns = _split_jit_eqn(eqn, eqn_unknowns)
            known_eqns.append(known_eqn)
            if unknown_eqn.outvars:
                unknown_eqns.append(unknown_eqn)
            unknown.update(v for v, u in zip(eqn.outvars, eqn_out_unknowns) if u)
        else:
            unknown_eqns.append(eqn)
            unknown.update(eqn.outvars)
    out_unknowns = [not isinstance(v, Literal) and v in unknown for v in jaxpr.outvars]
    residuals, seen = [], set()
    for eqn in unknown_eqns:
        for a in eqn.invars:
            if not isinstance(a, Literal) and a not in unknown and a not in seen:
                seen.add(a)
                residuals.append(a)
    known_outs = [v for v, u in zip(jaxpr.outvars, out_unknowns) if not u]
    known = Jaxpr([], [v for v, u in zip(jaxpr.invars, in_unknowns) if not u],
                  known_outs + residuals, known_eqns)
    unknown_jaxpr = Jaxpr([], residuals + [v for v, u in zip(jaxpr.invars, in_unknowns) if u],
                          [v for v, u in zip(jaxpr.outvars, out_unknowns) if u], unknown_eqns)
    return known, unknown_jaxpr, out_unknowns, len(residuals)


def _split_jit_eqn(eqn, in_unknowns):
    """Returns (known jit equation, unknown jit equation, out_unknowns) for a jit equation
    with some unknown inputs; the known one also outputs the residuals the unknown one takes."""
    known, unknown, out_unknowns, n_res = partial_eval_jaxpr(eqn.params["jaxpr"].jaxpr,
                                                             in_unknowns)
    residuals = [Var(v.aval) for v in known.outvars[len(known.outvars) - n_res:]]
    known_eqn = JaxprEqn(jit_p, [a for a, u in zip(eqn.invars, in_unknowns) if not u],
                         [v for v, u in zip(eqn.outvars, out_unknowns) if not u] + residuals,
                         dict(eqn.params, jaxpr=ClosedJaxpr(known, [])))
    unknown_eqn = JaxprEqn(jit_p, residuals + [a for a, u in zip(eqn.invars, in_unknowns) if u],
                           [v for v, u in zip(eqn.outvars, out_unknowns) if u],
                           dict(eqn.params, jaxpr=ClosedJaxpr(unknown, [])))
    return known_eqn, unknown_eqn, out_unknowns


def _jit_partial_eval(trace, args, params):
    jaxpr, name = params["jaxpr"], params["name"]
    unknowns = [trace.is_own(x) for x in args]
    known, unknown, out_unknowns, n_res = partial_eval_jaxpr(jaxpr.jaxpr, unknowns)
    known_args = [x for x, u in zip(args, unknowns) if not u]
    with set_current_trace(trace.parent):
        known_outs = jit_p.bind(*known_args, **dict(params, jaxpr=ClosedJaxpr(known, []),
                                                    name=name))
    n_known_out = len(known_outs) - n_res
    residuals = known_outs[n_known_out:]
    unknown_args = list(residuals) + [x for x, u in zip(args, unknowns) if u]
    atoms = [trace.to_atom(x) for x in unknown_args]
    unknown_closed = ClosedJaxpr(unknown, [])
    tracers = trace.record(jit_p, atoms, unknown_closed.out_avals,
                           dict(params, jaxpr=unknown_closed, name=name))
    known_iter, unknown_iter = iter(known_outs[:n_known_out]), iter(tracers)
    return [next(unknown_iter) if u else next(known_iter) for u in out_unknowns]


pe.partial_eval_rules[jit_p] = _jit_partial_eval


# ---------------------------------------------------------------------------------------------
# Transposition: a jit of the backward pass of the inner jaxpr.

def call_transpose(prim, cts, *args, jaxpr, name, **params):
    """The transpose rule of call-like primitives: a call of the backward pass of the inner
    jaxpr (which recomputes any non-linear part it contains)."""
    linear = [ad.is_undefined_primal(a) for a in args]
    nonlinear_args = [a for a, lin in zip(args, linear) if not lin]
    ct_nonzero = [type(c) is not Zero for c in cts]
    nonzero_cts = [c for c in cts if type(c) is not Zero]

    def backward(*xs):
        nl, given = iter(xs[:len(nonlinear_args)]), iter(xs[len(nonlinear_args):])
        full = [a if lin else next(nl) for a, lin in zip(args, linear)]
        full_cts = [next(given) if nz else Zero(a) for nz, a in zip(ct_nonzero, jaxpr.out_avals)]
        res = ad.backward_pass(jaxpr.jaxpr, jaxpr.consts, full, full_cts)
        return [ad.instantiate_zeros(r) for r, lin in zip(res, linear) if lin]

    in_avals = [get_aval(a) for a in nonlinear_args] + [get_aval(c) for c in nonzero_cts]
    outs = iter(bind_traced(backward, in_avals, nonlinear_args + nonzero_cts,
                            f"transpose({name})", prim, **params))
    return [next(outs) if lin else None for lin in linear]


ad.primitive_transposes[jit_p] = functools.partial(call_transpose, jit_p)


# ---------------------------------------------------------------------------------------------
# Batching: a call of the batched inner jaxpr.

def call_batcher(prim):
    """Registers the vmap rule of a call-like primitive: it stays one call, of the batched
    inner jaxpr (outputs that depend on batched inputs batched along axis 0)."""
    def rule(axis_data, vals, dims, *, jaxpr, name, **params):
        from jaxlike.interpreters import batching
        batched, consts, out_dims = batching.batch_jaxpr(jaxpr, axis_data.size, dims,
                                                         axis_data.name,
                                                         force_out_batched=False)
        outs = prim.bind(*consts, *vals, jaxpr=batched, name=name, **params)
        return outs, out_dims
    from jaxlike.interpreters import batching
    batching.axis_primitive_batchers[prim] = rule
    return rule


call_batcher(jit_p)
