"""Primitives and the abstract-evaluation registry.

A `Primitive` is a named operation. `bind` hands it to the current trace (see trace.py):
the eval trace runs it, a staging trace records it, a transformation trace rewrites it.
Each interpreter keeps its own registry of rules keyed by primitive; abstract evaluation
lives here because every interpreter needs it.
"""
from jaxlike.core import trace as _trace

_eval_trace = _trace.eval_trace

# name -> Primitive, for the registry tests and the lowering table (keyed by name).
all_primitives = {}
abstract_eval_rules = {}


class Primitive:
    """A named operation with `bind(*args, **params)`; rules are registered per interpreter."""

    __slots__ = ("name", "multiple_results", "impl", "eager_fn", "__weakref__")

    def __init__(self, name, multiple_results=False):
        self.name = name
        self.multiple_results = multiple_results
        self.impl = None
        # The compiled-dispatch function for eager calls without params, installed by
        # jaxlike.dispatch on first use: the hottest path in eager code skips the trace.
        self.eager_fn = None
        all_primitives[name] = self

    def bind(self, *args, **params):
        """Applies the primitive under the current trace; returns one value, or a list of
        values when `multiple_results`."""
        trace = _trace.trace_state.trace
        if trace is _eval_trace and not params:
            fn = self.eager_fn
            if fn is not None:
                return fn(*args)
        return trace.process_primitive(self, args, params)

    def def_abstract_eval(self, rule):
        """Registers `rule(*avals, **params) -> aval | list[aval]`; returns the rule."""
        abstract_eval_rules[self] = rule
        return rule

    def def_impl(self, impl):
        """Registers a custom eager implementation (default: compile the primitive alone)."""
        self.impl = impl
        return impl

    def __repr__(self):
        return self.name

    def __reduce__(self):
        return (all_primitives.__getitem__, (self.name,))


def abstract_eval(prim, avals, params):
    """Returns the output avals of `prim` applied to `avals` (always a list)."""
    try:
        rule = abstract_eval_rules[prim]
    except KeyError:
        raise NotImplementedError(
            f"primitive {prim.name} has no abstract evaluation rule") from None
    out = rule(*avals, **params)
    return list(out) if prim.multiple_results else [out]
