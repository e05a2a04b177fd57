"""Building StableHLO modules from jaxprs with jaxlib's MLIR bindings.

Lowering rules are keyed by primitive *name* (lowering depends only on jaxlike.core, never
on jaxlike.lax) and have the signature `rule(ctx, *operands, **params)`, returning one
`ir.Value` or, for multiple-result primitives, a list. `ctx` (a `RuleContext`) carries the
input and output avals and the module being built.
"""
import threading

import ml_dtypes
import numpy as np
from jaxlib.mlir import ir
from jaxlib.mlir._mlir_libs import _jax_mlir_ext
from jaxlib.mlir.dialects import chlo, func
from jaxlib.mlir.dialects import stablehlo as hlo

from jaxlike.core import ClosedJaxpr, Jaxpr, Literal

__all__ = ["ir", "hlo", "chlo", "func", "rules", "register", "lower_jaxpr", "ir_type",
           "tensor_type", "constant", "RuleContext"]

rules = {}


def register(*names):
    """Decorator registering one lowering rule under the given primitive names."""
    def wrap(rule):
        for name in names:
            rules[name] = rule
        return rule
    return wrap


# ---------------------------------------------------------------------------------------------
# One MLIR context, reused: building a module in a fresh context costs ~0.5 ms, in a reused
# one ~30 us. Large constants never enter it (they are passed as arguments), so it does not
# grow without bound.

_local = threading.local()


def _make_context():
    registry = ir.DialectRegistry()
    _jax_mlir_ext.register_dialects(registry)
    ctx = ir.Context()
    ctx.append_dialect_registry(registry)
    ctx.dialects["func"]  # noqa: B018 -- loads the func dialect so func ops verify
    hlo.register_dialect(ctx)
    chlo.register_dialect(ctx)
    return ctx


def context():
    """Returns this thread's MLIR context."""
    ctx = getattr(_local, "ctx", None)
    if ctx is None:
        ctx = _local.ctx = _make_context()
    return ctx


_SCALAR_TYPES = {
    np.dtype(np.bool_): lambda: ir.IntegerType.get_signless(1),
    np.dtype(np.int8): lambda: ir.IntegerType.get_signless(8),
    np.dtype(np.int16): lambda: ir.IntegerType.get_signless(16),
    np.dtype(np.int32): lambda: ir.IntegerType.get_signless(32),
    np.dtype(np.int64): lambda: ir.IntegerType.get_signless(64),
    np.dtype(np.uint8): lambda: ir.IntegerType.get_unsigned(8),
    np.dtype(np.uint16): lambda: ir.IntegerType.get_unsigned(16),
    np.dtype(np.uint32): lambda: ir.IntegerType.get_unsigned(32),
    np.dtype(np.uint64): lambda: ir.IntegerType.get_unsigned(64),
    np.dtype(np.float16): lambda: ir.F16Type.get(),
    np.dtype(ml_dtypes.bfloat16): lambda: ir.BF16Type.get(),
    np.dtype(np.float32): lambda: ir.F32Type.get(),
    np.dtype(np.float64): lambda: ir.F64Type.get(),
    np.dtype(np.complex64): lambda: ir.ComplexType.get(ir.F32Type.get()),
    np.dtype(np.complex128): lambda: ir.ComplexType.get(ir.F64Type.get()),
}


def ir_type(dtype):
    """Returns the MLIR element type for a numpy dtype (inside a context)."""
    try:
        return _SCALAR_TYPES[np.dtype(dtype)]()
    except KeyError:
        raise TypeError(f"jaxlike cannot lower arrays of dtype {np.dtype(dtype).name}") from None


def tensor_type(aval):
    """Returns the MLIR tensor type of an aval."""
    return ir.RankedTensorType.get(aval.shape, ir_type(aval.dtype))


def constant(value, dtype=None):
    """Returns an ir.Value holding a numpy constant (of `dtype` if given)."""
    value = np.asarray(value, dtype=dtype)
    if value.dtype == np.bool_:
        # DenseElementsAttr packs bools as bits; build i1 from a splat or via uint8.
        elt = ir.IntegerType.get_signless(1)
        if value.size and (value == value.flat[0]).all():
            attr = ir.DenseElementsAttr.get_splat(
                ir.RankedTensorType.get(value.shape, elt),
                ir.BoolAttr.get(bool(value.flat[0])))
        else:
            attr = ir.DenseElementsAttr.get(np.packbits(value, bitorder="little"),
                                            type=elt, shape=value.shape)
        return hlo.ConstantOp(attr).result
    attr = ir.DenseElementsAttr.get(np.ascontiguousarray(value), type=ir_type(value.dtype),
                                    shape=value.shape)
    return hlo.ConstantOp(attr).result


