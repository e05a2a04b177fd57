"""Vectorization (`vmap`): a trace whose tracers carry a batched value and the position of
its batch dimension (`not_mapped` when the value is the same for every example).

A batching rule turns one primitive on batched operands into one primitive (or a few) on
the whole batch: `vmap(f)` has as many equations as `f`, never one per example. Rules move
batch dimensions only when they must.
"""
from jaxlike import core
from jaxlike.core import Trace, Tracer, get_aval, set_current_trace

not_mapped = None

# prim -> rule(vals, dims, **params) -> (out, out_dim) (lists for multiple results)
primitive_batchers = {}
# prim -> rule(axis_data, vals, dims, **params): for rules that need the axis size or name
# (collectives, and primitives whose rule must create new arrays of the batch size).
axis_primitive_batchers = {}


class AxisData:
    """What a batching rule may need to know about the vmapped axis."""

    __slots__ = ("size", "name")

    def __init__(self, size, name):
        self.size = size
        self.name = name


# ---------------------------------------------------------------------------------------------
# Moving batch dimensions.

def moveaxis(x, src, dst):
    """Returns `x` with axis `src` moved to position `dst` (a lax.transpose, or x itself)."""
    from jaxlike import lax
    ndim = len(get_aval(x).shape)
    src, dst = src % ndim, dst % ndim
    if src == dst:
        return x
    perm = [i for i in range(ndim) if i != src]
    perm.insert(dst, src)
    return lax.transpose(x, tuple(perm))


def broadcast_batched(x, size, dim):
    """Returns unbatched `x` broadcast to have a batch axis of `size` at `dim`."""
    from jaxlike import lax
    shape = list(get_aval(x).shape)
    shape.insert(dim, size)
    kept = tuple(i for i in range(len(shape)) if i != dim)
    return lax.broadcast_in_dim(x, tuple(shape), kept)


def move_to(x, dim, size, dst):
    """Returns `x` (batched at `dim`, or `not_mapped`) with its batch axis at `dst`."""
    if dim is not_mapped:
        return broadcast_batched(x, size, dst)
    return moveaxis(x, dim, dst)


def bdim_at_front(x, dim, size):
    """Returns `x` with its batch axis first (broadcasting an unbatched value)."""
    return move_to(x, dim, size, 0)


# ---------------------------------------------------------------------------------------------
# Generic rules.

def vectorized_batcher(prim):
    """Registers the rule of a unary elementwise primitive: the batch dim stays put."""
    def rule(vals, dims, **params):
        return prim.bind(*vals, **params), dims[0]
    primitive_batchers[prim] = rule
    return rule


def broadcast_batcher(prim):
    """Registers the rule of an n-ary elementwise primitive (operands of equal shape, or rank
    0, or size 1 along an axis). Keeps the batch dim when every operand is batched alike."""
    def rule(vals, dims, **params):
        out_dim, operands = elementwise_operands(vals, dims)
        return prim.bind(*operands, **params), out_dim
    primitive_batchers[prim] = rule
    return rule


def elementwise_operands(vals, dims):
    """Returns (batch dim of the result, operands aligned for an elementwise primitive)."""
    avals = [get_aval(v) for v in vals]
    ranks = {a.ndim for a, d in zip(avals, dims) if d is not not_mapped}
    mapped_dims = {d for d in dims if d is not not_mapped}
    if (len(mapped_dims) == 1 and len(ranks) == 1 and
            all(d is not not_mapped or a.ndim == 0 for a, d in zip(avals, dims))):
        return mapped_dims.pop(), list(vals)
    # General case: batch axis first; unbatched operands get a size-1 axis (lax elementwise
    # ops broadcast size-1 axes), rank-0 unbatched operands are left alone.
    out_rank = max((a.ndim - (d is not not_mapped) for a, d in zip(avals, dims)), default=0)
    operands = []
    for v, a, d in zip(vals, avals, dims):
        if d is not_mapped:
            operands.append(v if a.ndim == 0 else _expand(v, (1,) + a.shape))
        else:
            v = moveaxis(v, d, 0)
            rank = a.ndim - 1
            if rank < out_rank:
                v = _expand(v, (a.shape[d],) + (1,) * (out_rank - rank) + _without(a.shape, d))
            operands.append(v)
    return 0, operands


def _without(shape, dim):
    return tuple(s for i, s in enumerate(shape) if i != dim)


def _expand(x, shape):
    from jaxlike import lax
    return lax.reshape(x, tuple(shape))


# ---------------------------------------------------------------------------------------------
# The batch trace.

