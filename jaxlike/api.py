"""The transformation entry points: `jit`, `make_jaxpr`, device placement helpers.

`jit` traces a function once per signature (input tree structure, input avals, static
argument values), lowers the jaxpr to StableHLO, compiles it and caches the executable.
Calls go through jaxlib's C++ dispatcher (lowering/fastpath.py): a call whose signature
was seen before runs the cached executable without entering Python; any other call comes
back to Python (`JitWrapped._cache_miss`), which traces, compiles and runs it, and tells
C++ how to run that signature next time. Under another transformation a jitted function
is staged as one `jit` equation that carries its jaxpr, so it stays one compiled unit.
"""
import functools
import inspect

import numpy as np

from jaxlike import core, tree_util
from jaxlike.config import config
from jaxlike.core import Tracer, get_aval
from jaxlike.interpreters import partial_eval as pe
from jaxlike import dispatch
from lowering import backend, fastpath, mlir

# ---------------------------------------------------------------------------------------------
# The jit call primitive.

from jaxlike.jit_call import jit_p  # noqa: E402 -- the primitive and its rules


# ---------------------------------------------------------------------------------------------
# Signatures.

def _argnums_tuple(value):
    if value is None:
        return ()
    if isinstance(value, int):
        return (value,)
    return tuple(value)


def _argnames_tuple(value):
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


class _Entry:
    """One compiled signature: the executable, its constant arguments, output tree, and
    what the C++ dispatcher needs to run it without Python."""

    __slots__ = ("executable", "consts", "out_tree", "jaxpr", "text", "fastpath")

    def __init__(self, executable, consts, out_tree, jaxpr, text, fastpath_data):
        self.executable = executable
        self.consts = consts
        self.out_tree = out_tree
        self.jaxpr = jaxpr
        self.text = text
        self.fastpath = fastpath_data

    def run(self, leaves, avals):
        """Runs the executable on flat arguments (host values are transferred first);
        returns the output pytree."""
        device = self.executable.device
        bufs = [x if type(x) is backend.ArrayImpl else dispatch.to_device(x, a, device)
                for x, a in zip(leaves, avals)]
        return tree_util.tree_unflatten(self.out_tree, self.executable(self.consts + bufs))


