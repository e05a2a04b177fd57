"""Generate tests/data/print_reference.json from a real JAX installation.

Run with the reference JAX environment (never with jaxlike's):

    /work/jax-ref/bin/python tests/data/make_print_reference.py

For every case it records the dtype name, the weak_type flag, the shape, the
exact host bytes (hex, C order), the numpy print options in force, and what
JAX prints for repr(x), str(x) and format(x, spec) for a few specs.
tests/test_printing.py rebuilds the host value and compares jaxlike's
printing helpers against these strings.
"""

import json
import os
import sys

import numpy as np

import jax
import jax.numpy as jnp
from jax import lax

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "print_reference.json")

FLOAT_SPECS = ["", ".3f", "e", ".2e", "+.1f", ">12", "g", ".10g", "%"]
INT_SPECS = ["", "d", "05d", "x", "+d", ">6", ".2f"]
BOOL_SPECS = ["", "d", ">7"]
COMPLEX_SPECS = ["", ".2f", "e", ">30"]
ARRAY_SPECS = ["", ".3f"]


def _specs_for(x):
    if x.ndim:
        return ARRAY_SPECS
    kind = np.dtype(x.dtype).kind
    if kind == "b":
        return BOOL_SPECS
    if kind in "iu":
        return INT_SPECS
    if kind == "c":
        return COMPLEX_SPECS
    return FLOAT_SPECS


def _try(fn):
    try:
        return {"ok": fn()}
    except Exception as e:  # recorded: jaxlike must raise the same type
        return {"error": type(e).__name__}


class Recorder:
    def __init__(self):
        self.records = []
        self.names = set()

    def add(self, name, x, **printopts):
        assert isinstance(x, jax.Array), name
        assert name not in self.names, name
        self.names.add(name)
        host = np.asarray(x)
        with np.printoptions(**printopts):
            rec = {
                "name": name,
                "x64": bool(jax.config.jax_enable_x64),
                "dtype": x.dtype.name,
                "weak_type": bool(x.aval.weak_type),
                "shape": list(x.shape),
                "hex": np.ascontiguousarray(host).tobytes().hex(),
                "printoptions": printopts,
                "repr": repr(x),
                "str": str(x),
                "format": [[spec, _try(lambda spec=spec: format(x, spec))]
                           for spec in _specs_for(x)],
            }
        self.records.append(rec)


def weak(x, shape=()):
    """A weakly typed array of the given shape built from a Python scalar."""
    a = jnp.asarray(x)
    assert a.aval.weak_type
    if shape:
        a = lax.broadcast(a, shape)
        assert a.aval.weak_type
    return a


def common_cases(r, rng, tag):
    """Cases that exist with x64 both off and on."""
    f = jnp.float32
    v = jnp.asarray([1.0, 2.0], f)
    r.add(f"{tag}/normalized", v / jnp.linalg.norm(v))
    r.add(f"{tag}/weak_float_scalar", weak(4.0))
    r.add(f"{tag}/weak_int_scalar", weak(3))
    r.add(f"{tag}/weak_neg_int_scalar", weak(-7))
    r.add(f"{tag}/weak_complex_scalar", weak(1 + 2j))
    r.add(f"{tag}/weak_float_vector", weak(1.0, (3,)))
    r.add(f"{tag}/weak_int_matrix", weak(2, (2, 3)))
    r.add(f"{tag}/ones_2x2", jnp.ones((2, 2), f))
    r.add(f"{tag}/arange_int", jnp.arange(3))
    r.add(f"{tag}/arange_float", jnp.arange(5.0))
    r.add(f"{tag}/big_weak_float", weak(123456.789))