class BatchTracer(Tracer):
    """A batched value: `val` has the batch axis at `batch_dim`."""

    __slots__ = ("val", "batch_dim")

    def __init__(self, trace, val, batch_dim):
        self._trace = trace
        self.val = val
        self.batch_dim = batch_dim

    @property
    def aval(self):
        aval = get_aval(self.val)
        if self.batch_dim is not_mapped:
            return aval
        return aval.update(shape=_without(aval.shape, self.batch_dim))


class BatchTrace(Trace):
    """Processes primitives on batched values with the registered batching rules."""

    __slots__ = ("axis_data",)

    def __init__(self, parent, axis_data):
        super().__init__(parent)
        self.axis_data = axis_data

    def lift(self, x):
        """Returns (value, batch dim) of `x`; values foreign to this trace are unbatched."""
        if isinstance(x, BatchTracer) and x._trace is self:
            return x.val, x.batch_dim
        if isinstance(x, Tracer) and not x._trace.is_alive:
            raise core.escaped_tracer_error(x)
        return x, not_mapped

    def process_primitive(self, prim, args, params):
        vals, dims = [], []
        for x in args:
            v, d = self.lift(x)
            vals.append(v)
            dims.append(d)
        axis_rule = axis_primitive_batchers.get(prim)
        if all(d is not_mapped for d in dims) and not (
                axis_rule is not None and self.axis_data.name in _axis_names(params)):
            with set_current_trace(self.parent):
                return prim.bind(*vals, **params)
        with set_current_trace(self.parent):
            if axis_rule is not None:
                out, out_dim = axis_rule(self.axis_data, vals, dims, **params)
            else:
                rule = primitive_batchers.get(prim)
                if rule is None:
                    raise NotImplementedError(f"Batching rule for '{prim.name}' not implemented")
                out, out_dim = rule(vals, dims, **params)
        if prim.multiple_results:
            return [self.wrap(o, d) for o, d in zip(out, out_dim)]
        return self.wrap(out, out_dim)

    def wrap(self, val, dim):
        """Returns the value handed back to user code for a batched pair."""
        if dim is not_mapped:
            return val
        return BatchTracer(self, val, dim)


def _axis_names(params):
    names = params.get("axes", params.get("axis_name", ()))
    return names if isinstance(names, tuple) else (names,)


def find_axis(name):
    """Returns the AxisData of the enclosing vmap named `name`, or raises NameError."""
    trace = core.current_trace()
    while trace is not None:
        if isinstance(trace, BatchTrace) and trace.axis_data.name == name:
            return trace.axis_data
        trace = trace.parent
    raise NameError(f"unbound axis name: {name}. Collectives such as psum and axis_index "
                    "need an enclosing vmap (or shard_map/pmap) that names this axis with "
                    f"axis_name={name!r}.")


def batch_flat(fun, vals, dims, axis_size, axis_name=None, origin=None):
    """Runs `fun(*args) -> list` on batched inputs; returns (output values, output dims)."""
    trace = BatchTrace(core.current_trace(), AxisData(axis_size, axis_name))
    trace.origin = origin
    try:
        with set_current_trace(trace):
            outs = fun(*[trace.wrap(v, d) for v, d in zip(vals, dims)])
        pairs = [trace.lift(o) for o in outs]
    finally:
        trace.invalidate()
    return [v for v, _ in pairs], [d for _, d in pairs]


def batch_jaxpr(closed, axis_size, in_dims, axis_name=None, out_dims_dst=0,
                force_out_batched=True):
    """Returns (jaxpr computing `closed` on batched inputs whose batch axes are at `in_dims`,
    with consts made leading inputs; those consts; the output batch dims). Batched outputs
    have their batch axis at `out_dims_dst`; with `force_out_batched` every output is
    batched, otherwise outputs that do not depend on a batched input stay unbatched."""
    from jaxlike.interpreters import partial_eval as pe
    in_avals = []
    for aval, d in zip(closed.in_avals, in_dims):
        if d is not_mapped:
            in_avals.append(aval)
        else:
            shape = list(aval.shape)
            shape.insert(d, axis_size)
            in_avals.append(aval.update(shape=tuple(shape)))
    out_dims = []

    def batched(*args):
        outs, dims = batch_flat(
            lambda *xs: core.eval_jaxpr(closed.jaxpr, closed.consts, *xs), args, in_dims,
            axis_size, axis_name)
        out_dims[:] = [out_dims_dst if force_out_batched or d is not not_mapped else not_mapped
                       for d in dims]
        return [o if dst is not_mapped else move_to(o, d, axis_size, dst)
                for o, d, dst in zip(outs, dims, out_dims)]

    traced = pe.trace_to_jaxpr(batched, in_avals)
    jaxpr, consts = pe.convert_constvars_to_invars(traced)
    return jaxpr, consts, list(out_dims)