class JitWrapped:
    """A function wrapped by `jit`: call it like the original; see `lower` for AOT use.

    This is the Python half of a jitted function; the C++ half (`self._cpp`) is what
    callers normally hold (see `jit`). It calls `_cache_miss` for signatures it has no
    executable for.
    """

    def __init__(self, fun, static_argnums, static_argnames, donate_argnums, keep_unused,
                 inline):
        self._fun = fun
        self._signature = None
        try:
            self._signature = inspect.signature(fun)
        except (TypeError, ValueError):
            pass
        self._static_argnums, self._static_argnames = self._resolve_static(
            _argnums_tuple(static_argnums), _argnames_tuple(static_argnames))
        self._donate_argnums = _argnums_tuple(donate_argnums)
        self._keep_unused = keep_unused
        self._inline = inline
        self._traces = {}
        self._compiled = {}
        self._name = getattr(fun, "__name__", "<unnamed function>")
        # C++ functions with the same `fun` and key share cache entries (as `jit(f)(x)`
        # twice shares them in JAX), so the key holds every option that changes the program.
        self._cpp = fastpath.make_function(
            self._name, fun, self._cache_miss, self._static_argnums, self._static_argnames,
            cache_key=("jaxlike.jit", self._static_argnums, self._static_argnames,
                       self._donate_argnums, bool(keep_unused)))
        # updated=() -- copying fun's __dict__ would overwrite our state when `fun` is
        # itself jitted.
        functools.update_wrapper(self._cpp, fun, updated=())
        functools.update_wrapper(self, fun, updated=())
        self._cpp._jaxlike_jit = self

    def _resolve_static(self, argnums, argnames):
        # Like JAX, a parameter named static by position is also static by name and back.
        # Negative positions are made positive (so `f(x, n=2)` with static_argnums=-1 does
        # not make `x` static), except with *args, where they count from each call's end.
        if self._signature is None:
            return argnums, argnames
        params = list(self._signature.parameters.values())
        positional = [p.name for p in params
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        variadic = any(p.kind == p.VAR_POSITIONAL for p in params)
        names = set(argnames)
        nums = set()
        for i in argnums:
            j = i if i >= 0 or variadic else len(positional) + i
            nums.add(j)
            if 0 <= j < len(positional):
                names.add(positional[j])
        for name in argnames:
            if name in positional:
                nums.add(positional.index(name))
        return tuple(sorted(nums)), tuple(sorted(names))

    # -- argument handling ----------------------------------------------------------------

    def _split(self, args, kwargs):
        n = len(args)
        static_nums = {i if i >= 0 else n + i for i in self._static_argnums}
        dyn_args, static_args = [], []
        for i, a in enumerate(args):
            (static_args.append((i, a)) if i in static_nums else dyn_args.append(a))
        dyn_kwargs, static_kwargs = {}, []
        for k, v in kwargs.items():
            if k in self._static_argnames:
                static_kwargs.append((k, v))
            else:
                dyn_kwargs[k] = v
        static = (tuple(static_args), tuple(sorted(static_kwargs)))
        try:
            hash(static)
        except TypeError:
            raise ValueError(self._unhashable_message(static_args, static_kwargs)) from None
        return dyn_args, dyn_kwargs, static

    def _unhashable_message(self, static_args, static_kwargs):
        where, value = next((w, v) for w, v in [(f"argument {i}", v) for i, v in static_args]
                            + [(f"argument {k!r}", v) for k, v in static_kwargs]
                            if not _hashable(v))
        return (f"jit({self._name}): static {where} has unhashable type "
                f"{type(value).__name__} ({value!r:.60}). Static arguments key the compilation "
                "cache, so they must be hashable: pass a tuple instead of a list, a frozen "
                "dataclass, or pass the value as a traced (non-static) argument.")

    def _leaf_avals(self, leaves, in_tree, static):
        avals = []
        for i, x in enumerate(leaves):
            try:
                avals.append(get_aval(x))
            except TypeError:
                raise TypeError(self._bad_argument_message(i, x, in_tree, static)) from None
        return tuple(avals)

    def _argument_path(self, leaf_index, in_tree, static):
        # The user's name for a flat leaf: parameter name, then the path inside its pytree.
        paths = [p for p, _ in tree_util.tree_flatten_with_path(
            tree_util.tree_unflatten(in_tree, [0] * in_tree.num_leaves))[0]]
        path = paths[leaf_index]
        if path[0].idx == 1:  # a keyword argument
            return path[1].key + tree_util.keystr(path[2:])
        position = _dynamic_positions(in_tree, static)[path[1].idx]
        params = [] if self._signature is None else [
            p.name for p in self._signature.parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        name = params[position] if position < len(params) else f"args[{position}]"
        return name + tree_util.keystr(path[2:])

    def _bad_argument_message(self, leaf_index, value, in_tree, static):
        where = self._argument_path(leaf_index, in_tree, static)
        return (f"jit({self._name}): argument {where} has type {type(value).__name__} "
                f"({value!r:.60}), which is not a valid array type. Jitted functions accept "
                "jaxlike/numpy arrays, Python scalars and pytrees (tuples, lists, dicts) of them. "
                "If this argument is configuration rather than data, mark it static with "
                "static_argnums or static_argnames.")

    def _flat_fun(self, in_tree, static, out_store):
        static_args, static_kwargs = static

        def flat(*leaves):
            dyn_args, dyn_kwargs = tree_util.tree_unflatten(in_tree, leaves)
            args = list(dyn_args)
            for i, v in static_args:
                args.insert(i, v)
            kwargs = dict(dyn_kwargs, **dict(static_kwargs))
            out = self._fun(*args, **kwargs)
            out_leaves, out_tree = tree_util.tree_flatten(out)
            out_store.append(out_tree)
            return out_leaves
        return flat

    # -- tracing and compiling --------------------------------------------------------------

    def _trace(self, key, in_tree, avals, static):
        cached = self._traces.get(key)
        if cached is not None:
            return cached
        out_store = []
        closed = pe.trace_to_jaxpr(self._flat_fun(in_tree, static, out_store), avals,
                                   origin=f"jit({self._name})")
        jaxpr, consts = pe.convert_constvars_to_invars(closed)
        result = (jaxpr, consts, out_store[0])
        if not any(isinstance(c, Tracer) for c in consts):
            self._traces[key] = result
        return result

    def _compiled_entry(self, key, in_tree, avals, static, device):
        # Returns the _Entry of this signature on `device`, compiling it if needed.
        entry = self._compiled.get((key, device))
        if entry is None:
            entry = self._compiled[key, device] = self._compile(key, in_tree, avals, static,
                                                                device)
        return entry

    def _compile(self, key, in_tree, avals, static, device):
        jaxpr, consts, out_tree = self._trace(key, in_tree, avals, static)
        consts = [_on_device(c, device) for c in consts]
        text = mlir.lower_jaxpr(jaxpr, donated=self._donated_positions(in_tree, static,
                                                                       len(consts)))
        exe = backend.compile(text, jaxpr.out_avals, device)
        return _Entry(exe, consts, out_tree, jaxpr, text,
                      fastpath.fastpath_data(exe, out_tree, consts, len(avals)))

    def _donated_positions(self, in_tree, static, offset):
        # donate_argnums count every positional argument, static ones included; returns
        # the flat executable parameters (after `offset` consts) that may be donated.
        if not self._donate_argnums:
            return ()
        positions = _dynamic_positions(in_tree, static)
        n_positional = len(positions) + len(static[0])
        donate = {i if i >= 0 else n_positional + i for i in self._donate_argnums}
        flat, start = [], offset
        for position, sub in zip(positions, in_tree.children()[0].children()):
            if position in donate:
                flat.extend(range(start, start + sub.num_leaves))
            start += sub.num_leaves
        return tuple(flat)

    def _prepare(self, args, kwargs):
        dyn_args, dyn_kwargs, static = self._split(args, kwargs)
        leaves, in_tree = tree_util.tree_flatten((tuple(dyn_args), dyn_kwargs))
        avals = self._leaf_avals(leaves, in_tree, static)
        key = (in_tree, avals, static, config.jax_enable_x64)
        return key, leaves, in_tree, avals, static

    # -- calling ------------------------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        """Calls the jitted function (through the C++ dispatcher); returns its outputs."""
        try:
            return self._cpp(*args, **kwargs)
        except ValueError:
            # C++ hashes static arguments before Python sees the call; an unhashable one
            # gets jaxlike's message, which names the function and the argument.
            self._split(args, kwargs)
            raise

    def _cache_miss(self, *args, **kwargs):
        # C++ calls this for a signature it cannot run by itself. Returns (outputs,
        # fast-path data or None, False): None keeps the signature on this Python path.
        try:
            key, leaves, in_tree, avals, static = self._prepare(args, kwargs)
            if core.trace_state.trace is not core.eval_trace:
                return self._call_staged(key, leaves, in_tree, avals, static), None, False
            for x in leaves:
                if isinstance(x, Tracer):
                    raise core.escaped_tracer_error(x)
            entry = self._compiled_entry(key, in_tree, avals, static,
                                         dispatch.device_of(leaves))
            return entry.run(leaves, avals), entry.fastpath, False
        except BaseException:
            # C++ would keep sending this signature to Python forever after a failure;
            # forgetting its entries lets a later successful call be cached again.
            self._cpp._clear_cache()
            raise

    def _call_staged(self, key, leaves, in_tree, avals, static):
        jaxpr, consts, out_tree = self._trace(key, in_tree, avals, static)
        outs = jit_p.bind(*consts, *leaves, jaxpr=jaxpr, name=self._name)
        return tree_util.tree_unflatten(out_tree, outs)

    # -- ahead-of-time ----------------------------------------------------------------------

    def lower(self, *args, **kwargs):
        """Returns a `Lowered` for these arguments: `.as_text()` is its StableHLO."""
        key, leaves, in_tree, avals, static = self._prepare(args, kwargs)
        jaxpr, consts, out_tree = self._trace(key, in_tree, avals, static)
        donated = self._donated_positions(in_tree, static, len(consts))
        return Lowered(self, key, in_tree, avals, static,
                       mlir.lower_jaxpr(jaxpr, donated=donated))

    def trace(self, *args, **kwargs):
        """Returns the traced jaxpr (a ClosedJaxpr) for these arguments."""
        key, leaves, in_tree, avals, static = self._prepare(args, kwargs)
        jaxpr, consts, _ = self._trace(key, in_tree, avals, static)
        return jaxpr

    def eval_shape(self, *args, **kwargs):
        """Returns the output shapes/dtypes (ShapeDtypeStructs) for these arguments."""
        key, leaves, in_tree, avals, static = self._prepare(args, kwargs)
        jaxpr, _, out_tree = self._trace(key, in_tree, avals, static)
        return tree_util.tree_unflatten(out_tree, [
            ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type) for a in jaxpr.out_avals])

    def clear_cache(self):
        """Drops every traced and compiled signature; returns None."""
        self._traces.clear()
        self._compiled.clear()
        self._cpp._clear_cache()

    def _cache_size(self):
        """Returns the number of signatures in the C++ dispatch cache."""
        return self._cpp._cache_size()

    def __get__(self, obj, objtype=None):
        # Jitted methods bind like functions.
        if obj is None:
            return self
        return functools.partial(self, obj)

    def __repr__(self):
        return repr(self._cpp)


def _delegate(name):
    method = getattr(JitWrapped, name)

    @functools.wraps(method)
    def delegated(self, *args, **kwargs):
        return method(self._jaxlike_jit, *args, **kwargs)
    return delegated


# The C++ functions that `jit` returns answer the same methods as JitWrapped.
fastpath.install_methods(**{name: _delegate(name) for name in (
    "lower", "trace", "eval_shape", "clear_cache")})


def _on_device(value, device):
    # A jitted function's constant as an array on `device`.
    if type(value) is not backend.ArrayImpl:
        return dispatch.to_device(value, None, device)
    if backend.array_device(value) != device:
        return backend.copy_to_device(value, device)
    return value


def _dynamic_positions(in_tree, static):
    # The call positions of the dynamic positional arguments (static ones were removed).
    static_positions = {i for i, _ in static[0]}
    n_positional = len(static_positions) + len(in_tree.children()[0].children())
    return [i for i in range(n_positional) if i not in static_positions]


def _hashable(v):
    try:
        hash(v)
        return True
    except TypeError:
        return False


class Lowered:
    """A jitted function lowered for one signature."""

    def __init__(self, wrapped, key, in_tree, avals, static, text):
        self._wrapped, self._key, self._in_tree = wrapped, key, in_tree
        self._avals, self._static, self._text = avals, static, text
        self.in_avals = avals

    def as_text(self, dialect="stablehlo"):
        """Returns the StableHLO module text."""
        return self._text

    def compile(self):
        """Compiles (or fetches the cached executable) and returns a callable `Compiled`."""
        entry = self._wrapped._compiled_entry(self._key, self._in_tree, self._avals,
                                              self._static, backend.default_device())
        return Compiled(self._wrapped, self._key, entry)


class Compiled:
    """An executable for one signature; call it with arguments of that signature."""

    def __init__(self, wrapped, key, entry):
        self._wrapped, self._key, self._entry = wrapped, key, entry

    def __call__(self, *args, **kwargs):
        key, leaves, _, avals, _ = self._wrapped._prepare(args, kwargs)
        if key != self._key:
            raise TypeError(f"Compiled function {self._wrapped._name} called with arguments "
                            f"{[str(a) for a in avals]}, but it was compiled for "
                            f"{[str(a) for a in self._key[1]]}.")
        for x in leaves:
            if isinstance(x, Tracer):
                raise TypeError(f"Compiled function {self._wrapped._name} cannot be called "
                                "with traced values (under jit, grad, vmap...); call the "
                                "jitted function instead.")
        return self._entry.run(leaves, avals)

    def as_text(self):
        """Returns the optimized HLO text."""
        return self._entry.executable.as_text()

    def cost_analysis(self):
        """Returns XLA's cost estimates (flops, bytes accessed)."""
        return self._entry.executable.cost_analysis()


def jit(fun=None, *, static_argnums=None, static_argnames=None, donate_argnums=None,
        donate_argnames=None, keep_unused=False, device=None, backend=None, inline=False):
    """Returns `fun` compiled with XLA: traced once per signature, then run as one program.

    Usable as `jit(f, ...)` or as a decorator `@jit` / `@partial(jit, static_argnums=...)`.
    The result is a C++ dispatch function (calls with a known signature run without
    Python) with `lower`, `trace`, `eval_shape` and `clear_cache` methods; with static
    arguments it is a thin `JitWrapped` around one, which checks them when C++ cannot.
    """
    if fun is None:
        return functools.partial(jit, static_argnums=static_argnums,
                                 static_argnames=static_argnames, donate_argnums=donate_argnums,
                                 donate_argnames=donate_argnames, keep_unused=keep_unused,
                                 device=device, backend=backend, inline=inline)
    if not callable(fun):
        raise TypeError(f"jit: expected a function, got {type(fun).__name__} {fun!r:.60}")
    if donate_argnames:
        sig = inspect.signature(fun)
        names = list(sig.parameters)
        donate_argnums = _argnums_tuple(donate_argnums) + tuple(
            names.index(n) for n in _argnames_tuple(donate_argnames) if n in names)
    wrapped = JitWrapped(fun, static_argnums, static_argnames, donate_argnums, keep_unused,
                         inline)
    if wrapped._static_argnums or wrapped._static_argnames:
        return wrapped
    return wrapped._cpp


# ---------------------------------------------------------------------------------------------
# make_jaxpr.

def make_jaxpr(fun, static_argnums=(), return_shape=False):
    """Returns a function that, given example arguments, returns the ClosedJaxpr of `fun`
    (and the output shapes when `return_shape`)."""
    static_argnums = _argnums_tuple(static_argnums)

    @functools.wraps(fun)
    def make(*args, **kwargs):
        static = {i: a for i, a in enumerate(args) if i in static_argnums}
        dyn = [a for i, a in enumerate(args) if i not in static_argnums]
        leaves, in_tree = tree_util.tree_flatten((tuple(dyn), kwargs))
        avals = [get_aval(x) for x in leaves]
        out_store = []

        def flat(*tracers):
            dyn_args, dyn_kwargs = tree_util.tree_unflatten(in_tree, tracers)
            it = iter(dyn_args)
            full = [static[i] if i in static else next(it) for i in range(len(args))]
            out_leaves, out_tree = tree_util.tree_flatten(fun(*full, **dyn_kwargs))
            out_store.append(out_tree)
            return out_leaves

        closed = pe.trace_to_jaxpr(flat, avals)
        if return_shape:
            shapes = [ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type)
                      for a in closed.out_avals]
            return closed, tree_util.tree_unflatten(out_store[0], shapes)
        return closed
    return make


