"""Staging: tracing a Python function into a jaxpr (used by `jit` and `make_jaxpr`).

The staging trace records each primitive it is handed as an equation. Values that are not
its own tracers are constants: scalars become inline Literals, arrays and tracers of
enclosing (still live) transformations become constvars.
"""
import numpy as np

from jaxlike import core
from jaxlike.core import (ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Trace, Tracer, Var,
                          abstract_eval, escaped_tracer_error, get_aval, is_literalable)

# Rules that compute an equation's result at trace time when its inputs are Literals
# (e.g. converting a Python scalar's dtype), keyed by primitive.
const_fold_rules = {}

# Rules for primitives whose operands are partly known during partial evaluation (e.g. a
# `jit` call: its known part runs now, its unknown part is recorded), keyed by primitive.
partial_eval_rules = {}


class JaxprTracer(Tracer):
    """A value being staged: an atom (Var or Literal) of the jaxpr under construction."""

    __slots__ = ("atom",)

    def __init__(self, trace, atom):
        self._trace = trace
        self.atom = atom

    @property
    def aval(self):
        return self.atom.aval


class StagingTrace(Trace):
    """Records primitives into equations.

    With `forward_known`, it performs partial evaluation: a primitive none of whose operands
    is one of this trace's tracers is *known* and is handed to the parent trace instead of
    being recorded (linearization uses this to keep primal computations out of the tangent
    program)."""

    __slots__ = ("eqns", "invars", "constvars", "consts", "_const_ids", "forward_known")

    def __init__(self, parent=None, forward_known=False):
        super().__init__(parent)
        self.forward_known = forward_known
        self.eqns = []
        self.invars = []
        self.constvars = []
        self.consts = []
        self._const_ids = {}

    def new_arg(self, aval):
        """Returns a tracer for a new input of the jaxpr."""
        var = Var(aval)
        self.invars.append(var)
        return JaxprTracer(self, var)

    def to_atom(self, x):
        """Returns the jaxpr atom standing for `x`, making a Literal or constvar if needed."""
        if isinstance(x, Tracer):
            if x._trace is self:
                return x.atom
            if not x._trace.is_alive:
                raise escaped_tracer_error(x)
            return self._constvar(x)
        if is_literalable(x):
            aval = get_aval(x)
            return Literal(np.asarray(x, aval.dtype), aval)
        return self._constvar(x)

    def _constvar(self, value):
        key = id(value)
        entry = self._const_ids.get(key)
        if entry is not None and entry[1] is value:
            return entry[0]
        var = Var(get_aval(value))
        self._const_ids[key] = (var, value)
        self.constvars.append(var)
        self.consts.append(value)
        return var

    def is_own(self, x):
        """Returns True if `x` is a tracer of this trace."""
        return isinstance(x, JaxprTracer) and x._trace is self

    def process_primitive(self, prim, args, params):
        if self.forward_known and not any(map(self.is_own, args)):
            with core.set_current_trace(self.parent):
                return prim.bind(*args, **params)
        rule = partial_eval_rules.get(prim) if self.forward_known else None
        if rule is not None:
            return rule(self, args, params)
        atoms = [self.to_atom(x) for x in args]
        fold = const_fold_rules.get(prim)
        if fold is not None and all(type(a) is Literal for a in atoms):
            folded = fold(*atoms, **params)
            if folded is not None:
                return JaxprTracer(self, folded)
        out_avals = abstract_eval(prim, [a.aval for a in atoms], params)
        outvars = [Var(aval) for aval in out_avals]
        self.eqns.append(JaxprEqn(prim, atoms, outvars, params))
        outs = [JaxprTracer(self, v) for v in outvars]
        return outs if prim.multiple_results else outs[0]

    def record(self, prim, atoms, out_avals, params):
        """Appends an equation on `atoms` and returns tracers for its outputs (a list)."""
        outvars = [Var(aval) for aval in out_avals]
        self.eqns.append(JaxprEqn(prim, atoms, outvars, params))
        return [JaxprTracer(self, v) for v in outvars]

    def finish(self, outs):
        """Returns the ClosedJaxpr with outputs `outs` and ends the trace."""
        outvars = [self.to_atom(x) for x in outs]
        self.invalidate()
        jaxpr = Jaxpr(self.constvars, self.invars, outvars, self.eqns)
        return ClosedJaxpr(jaxpr, self.consts)


def trace_to_jaxpr(fun, in_avals, origin=None):
    """Traces `fun(*tracers)` (a function of flat arrays returning a flat list) with inputs of
    the given avals; returns the ClosedJaxpr. Constants it closed over are its consts."""
    trace = StagingTrace(core.current_trace())
    trace.origin = origin
    try:
        with core.set_current_trace(trace):
            args = [trace.new_arg(a) for a in in_avals]
            outs = fun(*args)
        return trace.finish(outs)
    finally:
        trace.invalidate()


