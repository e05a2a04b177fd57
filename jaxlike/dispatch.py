"""Eager execution: a primitive bound on concrete values is compiled alone (once per
primitive, params and input avals) and run through XLA.

This is the hot path of eager code, so it does as little as possible: one pass over the
arguments (device arrays pass straight through, host values are transferred), one dict
lookup, one execute.
"""
import numpy as np

from jaxlike import core
from jaxlike.core import Jaxpr, JaxprEqn, Tracer, Var, abstract_eval, get_aval
from lowering import backend, mlir

ArrayImpl = backend.ArrayImpl
_executables = {}


def to_device(x, aval=None):
    """Returns `x` (a numpy value or Python scalar) as a device array of its aval."""
    if aval is None:
        aval = get_aval(x)
    return backend.device_put(np.asarray(x, dtype=aval.dtype), aval)


def apply_primitive(prim, *args, **params):
    """Runs `prim` eagerly; returns an Array, or a list of Arrays for multiple results."""
    bufs = list(args)
    avals = []
    for i, x in enumerate(args):
        if type(x) is ArrayImpl:
            avals.append(x.aval)
        elif isinstance(x, Tracer):
            raise core.escaped_tracer_error(x)
        else:
            aval = get_aval(x)
            avals.append(aval)
            bufs[i] = to_device(x, aval)
    key = (prim, tuple(avals), tuple(params.items()))
    try:
        exe = _executables.get(key)
    except TypeError:  # an unhashable param: compile without caching
        key, exe = None, None
    if exe is None:
        exe = _compile_primitive(prim, avals, params)
        if key is not None:
            _executables[key] = exe
    outs = exe(bufs)
    return outs if prim.multiple_results else outs[0]


def _compile_primitive(prim, avals, params):
    invars = [Var(a) for a in avals]
    outvars = [Var(a) for a in abstract_eval(prim, avals, params)]
    jaxpr = Jaxpr([], invars, outvars, [JaxprEqn(prim, invars, outvars, params)])
    return compile_jaxpr(jaxpr)


def compile_jaxpr(jaxpr, donated=()):
    """Lowers and compiles a jaxpr (consts as leading arguments); returns an Executable."""
    text = mlir.lower_jaxpr(jaxpr, donated=donated)
    return backend.compile(text, [v.aval for v in jaxpr.outvars])


# Primitives without an impl of their own run through apply_primitive.
core.trace.set_default_impl(apply_primitive)
