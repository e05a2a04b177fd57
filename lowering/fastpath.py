"""The C++ dispatch fast path: jaxlib's `pjit` function objects.

`jaxlib._jax.pjit(...)` returns a callable written in C++. On each call it flattens the
arguments with a pytree registry, computes a signature (tree structure, shapes, dtypes,
weak types, shardings, static argument values, and every jaxlib `Config` marked
`include_in_jit_key`) and looks it up in its cache. On a hit it transfers host arguments
(numpy arrays, Python scalars), runs the cached executable and builds the output arrays,
without running any Python. On a miss it calls our Python `cache_miss(*args, **kwargs)`,
which must return `(outputs, FastpathData or None, False)`: the data tells C++ how to run
that signature next time; None makes it call `cache_miss` again for that signature.

This module keeps jaxlib's C++ state in step with jaxlike's: the x64 flag and
`jax_disable_jit` (from `jaxlike.config`), and whether a transformation is active (from
`jaxlike.core`'s current trace), so that a call made while tracing is never served from
the C++ cache with a concrete result.
"""
import collections

import jaxlib._jax as _jx
import numpy as np

from jaxlike import core
from jaxlike.config import config
from jaxlike.core.trace import set_trace_change_hook
from lowering import backend

_jit_state = _jx.jax_jit
_Config = _jx.config.Config

# C++ reads these on every call. x64 changes how Python scalars are typed and what a
# traced function computes, so it is part of the cache key.
_x64 = _Config("jaxlike_enable_x64", bool(config.jax_enable_x64), include_in_jit_key=True)
_disable_jit = _Config("jaxlike_disable_jit", bool(config.jax_disable_jit),
                       include_in_jit_key=True)
_post_hook = _Config("jaxlike_post_hook", None)
# True while a transformation (jit/make_jaxpr staging, jvp, vmap...) is current. It is in
# the key, so a signature first seen at top level is a *different* entry under a
# transformation; jaxlike answers such misses without fast-path data, so C++ always hands
# those calls back to Python, which stages them.
_transforming = _Config("jaxlike_transforming", False, include_in_jit_key=True)

_jit_state.set_enable_x64_state(_x64)
_jit_state.set_disable_jit_state(_disable_jit)
_jit_state.set_post_hook_state(_post_hook)


def _on_config_update(name, value):
    if name == "jax_enable_x64":
        _x64.set_global(bool(value))
    elif name == "jax_disable_jit":
        _disable_jit.set_global(bool(value))


def _on_trace_change(trace):
    # jaxlike's current trace is process-global, so the C++ flag is set globally too.
    _transforming.set_global(trace is not core.eval_trace)


config.add_hook(_on_config_update)
set_trace_change_hook(_on_trace_change)

# ---------------------------------------------------------------------------------------------
# What C++ needs to run a signature without Python (the attribute names are jaxlib's).

FastpathData = collections.namedtuple("FastpathData", [
    "xla_executable", "out_pytree_def", "in_shardings", "out_shardings", "out_avals",
    "out_committed", "kept_var_bitvec", "in_device_local_layouts", "const_args"])


def fastpath_data(executable, out_tree, const_args, num_args):
    """Returns the FastpathData that lets C++ run `executable` (a backend.Executable) with
    `const_args` (device arrays) prepended to `num_args` flat arguments and build the
    outputs as the pytree `out_tree`."""
    sharding = backend.single_device_sharding(executable.device)
    num_in = len(const_args) + num_args
    num_out = len(executable.out_avals)
    return FastpathData(
        xla_executable=executable.loaded, out_pytree_def=out_tree,
        in_shardings=[sharding] * num_in, out_shardings=[sharding] * num_out,
        out_avals=list(executable.out_avals), out_committed=[True] * num_out,
        kept_var_bitvec=[True] * num_in, in_device_local_layouts=[None] * num_in,
        const_args=list(const_args))


# ---------------------------------------------------------------------------------------------
# Making C++ dispatch functions.

JitFunction = _jx.PjitFunction

# jaxlib's process-wide pytree registry, the one jaxlike.tree_util registers node types in,
# so C++ flattens arguments exactly as Python does.
_registry = _jx.pytree.default_registry()
# Shared by every function; entries of a function are dropped when the function object
# (`fun`) dies, and the least recently used entries go first when it is full.
_cache = _jx.PjitFunctionCache(8192)


def _shard_arg_fallback(x, sharding, layout):
    # C++ calls this for an argument it cannot place itself: a host value bound for an
    # executable with a non-default layout, or an array on a different number of devices.
    device = backend.sharding_device(sharding)
    if type(x) is backend.ArrayImpl:
        return backend.copy_to_device(x, device)
    aval = core.get_aval(x)
    return backend.device_put(np.asarray(x, dtype=aval.dtype), aval, device)


def make_function(name, fun, cache_miss, static_argnums=(), static_argnames=(),
                  cache_key=()):
    """Returns a C++ dispatch function (a `JitFunction`) named `name`.

    `cache_miss(*args, **kwargs)` returns `(out, FastpathData | None, False)`; `fun` is what
    runs instead when `jax_disable_jit` is set. Functions with the same `fun` and `cache_key`
    share cache entries, so the key must hold every option that changes the executable.
    """
    return _jx.pjit(name, fun, cache_miss, list(static_argnums), list(static_argnames),
                    cache_key, _registry, _shard_arg_fallback, _cache)


def install_methods(**methods):
    """Adds methods (lower, trace, ...) to every C++ dispatch function; returns None."""
    for name, method in methods.items():
        setattr(JitFunction, name, method)
