"""Writes tests/data/promotion_table.json from the reference JAX.

Run with the reference interpreter (never with jaxlike's venv):

    /work/jax-ref/bin/python tests/data/make_promotion_table.py

The table records, for x64 off and on, what JAX's `result_type` (with the weak
type flag) and `promote_types` return for every pair of operands drawn from:

  * the 15 supported dtypes, as strong dtypes          -> "float32", ...
  * Python scalars (weak, except bool)                  -> "py:int", ...
  * Python types, which JAX treats like their scalars   -> "type:int", ...
  * weakly typed arrays of each dtype                   -> "weak:float16", ...

plus the single-operand results, three-operand results over a subset, and
`jnp.issubdtype` of every dtype against numpy's abstract categories and every
other dtype. Output is deterministic (fixed operand order,
one row per line) so that regenerating it gives no diff unless JAX changed.
"""
import json
import os
import sys
import warnings

import numpy as np

import jax
import jax.numpy as jnp
from jax import dtypes as jdtypes
from jax._src.lax import lax as lax_internal  # only to build weakly typed arrays

DTYPE_NAMES = [
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "bfloat16", "float32", "float64", "complex64", "complex128",
]
PY_SCALARS = {"py:bool": True, "py:int": 1, "py:float": 1.0, "py:complex": 1j}
PY_TYPES = {"type:bool": bool, "type:int": int, "type:float": float, "type:complex": complex}

OPERANDS = (DTYPE_NAMES + list(PY_SCALARS) + list(PY_TYPES)
            + ["weak:" + n for n in DTYPE_NAMES])
# promote_types takes dtypes and Python types only (no values, no weak arrays).
PROMOTE_OPERANDS = DTYPE_NAMES + list(PY_TYPES)
# Three-operand result_type over a subset chosen to mix strong, weak-scalar and
# weak-array operands of every kind (the all-weak rule differs from pairwise).
TRIPLE_OPERANDS = ["bool", "int8", "uint32", "uint64", "float16", "bfloat16",
                   "py:int", "py:float", "py:complex", "weak:uint8", "weak:bool", "weak:int16"]
# issubdtype(dtype, category) for every dtype against these categories.
ISSUBDTYPE_CATEGORIES = ["floating", "integer", "inexact", "complexfloating", "number",
                         "signedinteger", "unsignedinteger", "bool_", "generic"]


def make_operand(spec):
    """Returns the JAX-side object standing for operand name `spec`."""
    if spec in PY_SCALARS:
        return PY_SCALARS[spec]
    if spec in PY_TYPES:
        return PY_TYPES[spec]
    if spec.startswith("weak:"):
        dt = jnp.dtype(spec[len("weak:"):])
        x = lax_internal._convert_element_type(np.zeros((), dt), jdtypes.canonicalize_dtype(dt),
                                               weak_type=True)
        return x
    return jnp.dtype(spec)


def name_of(dt):
    return np.dtype(dt).name


def query(fn):
    """Returns fn()'s result, or ["error", exception class name] if it raised."""
    try:
        return fn()
    except Exception as e:  # the table records which pairs are rejected
        return ["error", type(e).__name__]


def table_for_mode(x64):
    jax.config.update("jax_enable_x64", x64)
    ops = {spec: make_operand(spec) for spec in OPERANDS}

    def rt(*specs):
        def go():
            dt, weak = jdtypes.result_type(*(ops[s] for s in specs), return_weak_type_flag=True)
            return [name_of(dt), bool(weak)]
        return query(go)

    def pt(a, b):
        return query(lambda: name_of(jnp.promote_types(ops[a], ops[b])))

    # The dtype each operand actually has in this mode (weak arrays are
    # canonicalized when created, e.g. weak int64 is int32 with x64 off).
    operand_dtypes = {}
    for spec in OPERANDS:
        if spec.startswith("weak:"):
            operand_dtypes[spec] = [name_of(ops[spec].dtype), bool(ops[spec].weak_type)]
    return {
        "weak_array_dtypes": operand_dtypes,
        "result_type_single": {a: rt(a) for a in OPERANDS},
        "result_type": [[rt(a, b) for b in OPERANDS] for a in OPERANDS],
        "promote_types": [[pt(a, b) for b in PROMOTE_OPERANDS] for a in PROMOTE_OPERANDS],
        # Row for each (a, b) in TRIPLE_OPERANDS x TRIPLE_OPERANDS, a-major; cell per c.
        "result_type_triples": [[rt(a, b, c) for c in TRIPLE_OPERANDS]
                                for a in TRIPLE_OPERANDS for b in TRIPLE_OPERANDS],
    }


def issubdtype_table():
    """Row per dtype: issubdtype against each category, then against each dtype."""
    cats = [getattr(np, c) for c in ISSUBDTYPE_CATEGORIES]
    rows = {}
    for a in DTYPE_NAMES:
        da = jnp.dtype(a)
        rows[a] = ([bool(jnp.issubdtype(da, c)) for c in cats]
                   + [bool(jnp.issubdtype(da, jnp.dtype(b))) for b in DTYPE_NAMES])
    return rows


def dump(table):
    """JSON with dict entries and matrix rows one per line: compact yet diff-friendly."""
    def enc(v):
        return json.dumps(v, separators=(", ", ": "))

    def is_matrix(v):
        return (isinstance(v, list) and v
                and all(isinstance(r, list) and r and isinstance(r[0], list) for r in v))

    def fmt(v, indent):
        pad = " " * (indent + 2)
        if isinstance(v, dict):
            body = ",\n".join(f"{pad}{enc(k)}: {fmt(x, indent + 2)}" for k, x in v.items())
            return "{\n" + body + "\n" + " " * indent + "}"
        if is_matrix(v):
            body = ",\n".join(pad + enc(row) for row in v)
            return "[\n" + body + "\n" + " " * indent + "]"
        return enc(v)

    return fmt(table, 0) + "\n"


def main():
    # JAX warns when a 64-bit dtype is requested with x64 off; that is expected here.
    warnings.simplefilter("ignore")
    table = {
        "generator": "tests/data/make_promotion_table.py",
        "jax_version": jax.__version__,
        "operands": OPERANDS,
        "promote_operands": PROMOTE_OPERANDS,
        "triple_operands": TRIPLE_OPERANDS,
        "issubdtype_categories": ISSUBDTYPE_CATEGORIES,
        "issubdtype": issubdtype_table(),
        "x64_off": table_for_mode(False),
        "x64_on": table_for_mode(True),
    }
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "promotion_table.json")
    text = dump(table)
    json.loads(text)  # sanity: the hand-rolled layout is valid JSON
    with open(out, "w") as f:
        f.write(text)
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
