"""Eager execution: a primitive bound on concrete values is compiled alone (once per
primitive, params and input avals) and run through XLA.

This is the hot path of eager code. Each (primitive, params) pair gets a C++ dispatch
function (lowering/fastpath.py, the same machinery as `jit`): one dict lookup in Python,
then C++ computes the argument signature, transfers host values (numpy arrays, Python
scalars), runs the cached executable and builds the result. Signatures C++ has not seen
come back to `_execute`, which compiles the primitive and runs it in Python.
"""
import numpy as np

from jaxlike import core, tree_util
from jaxlike.core import Jaxpr, JaxprEqn, Tracer, Var, abstract_eval, get_aval
from lowering import backend, fastpath, mlir

ArrayImpl = backend.ArrayImpl
_executables = {}  # (primitive, avals, params) -> Executable
_functions = {}  # (primitive, *params.items()) -> C++ dispatch function


def to_device(x, aval=None, device=None):
    """Returns `x` (a numpy value or Python scalar) as a device array of its aval, on
    `device` (default: the default device)."""
    if aval is None:
        aval = get_aval(x)
    return backend.device_put(np.asarray(x, dtype=aval.dtype), aval, device)


def apply_primitive(prim, *args, **params):
    """Runs `prim` eagerly; returns an Array, or a list of Arrays for multiple results."""
    key = (prim, *params.items())
    try:
        function = _functions[key]
    except KeyError:
        function = _functions[key] = _make_function(prim, params)
        if not params and prim.impl is None:
            prim.eager_fn = function
    except TypeError:  # an unhashable param: no C++ function, compile without caching
        return _execute(prim, params, args)[0]
    return function(*args)


def _make_function(prim, params):
    def run(*args):
        # What C++ calls instead of dispatching when jax_disable_jit is set.
        return _execute(prim, params, args)[0]

    def cache_miss(*args):
        try:
            out, exe = _execute(prim, params, args)
        except BaseException:
            # C++ would send this signature to Python for good after a failure.
            function._clear_cache()
            raise
        out_tree = tree_util.tree_structure(out)
        return out, fastpath.fastpath_data(exe, out_tree, (), len(args)), False

    function = fastpath.make_function(prim.name, run, cache_miss,
                                      cache_key=("jaxlike.primitive",))
    return function


def _execute(prim, params, args):
    # Returns (the result, the executable that computed it).
    bufs = list(args)
    avals = []
    host = []
    for i, x in enumerate(args):
        if type(x) is ArrayImpl:
            avals.append(x.aval)
        elif isinstance(x, Tracer):
            raise core.escaped_tracer_error(x)
        else:
            avals.append(get_aval(x))
            host.append(i)
    device = device_of(args)
    for i in host:
        bufs[i] = to_device(args[i], avals[i], device)
    exe = _executable(prim, avals, params, device)
    outs = exe(bufs)
    return (outs if prim.multiple_results else outs[0]), exe


def device_of(values):
    """Returns the device a computation on `values` runs on: computation follows data, so
    the device of the first device array among them, else the default device."""
    for x in values:
        if type(x) is ArrayImpl:
            return backend.array_device(x)
    return backend.default_device()


def _executable(prim, avals, params, device):
    key = (prim, tuple(avals), tuple(params.items()), device)
    try:
        exe = _executables.get(key)
    except TypeError:  # an unhashable param: compile without caching
        return _compile_primitive(prim, avals, params, device)
    if exe is None:
        exe = _executables[key] = _compile_primitive(prim, avals, params, device)
    return exe


def _compile_primitive(prim, avals, params, device):
    invars = [Var(a) for a in avals]
    outvars = [Var(a) for a in abstract_eval(prim, avals, params)]
    jaxpr = Jaxpr([], invars, outvars, [JaxprEqn(prim, invars, outvars, params)])
    return compile_jaxpr(jaxpr, device=device)


def compile_jaxpr(jaxpr, donated=(), device=None):
    """Lowers and compiles a jaxpr (consts as leading arguments) for `device` (default: the
    default device); returns an Executable."""
    text = mlir.lower_jaxpr(jaxpr, donated=donated)
    return backend.compile(text, [v.aval for v in jaxpr.outvars], device)


# Primitives without an impl of their own run through apply_primitive.
core.trace.set_default_impl(apply_primitive)