class RuleContext:
    """What a lowering rule may need beyond its operands."""

    __slots__ = ("module", "primitive", "avals_in", "avals_out")

    def __init__(self, module, primitive, avals_in, avals_out):
        self.module = module
        self.primitive = primitive
        self.avals_in = avals_in
        self.avals_out = avals_out


class ModuleContext:
    """State shared by all rules while one module is built (e.g. its symbol table)."""

    __slots__ = ("module", "symbols")

    def __init__(self, module):
        self.module = module
        self.symbols = {}

    def unique_name(self, base):
        count = self.symbols.get(base, 0)
        self.symbols[base] = count + 1
        return base if count == 0 else f"{base}_{count}"


def emit_jaxpr(mctx, jaxpr, consts, args):
    """Emits the equations of `jaxpr` at the current insertion point, with constvars bound to
    `consts` and invars to `args` (ir.Values). Returns the ir.Values of its outputs."""
    env = {}
    for var, value in zip(jaxpr.constvars, consts):
        env[var] = value
    for var, value in zip(jaxpr.invars, args):
        env[var] = value

    def read(atom):
        if isinstance(atom, Literal):
            return constant(atom.val, atom.aval.dtype)
        return env[atom]

    for eqn in jaxpr.eqns:
        name = eqn.primitive.name
        rule = rules.get(name)
        if rule is None:
            raise NotImplementedError(f"no lowering rule for primitive '{name}'")
        ctx = RuleContext(mctx, eqn.primitive, [a.aval for a in eqn.invars],
                          [v.aval for v in eqn.outvars])
        out = rule(ctx, *map(read, eqn.invars), **eqn.params)
        outs = out if eqn.primitive.multiple_results else [out]
        for var, value in zip(eqn.outvars, outs):
            env[var] = value
    return [read(v) for v in jaxpr.outvars]


def lower_jaxpr(jaxpr, name="main", donated=()):
    """Returns the StableHLO text of a module whose `main` takes the jaxpr's constvars then
    its invars as arguments and returns its outvars. `donated` lists argument positions
    whose buffers XLA may reuse for outputs."""
    if isinstance(jaxpr, ClosedJaxpr):
        jaxpr = jaxpr.jaxpr
    with context(), ir.Location.unknown():
        module = ir.Module.create()
        mctx = ModuleContext(module)
        in_avals = [v.aval for v in jaxpr.constvars + jaxpr.invars]
        in_types = [tensor_type(a) for a in in_avals]
        out_types = [tensor_type(v.aval) for v in jaxpr.outvars]
        with ir.InsertionPoint(module.body):
            fn = func.FuncOp(name, ir.FunctionType.get(in_types, out_types))
            fn.attributes["sym_visibility"] = ir.StringAttr.get("public")
            if donated:
                fn.arg_attrs = ir.ArrayAttr.get([
                    ir.DictAttr.get({"jax.buffer_donor": ir.BoolAttr.get(True)} if i in donated
                                    else {}) for i in range(len(in_types))])
            block = fn.add_entry_block()
            with ir.InsertionPoint(block):
                n_consts = len(jaxpr.constvars)
                args = list(block.arguments)
                outs = emit_jaxpr(mctx, jaxpr, args[:n_consts], args[n_consts:])
                func.ReturnOp(outs)
        return str(module)


def lower_subjaxpr_call(mctx, closed_jaxpr, args, name):
    """Emits `closed_jaxpr` inline at the current insertion point (consts become constants)
    and returns its output values; used by call-like primitives such as `jit`."""
    consts = [constant(np.asarray(c)) for c in closed_jaxpr.consts]
    return emit_jaxpr(mctx, closed_jaxpr.jaxpr, consts, args)


__all__ += ["emit_jaxpr", "lower_subjaxpr_call", "ModuleContext", "context"]
_ = Jaxpr  # re-exported type, kept for rules that check params