class ShapeDtypeStruct:
    """A shape and dtype standing in for an array (e.g. for `eval_shape`)."""

    __slots__ = ("shape", "dtype", "weak_type", "sharding")

    def __init__(self, shape, dtype, weak_type=False, sharding=None):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.weak_type = weak_type
        self.sharding = sharding

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape, dtype=np.int64))

    def __repr__(self):
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name}{weak})"

    def __eq__(self, other):
        return (isinstance(other, ShapeDtypeStruct) and self.shape == other.shape
                and self.dtype == other.dtype and self.weak_type == other.weak_type)

    def __hash__(self):
        return hash((self.shape, self.dtype, self.weak_type))

    @property
    def aval(self):
        return core.ShapedArray(self.shape, self.dtype, self.weak_type)


def eval_shape(fun, *args, **kwargs):
    """Returns the output shapes/dtypes of `fun(*args)` as ShapeDtypeStructs, without running
    it (arguments may be arrays or ShapeDtypeStructs)."""
    leaves, in_tree = tree_util.tree_flatten((args, kwargs))
    avals = [get_aval(x) for x in leaves]
    out_store = []

    def flat(*tracers):
        a, k = tree_util.tree_unflatten(in_tree, tracers)
        out_leaves, out_tree = tree_util.tree_flatten(fun(*a, **k))
        out_store.append(out_tree)
        return out_leaves

    closed = pe.trace_to_jaxpr(flat, avals)
    return tree_util.tree_unflatten(out_store[0], [
        ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type) for a in closed.out_avals])