def x64_off_cases(r, rng):
    tag = "x32"
    common_cases(r, rng, tag)
    f32 = jnp.float32

    # --- booleans -----------------------------------------------------------
    r.add("bool_true", jnp.asarray(True))
    r.add("bool_false", jnp.asarray(False))
    r.add("bool_vec", jnp.asarray([True, False, True]))
    r.add("bool_mat", jnp.asarray(rng.random((3, 4)) > 0.5))
    r.add("bool_large", jnp.asarray(rng.random(1200) > 0.5))

    # --- integers -----------------------------------------------------------
    for dt in ["int8", "int16", "int32", "uint8", "uint16", "uint32"]:
        info = np.iinfo(dt)
        r.add(f"{dt}_extremes", jnp.asarray([info.min, 0, 1, info.max], dt))
        r.add(f"{dt}_scalar", jnp.asarray(info.max, dt))
    r.add("int32_neg_scalar", jnp.asarray(-5, jnp.int32))
    r.add("int32_matrix", jnp.asarray(rng.integers(-1000, 1000, (4, 5)), jnp.int32))
    r.add("int32_3d", jnp.arange(24, dtype=jnp.int32).reshape(2, 3, 4))
    r.add("int32_large", jnp.arange(1500, dtype=jnp.int32))
    r.add("uint8_image", jnp.asarray(rng.integers(0, 256, (3, 8)), jnp.uint8))
    r.add("int4_vec", jnp.asarray([-8, -1, 0, 7], jnp.int4))
    r.add("uint4_vec", jnp.asarray([0, 5, 15], jnp.uint4))

    # --- float32 ------------------------------------------------------------
    r.add("f32_scalar", jnp.asarray(4.0, f32))
    r.add("f32_scalar_frac", jnp.asarray(0.1, f32))
    r.add("f32_scalar_tiny", jnp.asarray(1e-8, f32))
    r.add("f32_scalar_huge", jnp.asarray(1e8, f32))
    r.add("f32_scalar_1e16", jnp.asarray(1e16, f32))
    r.add("f32_scalar_123456", jnp.asarray(123456.789, f32))
    r.add("f32_scalar_nan", jnp.asarray(np.nan, f32))
    r.add("f32_scalar_inf", jnp.asarray(-np.inf, f32))
    r.add("f32_scalar_negzero", jnp.asarray(-0.0, f32))
    r.add("f32_tenths", jnp.asarray([0.1, 0.2, 0.3], f32))
    r.add("f32_tiny_and_one", jnp.asarray([1e-8, 1.0], f32))
    r.add("f32_huge_and_one", jnp.asarray([1e8, 1.0], f32))
    r.add("f32_mixed_scales", jnp.asarray([123456.789, 0.1, 1e-8, 1e8], f32))
    r.add("f32_special", jnp.asarray([np.nan, np.inf, -np.inf, -0.0, 0.0, 1.5], f32))
    r.add("f32_negzero_vec", jnp.asarray([-0.0, 0.0], f32))
    r.add("f32_ints", jnp.asarray([1.0, 20.0, 300.0], f32))
    r.add("f32_negative", jnp.asarray([-1.5, 2.25, -3.125], f32))
    r.add("f32_random_5x7", jnp.asarray(rng.standard_normal((5, 7)), f32))
    r.add("f32_random_3x20", jnp.asarray(rng.standard_normal((3, 20)), f32))
    r.add("f32_3d", jnp.arange(24, dtype=f32).reshape(2, 3, 4) / 7)
    r.add("f32_3d_random", jnp.asarray(rng.standard_normal((2, 2, 3)) * 1e3, f32))
    r.add("f32_arange30", jnp.arange(30.0, dtype=f32))
    r.add("f32_large_1d", jnp.arange(2000.0, dtype=f32))
    r.add("f32_large_random", jnp.asarray(rng.standard_normal(1001), f32))
    r.add("f32_large_2d", jnp.asarray(rng.standard_normal((40, 40)), f32))
    r.add("f32_large_3d", jnp.asarray(rng.standard_normal((12, 10, 10)), f32))
    r.add("f32_exp_notation", jnp.asarray(rng.standard_normal(6) * 1e-5, f32))
    r.add("f32_single", jnp.asarray([2.5], f32))
    r.add("f32_column", jnp.asarray([[1.0], [2.0], [3.0]], f32))

    # --- float16 / bfloat16 / float8 ----------------------------------------
    r.add("f16_vec", jnp.asarray(rng.standard_normal(5), jnp.float16))
    r.add("f16_scalar", jnp.asarray(0.1, jnp.float16))
    r.add("f16_special", jnp.asarray([np.nan, np.inf, -0.0, 65504.0], jnp.float16))
    r.add("bf16_vec", jnp.asarray(rng.standard_normal(5), jnp.bfloat16))
    r.add("bf16_ints", jnp.asarray([1, 2], jnp.bfloat16))
    r.add("bf16_scalar", jnp.asarray(1.2345, jnp.bfloat16))
    r.add("bf16_scalar_int", jnp.asarray(3.0, jnp.bfloat16))
    r.add("bf16_special", jnp.asarray([np.nan, -np.inf, -0.0, 1e30], jnp.bfloat16))
    r.add("bf16_matrix", jnp.asarray(rng.standard_normal((3, 4)), jnp.bfloat16))
    r.add("bf16_large", jnp.asarray(rng.standard_normal(1100), jnp.bfloat16))
    r.add("f8e4m3fn_vec", jnp.asarray([0.5, 1.0, -2.0, 448.0], jnp.float8_e4m3fn))
    r.add("f8e5m2_vec", jnp.asarray([0.25, 3.0, -np.inf], jnp.float8_e5m2))

    # --- complex64 ----------------------------------------------------------
    r.add("c64_vec", jnp.asarray([1 + 2j, -0.5j, 3.25], jnp.complex64))
    r.add("c64_scalar", jnp.asarray(1.5 - 2j, jnp.complex64))
    r.add("c64_special", jnp.asarray([complex(np.nan, 1), complex(np.inf, -np.inf), -0.0j],
                                     jnp.complex64))
    r.add("c64_matrix", jnp.asarray(rng.standard_normal((3, 3))
                                    + 1j * rng.standard_normal((3, 3)), jnp.complex64))
    r.add("c64_large", jnp.asarray(rng.standard_normal(1200)
                                   + 1j * rng.standard_normal(1200), jnp.complex64))

    # --- empty arrays -------------------------------------------------------
    r.add("empty_f32", jnp.zeros((0,), f32))
    r.add("empty_2d", jnp.zeros((2, 0), f32))
    r.add("empty_3d_int", jnp.zeros((0, 3, 2), jnp.int32))
    r.add("empty_bool", jnp.zeros((0,), bool))
    r.add("empty_bf16", jnp.zeros((4, 0), jnp.bfloat16))
    r.add("empty_weak", weak(1.0, (0,)))

    # --- non-default print options ------------------------------------------
    rnd = jnp.asarray(rng.standard_normal((4, 6)), f32)
    r.add("opt_precision3", rnd, precision=3)
    r.add("opt_precision3_scalar", jnp.asarray(np.pi, f32), precision=3)
    r.add("opt_suppress", jnp.asarray([1e-8, 1.0, 123.0], f32), suppress=True)
    r.add("opt_threshold10", jnp.arange(20.0, dtype=f32), threshold=10)
    r.add("opt_threshold10_edge1", jnp.arange(20, dtype=jnp.int32), threshold=10, edgeitems=1)
    r.add("opt_linewidth40", rnd, linewidth=40)
    r.add("opt_linewidth30_arange12", jnp.arange(12.0, dtype=f32), linewidth=30)
    r.add("opt_linewidth30_arange5", jnp.arange(5.0, dtype=f32) + 100, linewidth=30)
    r.add("opt_linewidth200", jnp.asarray(rng.standard_normal((3, 15)), f32), linewidth=200)
    r.add("opt_sign_plus", jnp.asarray([1.0, -2.0, 0.5], f32), sign="+")
    r.add("opt_sign_space", jnp.asarray([1.0, 2.0], f32), sign=" ")
    r.add("opt_floatmode_fixed", jnp.asarray([0.5, 1.25], f32), floatmode="fixed", precision=4)
    r.add("opt_floatmode_unique", jnp.asarray([0.1, 1 / 3], f32), floatmode="unique")
    r.add("opt_nanstr", jnp.asarray([np.nan, np.inf, 1.0], f32), nanstr="NaN", infstr="Inf")
    r.add("opt_legacy_113", jnp.asarray([0.5, 1.0], f32), legacy="1.13")
    r.add("opt_legacy_113_scalar", jnp.asarray(0.5, f32), legacy="1.13")
    r.add("opt_legacy_125_scalar", jnp.asarray(0.5, f32), legacy="1.25")
    r.add("opt_legacy_125_vec", jnp.asarray([0.5, 1.0], f32), legacy="1.25")

    # Sweep around the point where the dtype field no longer fits on the last
    # line (exercises the padding quirk).
    for n in range(1, 13):
        r.add(f"sweep_lw40_n{n}", jnp.arange(float(n), dtype=f32), linewidth=40)
    for n in range(1, 9):
        r.add(f"sweep_lw40_weak_n{n}", weak(7.0, (n,)) * 1.0, linewidth=40)
    for lw in (20, 25, 30, 35):
        r.add(f"sweep_2d_lw{lw}", jnp.arange(9, dtype=jnp.int32).reshape(3, 3) * 1000,
              linewidth=lw)


