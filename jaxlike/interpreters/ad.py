"""Automatic differentiation: forward mode (JVP), linearization and transposition.

Forward mode is a trace whose tracers carry a primal and a tangent; its rule for a
primitive (from `primitive_jvps`) computes both. Reverse mode is built from it, as in JAX:

* `linearize` runs the JVP with tangents that are tracers of a *partial-evaluation*
  staging trace. Computations on primals alone are forwarded to the enclosing trace (run
  eagerly, or staged into an enclosing jit); computations that touch tangents are recorded.
  The record is the linear tangent program, whose constants are the residuals.
* `backward_pass` runs that linear program backwards with the `primitive_transposes` rules.

Symbolic zeros (`Zero`) stand for tangents and cotangents known to be zero, so derivative
programs carry no needless arithmetic; `add_any` accumulates cotangents.
"""
import numpy as np

from jaxlike import core, dtypes
from jaxlike.core import Primitive, ShapedArray, Trace, Tracer, get_aval, set_current_trace
from jaxlike.interpreters import partial_eval as pe

primitive_jvps = {}
primitive_transposes = {}


# ---------------------------------------------------------------------------------------------
# Symbolic zeros and cotangent accumulation.

class Zero:
    """A tangent or cotangent known to be zero, of the given aval."""

    __slots__ = ("aval",)

    def __init__(self, aval):
        self.aval = aval

    def __repr__(self):
        return f"Zero({self.aval.str_short()})"


def tangent_aval(aval):
    """Returns the aval of tangents for primals of `aval`: the same for inexact dtypes, float0
    (the type of "no derivative") for integers and bools."""
    from jaxlike import dtypes
    if dtypes.is_float(aval.dtype) or dtypes.is_complex(aval.dtype):
        return aval
    return ShapedArray(aval.shape, dtypes.float0)


def zeros_like_aval(aval):
    """Returns an array of zeros of `aval`, under the current trace."""
    from jaxlike import dtypes, lax
    if aval.dtype == dtypes.float0:
        return np.zeros(aval.shape, dtypes.float0)
    zero = lax.convert_element_type(np.zeros((), aval.dtype), aval.dtype, aval.weak_type)
    return lax.broadcast_in_dim(zero, aval.shape, ()) if aval.shape else zero


def instantiate_zeros(x):
    """Returns `x`, with a symbolic Zero replaced by an actual array of zeros."""
    return zeros_like_aval(x.aval) if type(x) is Zero else x


add_any_p = Primitive("add_any")
add_any_p.def_abstract_eval(lambda x, y: x)


def add_tangents(x, y):
    """Returns x + y for tangents/cotangents, short-cutting symbolic zeros."""
    if type(x) is Zero:
        return y
    if type(y) is Zero:
        return x
    return add_any_p.bind(x, y)


def _add_any_jvp(primals, tangents):
    return add_any_p.bind(*primals), add_tangents(*tangents)


def _add_any_transpose(ct, x, y):
    return [ct, ct]


primitive_jvps[add_any_p] = _add_any_jvp
primitive_transposes[add_any_p] = _add_any_transpose


def _register_add_any_batcher():
    from jaxlike.interpreters import batching

    # Both operands get the full batched shape: add_any's output takes its first operand's
    # aval, and an unbatched rank-0 cotangent (e.g. a seed 1.0) may meet a batched one.
    def rule(vals, dims):
        size = next(get_aval(v).shape[d] for v, d in zip(vals, dims)
                    if d is not batching.not_mapped)
        return add_any_p.bind(*(batching.bdim_at_front(v, d, size)
                                for v, d in zip(vals, dims))), 0
    batching.primitive_batchers[add_any_p] = rule


_register_add_any_batcher()


# ---------------------------------------------------------------------------------------------
# Rule helpers, for the primitive families.

def defjvp(prim, *jvp_fns):
    """Registers a JVP rule from one function per operand: `fn(tangent, *primals, **params)`
    returns that operand's contribution to the output tangent (None: not differentiable)."""
    def rule(primals, tangents, **params):
        out = prim.bind(*primals, **params)
        total = Zero(get_aval(out))
        for fn, t in zip(jvp_fns, tangents):
            if fn is not None and type(t) is not Zero:
                total = add_tangents(total, fn(t, *primals, **params))
        return out, total
    primitive_jvps[prim] = rule
    return rule