def convert_constvars_to_invars(closed):
    """Returns (jaxpr without consts whose leading invars are the old constvars, consts)."""
    jaxpr = closed.jaxpr
    new = Jaxpr([], jaxpr.constvars + jaxpr.invars, jaxpr.outvars, jaxpr.eqns)
    return ClosedJaxpr(new, []), list(closed.consts)


def dce_jaxpr(jaxpr, used_outputs=None):
    """Dead-code elimination: returns (jaxpr keeping only the equations that the used outputs
    need, list of which invars are still used). `used_outputs` defaults to all."""
    if used_outputs is None:
        used_outputs = [True] * len(jaxpr.outvars)
    outvars = [v for v, used in zip(jaxpr.outvars, used_outputs) if used]
    live = {v for v in outvars if not isinstance(v, core.Literal)}
    kept = []
    for eqn in reversed(jaxpr.eqns):
        if any(v in live for v in eqn.outvars):
            kept.append(eqn)
            live.update(a for a in eqn.invars if not isinstance(a, core.Literal))
    kept.reverse()
    used_inputs = [v in live for v in jaxpr.invars]
    constvars = [v for v in jaxpr.constvars if v in live]
    return Jaxpr(constvars, jaxpr.invars, outvars, kept), used_inputs


def dce_closed_jaxpr(closed):
    """Returns the ClosedJaxpr without dead equations and unused consts (inputs kept)."""
    jaxpr, _ = dce_jaxpr(closed.jaxpr)
    keep = set(jaxpr.constvars)
    consts = [c for v, c in zip(closed.jaxpr.constvars, closed.consts) if v in keep]
    return ClosedJaxpr(jaxpr, consts)


# ---------------------------------------------------------------------------------------------
# Splitting a jaxpr by which inputs are known (used by the partial-evaluation rules of call
# and control-flow primitives).

def _pick(values, flags, keep=True):
    return [v for v, f in zip(values, flags) if bool(f) == keep]


def _merge(flags, when_true, when_false):
    t, f = iter(when_true), iter(when_false)
    return [next(t) if flag else next(f) for flag in flags]


class Split:
    """A jaxpr split by partial evaluation (see `partial_eval_jaxpr`)."""

    __slots__ = ("known", "known_consts", "out_unknowns", "residual_avals", "unknown")

    def __init__(self, known, known_consts, unknown, out_unknowns, residual_avals):
        self.known = known  # const-free: known consts + known inputs -> known outputs + residuals
        self.known_consts = known_consts  # values of the known jaxpr's leading inputs
        self.unknown = unknown  # const-free: residuals + unknown inputs -> unknown outputs
        self.out_unknowns = out_unknowns
        self.residual_avals = residual_avals


def partial_eval_jaxpr(closed, in_unknowns, ensure_out_unknowns=None):
    """Splits a const-free jaxpr by which inputs are unknown, by evaluating it with known
    inputs staged into one jaxpr and unknown ones into another (a partial-evaluation trace):
    nested `cond`, `scan`, `while` and `jit` equations are split by their own rules, so
    their known parts stay known. Outputs flagged in `ensure_out_unknowns` are made unknown
    (a known value is then passed through as a residual). Returns a `Split`."""
    known_trace = StagingTrace(core.current_trace())
    unknown_trace = StagingTrace(known_trace, forward_known=True)
    try:
        with core.set_current_trace(known_trace):
            known_in = [known_trace.new_arg(a) for a, uk in zip(closed.in_avals, in_unknowns)
                        if not uk]
            unknown_in = [unknown_trace.new_arg(a) for a, uk in zip(closed.in_avals, in_unknowns)
                          if uk]
            with core.set_current_trace(unknown_trace):
                outs = core.eval_jaxpr(closed.jaxpr, closed.consts,
                                       *_merge(in_unknowns, unknown_in, known_in))
            ensure = ensure_out_unknowns or [False] * len(outs)
            out_uk = [unknown_trace.is_own(o) or e for o, e in zip(outs, ensure)]
            unknown = unknown_trace.finish(_pick(outs, out_uk))
            known = known_trace.finish(_pick(outs, out_uk, False) + unknown.consts)
    finally:
        unknown_trace.invalidate()
        known_trace.invalidate()
    unknown, residuals = convert_constvars_to_invars(unknown)
    known, known_consts = convert_constvars_to_invars(known)
    return Split(known, known_consts, unknown, out_uk, [get_aval(r) for r in residuals])