def x64_on_cases(r, rng):
    tag = "x64"
    common_cases(r, rng, tag)
    f64 = jnp.float64
    for dt in ["int64", "uint64"]:
        info = np.iinfo(dt)
        r.add(f"{dt}_extremes", jnp.asarray(np.array([info.min, 0, 1, info.max], dt)))
        r.add(f"{dt}_scalar", jnp.asarray(np.array(info.max, dt)))
    r.add("int64_range", jnp.arange(10, dtype=jnp.int64) * 10**12)
    r.add("int64_large", jnp.arange(1200, dtype=jnp.int64))
    r.add("f64_scalar", jnp.asarray(4.0, f64))
    r.add("f64_scalar_123456", jnp.asarray(123456.789, f64))
    r.add("f64_scalar_tiny", jnp.asarray(1e-8, f64))
    r.add("f64_pi", jnp.asarray(np.pi, f64))
    r.add("f64_tenths", jnp.asarray([0.1, 0.2, 0.3], f64))
    r.add("f64_mixed", jnp.asarray([123456.789, 0.1, 1e-8, 1e8], f64))
    r.add("f64_special", jnp.asarray([np.nan, np.inf, -np.inf, -0.0], f64))
    r.add("f64_random", jnp.asarray(rng.standard_normal((3, 5)), f64))
    r.add("f64_3d", jnp.asarray(rng.standard_normal((2, 3, 2)), f64))
    r.add("f64_large", jnp.asarray(rng.standard_normal(1500), f64))
    r.add("f64_normalized", jnp.asarray([1.0, 2.0], f64) / jnp.sqrt(5.0))
    r.add("f32_in_x64", jnp.asarray([0.1, 0.2], jnp.float32))
    r.add("int32_in_x64", jnp.arange(3, dtype=jnp.int32))
    r.add("c128_vec", jnp.asarray([1 + 2j, np.pi - 1e-9j], jnp.complex128))
    r.add("c128_scalar", jnp.asarray(0.1 + 0.2j, jnp.complex128))
    r.add("c128_matrix", jnp.asarray(rng.standard_normal((2, 3))
                                     + 1j * rng.standard_normal((2, 3)), jnp.complex128))
    r.add("empty_f64", jnp.zeros((0, 2), f64))
    r.add("opt_f64_precision4", jnp.asarray(rng.standard_normal(5), f64), precision=4)


def main():
    rng = np.random.default_rng(20240607)
    r = Recorder()
    jax.config.update("jax_enable_x64", False)
    x64_off_cases(r, rng)
    jax.config.update("jax_enable_x64", True)
    x64_on_cases(r, rng)
    jax.config.update("jax_enable_x64", False)
    data = {
        "generator": "tests/data/make_print_reference.py",
        "jax_version": jax.__version__,
        "numpy_version": np.__version__,
        "cases": r.records,
    }
    with open(OUT, "w") as fh:
        json.dump(data, fh, indent=1)
        fh.write("\n")
    print(f"wrote {len(r.records)} cases to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
