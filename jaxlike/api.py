"""The transformation entry points: `jit`, `make_jaxpr`, device placement helpers.

`jit` traces a function once per signature (input tree structure, input avals, static
argument values), lowers the jaxpr to StableHLO, compiles it and caches the executable;
a call with a known signature flattens its arguments, looks the signature up and runs the
executable. Under another transformation a jitted function is staged as one `jit`
equation that carries its jaxpr, so it stays one compiled unit.
"""
import functools
import inspect
import weakref

import numpy as np

from jaxlike import core, tree_util
from jaxlike.config import config
from jaxlike.core import Primitive, Tracer, get_aval
from jaxlike.interpreters import partial_eval as pe
from jaxlike import dispatch
from lowering import backend, mlir

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
    """One compiled signature: the executable, its constant arguments and output tree."""

    __slots__ = ("executable", "consts", "out_tree", "jaxpr", "text")

    def __init__(self, executable, consts, out_tree, jaxpr, text):
        self.executable = executable
        self.consts = consts
        self.out_tree = out_tree
        self.jaxpr = jaxpr
        self.text = text


class JitWrapped:
    """A function wrapped by `jit`: call it like the original; see `lower` for AOT use."""

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
        functools.update_wrapper(self, fun)

    def _resolve_static(self, argnums, argnames):
        # Like JAX, a parameter named static by position is also static by name and back.
        if self._signature is None:
            return argnums, argnames
        params = list(self._signature.parameters.values())
        positional = [p.name for p in params
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        names = set(argnames)
        nums = set(argnums)
        for i in argnums:
            j = i if i >= 0 else len(positional) + i
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

    def _leaf_avals(self, leaves, in_tree):
        avals = []
        for i, x in enumerate(leaves):
            try:
                avals.append(get_aval(x))
            except TypeError:
                raise TypeError(self._bad_argument_message(i, x, in_tree)) from None
        return tuple(avals)

    def _bad_argument_message(self, leaf_index, value, in_tree):
        paths = [tree_util.keystr(p) for p, _ in tree_util.tree_flatten_with_path(
            tree_util.tree_unflatten(in_tree, [0] * in_tree.num_leaves))[0]]
        where = paths[leaf_index] if leaf_index < len(paths) else f"leaf {leaf_index}"
        return (f"jit({self._name}): argument at {where} has type {type(value).__name__} "
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
        closed = pe.trace_to_jaxpr(self._flat_fun(in_tree, static, out_store), avals)
        jaxpr, consts = pe.convert_constvars_to_invars(closed)
        result = (jaxpr, consts, out_store[0])
        if not any(isinstance(c, Tracer) for c in consts):
            self._traces[key] = result
        return result

    def _compile(self, key, in_tree, avals, static):
        jaxpr, consts, out_tree = self._trace(key, in_tree, avals, static)
        consts = [c if type(c) is backend.ArrayImpl else dispatch.to_device(c) for c in consts]
        donated = self._donated_positions(in_tree, len(consts))
        text = mlir.lower_jaxpr(jaxpr, donated=donated)
        exe = backend.compile(text, jaxpr.out_avals)
        entry = _Entry(exe, consts, out_tree, jaxpr, text)
        self._compiled[key] = entry
        return entry

    def _donated_positions(self, in_tree, offset):
        if not self._donate_argnums:
            return ()
        dyn_args_tree = in_tree.children()[0]
        positions, start = [], offset
        for i, sub in enumerate(dyn_args_tree.children()):
            if i in self._donate_argnums:
                positions.extend(range(start, start + sub.num_leaves))
            start += sub.num_leaves
        return tuple(positions)

    def _prepare(self, args, kwargs):
        dyn_args, dyn_kwargs, static = self._split(args, kwargs)
        leaves, in_tree = tree_util.tree_flatten((tuple(dyn_args), dyn_kwargs))
        avals = self._leaf_avals(leaves, in_tree)
        key = (in_tree, avals, static, config.jax_enable_x64)
        return key, leaves, in_tree, avals, static

    def __call__(self, *args, **kwargs):
        if config.jax_disable_jit:
            return self._fun(*args, **kwargs)
        key, leaves, in_tree, avals, static = self._prepare(args, kwargs)
        if core.trace_state.trace is not core.eval_trace:
            return self._call_staged(key, leaves, in_tree, avals, static)
        entry = self._compiled.get(key)
        if entry is None:
            entry = self._compile(key, in_tree, avals, static)
        bufs = [x if type(x) is backend.ArrayImpl else dispatch.to_device(x, a)
                for x, a in zip(leaves, avals)]
        for x in bufs:
            if isinstance(x, Tracer):
                raise core.escaped_tracer_error(x)
        outs = entry.executable(entry.consts + bufs)
        return tree_util.tree_unflatten(entry.out_tree, outs)

    def _call_staged(self, key, leaves, in_tree, avals, static):
        jaxpr, consts, out_tree = self._trace(key, in_tree, avals, static)
        outs = jit_p.bind(*consts, *leaves, jaxpr=jaxpr, name=self._name)
        return tree_util.tree_unflatten(out_tree, outs)

    # -- ahead-of-time ----------------------------------------------------------------------

    def lower(self, *args, **kwargs):
        """Returns a `Lowered` for these arguments: `.as_text()` is its StableHLO."""
        key, leaves, in_tree, avals, static = self._prepare(args, kwargs)
        jaxpr, consts, out_tree = self._trace(key, in_tree, avals, static)
        return Lowered(self, key, in_tree, avals, static,
                       mlir.lower_jaxpr(jaxpr, donated=self._donated_positions(in_tree,
                                                                               len(consts))))

    def trace(self, *args, **kwargs):
        """Returns the traced jaxpr (a ClosedJaxpr) for these arguments."""
        key, leaves, in_tree, avals, static = self._prepare(args, kwargs)
        jaxpr, consts, _ = self._trace(key, in_tree, avals, static)
        return jaxpr

    def clear_cache(self):
        """Drops every traced and compiled signature; returns None."""
        self._traces.clear()
        self._compiled.clear()

    def _cache_size(self):
        return len(self._compiled)

    def __get__(self, obj, objtype=None):
        # Jitted methods bind like functions.
        if obj is None:
            return self
        return functools.partial(self, obj)

    def __repr__(self):
        return f"<jitted function {self._name}>"


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
        entry = self._wrapped._compiled.get(self._key) or self._wrapped._compile(
            self._key, self._in_tree, self._avals, self._static)
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
        bufs = [x if type(x) is backend.ArrayImpl else dispatch.to_device(x, a)
                for x, a in zip(leaves, avals)]
        outs = self._entry.executable(self._entry.consts + bufs)
        return tree_util.tree_unflatten(self._entry.out_tree, outs)

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
    return JitWrapped(fun, static_argnums, static_argnames, donate_argnums, keep_unused, inline)


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


_ = weakref