# ---------------------------------------------------------------------------------------------
# Devices and transfers.

def devices(backend_name=None):
    """Returns the list of devices of the default (or named) backend."""
    return backend.devices(backend_name)


def local_devices(process_index=None, backend=None):
    """Returns the devices attached to this process."""
    return devices(backend)


def device_count(backend_name=None):
    """Returns the number of devices."""
    return len(devices(backend_name))


def local_device_count(backend_name=None):
    """Returns the number of devices attached to this process."""
    return len(devices(backend_name))


def default_backend():
    """Returns the name of the default platform: "cpu", "gpu" or "tpu"."""
    return backend.default_platform()


def process_index():
    """Returns this process's index (0 when single-process)."""
    return 0


def process_count():
    """Returns the number of processes (1 when single-process)."""
    return 1


def device_put(x, device=None):
    """Returns `x` (a pytree of arrays/scalars) as device arrays, on `device` if given."""
    def put(leaf):
        if isinstance(leaf, Tracer):
            return leaf
        if type(leaf) is backend.ArrayImpl:
            if device is None or backend.array_device(leaf) == device:
                return leaf
            return backend.copy_to_device(leaf, device)
        aval = get_aval(leaf)
        return backend.device_put(np.asarray(leaf, aval.dtype), aval, device)
    return tree_util.tree_map(put, x)


def device_get(x):
    """Returns `x` with every device array replaced by a numpy array."""
    def get(leaf):
        if type(leaf) is backend.ArrayImpl:
            return np.asarray(backend.to_numpy(leaf))
        return leaf
    return tree_util.tree_map(get, x)


def block_until_ready(x):
    """Waits for every array in the pytree `x` to be computed; returns `x`."""
    arrays = [leaf for leaf in tree_util.tree_leaves(x) if type(leaf) is backend.ArrayImpl]
    if arrays:
        backend.block_until_ready(arrays)
    return x

