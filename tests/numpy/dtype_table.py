"""Checks jnp functions' result dtypes and weak types against tables recorded from JAX 0.10.2.

A table row is one string per function: one entry per input case ("column"), each the
result's short dtype name ("f32", "i8", "bf16", "c64", "b" for bool) with "*" when weakly
typed, several comma-separated for tuple results, or "TE" / "VE" / "NI" when JAX raised
TypeError / ValueError / NotImplementedError. The reference was produced by running each case
in JAX on concrete arrays (`jnp.ones(shape, dtype)`) and Python scalars.

Here each case is traced with make_jaxpr (array operands as arguments, Python scalars as
constants), so checking thousands of cases compiles nothing.
"""
import warnings

import numpy as np

import jaxlike as jax

DTYPES = ["bool", "int8", "uint8", "int16", "int32", "uint32", "float16", "bfloat16",
          "float32", "complex64"]
SCALARS = [True, 2, 2.0, 2j]

_SHORT = {"bool": "b", "int8": "i8", "uint8": "u8", "int16": "i16", "int32": "i32",
          "uint32": "u32", "int64": "i64", "uint64": "u64", "float16": "f16",
          "bfloat16": "bf16", "float32": "f32", "float64": "f64", "complex64": "c64",
          "complex128": "c128"}
_ERRORS = ((NotImplementedError, "NI"), (TypeError, "TE"), (ValueError, "VE"))


def operand(spec, shape):
    """Returns the operand a column names: a dtype name gives a (traced) array of `shape`;
    anything else is a Python scalar."""
    if isinstance(spec, str):
        return np.ones(shape, np.dtype(spec))
    return spec


def describe(fun, operands):
    """Returns the table entry for fun(*operands), found by tracing."""
    arrays = [x for x in operands if isinstance(x, np.ndarray)]

    def traced(*tracers):
        it = iter(tracers)
        return fun(*(next(it) if isinstance(x, np.ndarray) else x for x in operands))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            closed = jax.make_jaxpr(traced)(*arrays)
    except Exception as e:  # noqa: BLE001 -- the table records which error it was
        for cls, code in _ERRORS:
            if isinstance(e, cls):
                return code
        raise
    return ",".join(_SHORT[a.dtype.name] + ("*" if a.weak_type else "")
                    for a in closed.out_avals)


def check_row(fun, columns, row, shape):
    """Asserts that fun gives, for each column (a tuple of operand specs), the entry of
    `row`; the failure message lists every mismatching column."""
    expected = row.split()
    assert len(expected) == len(columns), "table row and columns disagree"
    got = [describe(fun, [operand(s, shape) for s in col]) for col in columns]
    bad = [f"{col}: got {g}, JAX gives {e}" for col, g, e in zip(columns, got, expected)
           if g != e]
    assert not bad, "\n".join(bad)