def defjvp_with_output(prim, jvp_fn):
    """Registers a JVP rule `jvp_fn(tangents, output, *primals, **params)` for primitives
    whose derivative reuses their output (exp, tanh, sqrt ...)."""
    def rule(primals, tangents, **params):
        out = prim.bind(*primals, **params)
        return out, jvp_fn(tangents, out, *primals, **params)
    primitive_jvps[prim] = rule
    return rule


def deflinear(prim, transpose_rule):
    """Registers the JVP of a primitive linear in all its operands (the tangent is the
    primitive applied to the tangents) and its transpose rule `(ct, *args, **params)`."""
    def rule(primals, tangents, **params):
        out = prim.bind(*primals, **params)
        if all(type(t) is Zero for t in tangents):
            return out, Zero(get_aval(out))
        return out, prim.bind(*map(instantiate_zeros, tangents), **params)
    primitive_jvps[prim] = rule
    primitive_transposes[prim] = transpose_rule
    return rule


def defnondiff(prim):
    """Registers a JVP rule for a primitive whose outputs have zero derivative (comparisons,
    integer ops, stop_gradient)."""
    def rule(primals, tangents, **params):
        out = prim.bind(*primals, **params)
        if prim.multiple_results:
            return out, [Zero(tangent_aval(get_aval(o))) for o in out]
        return out, Zero(tangent_aval(get_aval(out)))
    primitive_jvps[prim] = rule
    return rule


# ---------------------------------------------------------------------------------------------
# The JVP trace.

class JVPTracer(Tracer):
    """A primal value with its tangent (never a symbolic Zero: those are plain primals)."""

    __slots__ = ("primal", "tangent")

    def __init__(self, trace, primal, tangent):
        self._trace = trace
        self.primal = primal
        self.tangent = tangent

    @property
    def aval(self):
        return get_aval(self.primal)


class JVPTrace(Trace):
    """Computes primals and tangents together. Rules run under `rule_trace`: the parent
    trace for plain forward mode, a partial-evaluation trace when linearizing."""

    __slots__ = ("rule_trace",)

    def __init__(self, parent, rule_trace=None):
        super().__init__(parent)
        self.rule_trace = parent if rule_trace is None else rule_trace

    def lift(self, x):
        """Returns (primal, tangent) of `x`; values foreign to this trace have Zero tangent."""
        if isinstance(x, JVPTracer) and x._trace is self:
            return x.primal, x.tangent
        if isinstance(x, Tracer) and not x._trace.is_alive:
            raise core.escaped_tracer_error(x)
        return x, Zero(tangent_aval(get_aval(x)))

    def process_primitive(self, prim, args, params):
        primals, tangents = [], []
        for x in args:
            p, t = self.lift(x)
            primals.append(p)
            tangents.append(t)
        if all(type(t) is Zero for t in tangents):
            with set_current_trace(self.parent):
                return prim.bind(*primals, **params)
        rule = primitive_jvps.get(prim)
        if rule is None:
            raise NotImplementedError(
                f"Differentiation rule for '{prim.name}' not implemented")
        with set_current_trace(self.rule_trace):
            primal_out, tangent_out = rule(primals, tangents, **params)
        if prim.multiple_results:
            return [self.wrap(p, t) for p, t in zip(primal_out, tangent_out)]
        return self.wrap(primal_out, tangent_out)

    def wrap(self, primal, tangent):
        """Returns the value to hand back to user code for a primal/tangent pair."""
        if type(tangent) is Zero:
            return primal
        return JVPTracer(self, primal, tangent)


def jvp_flat(fun, primals, tangents, origin=None):
    """Runs `fun(*args) -> list` in forward mode; returns (primal outputs, tangent outputs),
    tangents as arrays or Zero."""
    parent = core.current_trace()
    trace = JVPTrace(parent)
    trace.origin = origin
    try:
        with set_current_trace(trace):
            ins = [trace.wrap(p, t) for p, t in zip(primals, tangents)]
            outs = fun(*ins)
        pairs = [trace.lift(o) for o in outs]
    finally:
        trace.invalidate()
    return [p for p, _ in pairs], [t for _, t in pairs]


# ---------------------------------------------------------------------------------------------
# Linearization: forward mode with the tangent program staged.

