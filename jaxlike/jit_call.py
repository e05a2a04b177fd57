"""The `jit` call primitive: a call of a staged function, carrying its jaxpr.

It appears in jaxprs as `jit[name=f jaxpr={...}]`. Each interpreter transforms the inner
jaxpr and binds a new `jit` equation, so a jitted function stays one compiled unit under
`jvp`, `grad` (partial evaluation splits it into a known and an unknown call) and
transposition. The inner jaxpr never has consts: they are made leading arguments.
"""
import functools

from jaxlike import core
from jaxlike.core import Primitive, get_aval, set_current_trace
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

def _jit_partial_eval(trace, args, params):
    # Split the callee by which operands are known (nested jits and control flow split by
    # their own rules), run the known call now and record the unknown call.
    unknowns = [trace.is_own(x) for x in args]
    split = pe.partial_eval_jaxpr(params["jaxpr"], unknowns)
    known_args = [x for x, u in zip(args, unknowns) if not u]
    with set_current_trace(trace.parent):
        known_outs = jit_p.bind(*split.known_consts, *known_args,
                                **dict(params, jaxpr=split.known))
    n_res = len(split.residual_avals)
    n_known_out = len(known_outs) - n_res
    residuals = known_outs[n_known_out:]
    unknown_args = list(residuals) + [x for x, u in zip(args, unknowns) if u]
    tracers = trace.record(jit_p, [trace.to_atom(x) for x in unknown_args],
                           split.unknown.out_avals, dict(params, jaxpr=split.unknown))
    known_iter, unknown_iter = iter(known_outs[:n_known_out]), iter(tracers)
    return [next(unknown_iter) if u else next(known_iter) for u in split.out_unknowns]


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
