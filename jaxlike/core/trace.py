"""Traces and tracers, and the current trace.

jaxlike keeps one *current trace*. `Primitive.bind` asks it to process the primitive.
A transformation (a staging trace for jit/make_jaxpr, later jvp and vmap traces) makes
itself current while it runs the user's function, remembering the trace that was current
before (its parent). When its rule for a primitive needs to compute, it binds under the
parent. A tracer belongs to exactly one trace; a trace treats every value that is not one
of its own tracers as a constant, so tracers of different transformations never mix
(no perturbation confusion). A trace is marked dead when its transformation ends; using
one of its tracers afterwards raises UnexpectedTracerError.
"""
from contextlib import contextmanager

from jaxlike import errors


class Trace:
    """Base class: a way of processing primitives."""

    __slots__ = ("is_alive", "parent", "origin", "__weakref__")

    def __init__(self, parent=None, origin=None):
        self.is_alive = True
        self.parent = parent
        self.origin = origin  # e.g. "jit(loss)": named in escaped-tracer errors

    def process_primitive(self, prim, args, params):
        raise NotImplementedError

    def invalidate(self):
        """Marks the trace finished: its tracers may no longer be used."""
        self.is_alive = False


class EvalTrace(Trace):
    """The bottom trace: runs primitives on concrete values."""

    __slots__ = ()

    def process_primitive(self, prim, args, params):
        impl = prim.impl
        if impl is None:
            return _default_impl(prim, *args, **params)
        return impl(*args, **params)


def _no_impl(prim, *args, **params):
    raise NotImplementedError(f"no eager implementation installed for {prim.name}")


_default_impl = _no_impl


def set_default_impl(impl):
    """Installs `impl(prim, *args, **params)`, used for primitives without their own impl."""
    global _default_impl
    _default_impl = impl


class _TraceState:
    __slots__ = ("trace",)

    def __init__(self):
        self.trace = EvalTrace()


trace_state = _TraceState()
eval_trace = trace_state.trace


def current_trace():
    """Returns the trace that `bind` will use now."""
    return trace_state.trace


def _ignore_trace_change(trace):
    pass


# Called with the new current trace each time it changes: jit's C++ fast path installs one
# so that it never answers a call made under a transformation (see lowering/fastpath.py).
_on_trace_change = _ignore_trace_change


def set_trace_change_hook(hook):
    """Installs `hook(trace)`, called whenever the current trace changes."""
    global _on_trace_change
    _on_trace_change = hook


@contextmanager
def set_current_trace(trace):
    """Makes `trace` current for the duration of the block."""
    previous = trace_state.trace
    trace_state.trace = trace
    _on_trace_change(trace)
    try:
        yield trace
    finally:
        trace_state.trace = previous
        _on_trace_change(previous)


class Tracer:
    """A value flowing through a transformation; it knows its trace and its abstract value.

    User-facing operators and methods (`+`, `.sum()`, `.shape`, ...) are installed on this
    class by jaxlike.numpy, the same ones as on concrete arrays, so user code runs unchanged
    under tracing.
    """

    __slots__ = ("_trace", "__weakref__")
    __array_priority__ = 1000

    @property
    def aval(self):
        raise NotImplementedError

    def check_alive(self):
        """Raises UnexpectedTracerError if this tracer's transformation has finished."""
        if not self._trace.is_alive:
            raise escaped_tracer_error(self)

    def __bool__(self):
        self.check_alive()
        raise errors.TracerBoolConversionError(
            self, "The problem arose with the `bool` function (an `if`, `while`, `and`, `or` "
                  "or `assert` on a traced value).\n")

    def __int__(self):
        self.check_alive()
        raise errors.ConcretizationTypeError(
            self, "The problem arose with the `int` function.\n")

    def __float__(self):
        self.check_alive()
        raise errors.ConcretizationTypeError(
            self, "The problem arose with the `float` function.\n")

    def __complex__(self):
        self.check_alive()
        raise errors.ConcretizationTypeError(
            self, "The problem arose with the `complex` function.\n")

    def __index__(self):
        self.check_alive()
        raise errors.TracerIntegerConversionError(self)

    def __array__(self, *args, **kwargs):
        raise errors.TracerArrayConversionError(self)

    def __hash__(self):
        raise TypeError(f"unhashable type: {type(self).__name__} (traced arrays cannot be "
                        "dictionary keys or static arguments)")

    def __repr__(self):
        return f"Traced<{self.aval.str_short()}>with<{type(self._trace).__name__}>"

    def __iter__(self):
        if not self.aval.shape:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.aval.shape[0]))

    def __len__(self):
        if not self.aval.shape:
            raise TypeError("len() of unsized object")
        return self.aval.shape[0]


def escaped_tracer_error(tracer):
    """Returns the UnexpectedTracerError for a tracer used after its transformation ended."""
    origin = getattr(tracer._trace, "origin", None)
    created = f" It was created while tracing {origin}." if origin else ""
    return errors.UnexpectedTracerError(
        f"Encountered an unexpected tracer: {tracer!r}.{created}\n"
        "A function transformed by jit, grad, vmap or similar saved one of its traced "
        "intermediate values outside its own scope (in a global, a list or an attribute), and "
        "that value was used after the transformation finished. Return the value from the "
        "transformed function instead of saving it as a side effect.")