def linearize_flat(fun, primals, origin=None):
    """Linearizes `fun(*args) -> list` at `primals`.

    Returns (primal outputs, linear ClosedJaxpr from input tangents to output tangents,
    list of which output tangents are symbolic zeros). The jaxpr's consts are residuals
    (concrete arrays, or tracers of the enclosing trace)."""
    parent = core.current_trace()
    tangent_trace = pe.StagingTrace(parent, forward_known=True)
    trace = JVPTrace(parent, rule_trace=tangent_trace)
    trace.origin = tangent_trace.origin = origin
    try:
        tangent_args = [tangent_trace.new_arg(tangent_aval(get_aval(p))) for p in primals]
        with set_current_trace(trace):
            # Integer inputs (float0 tangents) have no derivative: a symbolic zero, as in jvp.
            ins = [p if t.aval.dtype == dtypes.float0 else JVPTracer(trace, p, t)
                   for p, t in zip(primals, tangent_args)]
            outs = fun(*ins)
        pairs = [trace.lift(o) for o in outs]
    finally:
        trace.invalidate()
    out_primals = [p for p, _ in pairs]
    zero_outs = [type(t) is Zero for t in (t for _, t in pairs)]
    out_tangents = [instantiate_zeros_in(tangent_trace, t) for _, t in pairs]
    linear = pe.dce_closed_jaxpr(tangent_trace.finish(out_tangents))
    return out_primals, linear, zero_outs


def instantiate_zeros_in(trace, t):
    """Returns `t` or, for a Zero, zeros computed under `trace`'s parent."""
    if type(t) is not Zero:
        return t
    with set_current_trace(trace.parent):
        return zeros_like_aval(t.aval)


# ---------------------------------------------------------------------------------------------
# Transposition.

class UndefinedPrimal:
    """Stands for a linear input of a jaxpr being transposed."""

    __slots__ = ("aval",)

    def __init__(self, aval):
        self.aval = aval

    def __repr__(self):
        return f"UndefinedPrimal({self.aval.str_short()})"


def is_undefined_primal(x):
    """Returns True for an UndefinedPrimal (a linear input in a transpose rule)."""
    return type(x) is UndefinedPrimal


def backward_pass(jaxpr, consts, args, cotangents):
    """Transposes `jaxpr` with respect to the args that are UndefinedPrimal.

    Equations with no linear input are evaluated forward first; the linear ones are then
    transposed in reverse order. Returns one cotangent per invar (Zero where none flows, None
    for non-linear inputs)."""
    from jaxlike.core import Literal
    primal_env, linear = {}, set()
    for v, c in zip(jaxpr.constvars, consts):
        primal_env[v] = c
    for v, a in zip(jaxpr.invars, args):
        if is_undefined_primal(a):
            linear.add(v)
        else:
            primal_env[v] = a

    def is_linear(atom):
        return not isinstance(atom, Literal) and atom in linear

    def read_primal(atom):
        if isinstance(atom, Literal):
            return core.literal_value(atom)
        return UndefinedPrimal(atom.aval) if atom in linear else primal_env[atom]

    linear_eqns = []
    for eqn in jaxpr.eqns:
        if any(is_linear(a) for a in eqn.invars):
            linear.update(eqn.outvars)
            linear_eqns.append(eqn)
        else:
            outs = eqn.primitive.bind(*map(read_primal, eqn.invars), **eqn.params)
            outs = outs if eqn.primitive.multiple_results else [outs]
            primal_env.update(zip(eqn.outvars, outs))

    ct_env = {}

    def write_ct(atom, ct):
        if is_linear(atom) and ct is not None and type(ct) is not Zero:
            ct_env[atom] = add_tangents(ct_env[atom], ct) if atom in ct_env else ct

    for atom, ct in zip(jaxpr.outvars, cotangents):
        write_ct(atom, ct)
    for eqn in reversed(linear_eqns):
        cts_out = [ct_env.pop(v, Zero(v.aval)) for v in eqn.outvars]
        if all(type(c) is Zero for c in cts_out):
            continue
        rule = primitive_transposes.get(eqn.primitive)
        if rule is None:
            raise NotImplementedError(
                f"Transpose rule (for reverse-mode differentiation) for '{eqn.primitive.name}' "
                "not implemented")
        ct_arg = cts_out if eqn.primitive.multiple_results else cts_out[0]
        cts_in = rule(ct_arg, *map(read_primal, eqn.invars), **eqn.params)
        for atom, ct in zip(eqn.invars, cts_in):
            write_ct(atom, ct)
    return [ct_env.get(v, Zero(v.aval)) if v in linear else None for v in jaxpr.invars]


def linear_transpose_flat(linear, cotangents):
    """Returns the input cotangents of a linear ClosedJaxpr (from `linearize_flat`) for the
    given output cotangents (Zero where none flows)."""
    args = [UndefinedPrimal(v.aval) for v in linear.jaxpr.invars]
    return backward_pass(linear.jaxpr, linear.consts, args, cotangents)
