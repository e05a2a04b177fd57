"""Generate tests/data/random_reference.json: known-answer vectors for jaxlike.random.

Run with the reference JAX environment (never with jaxlike's):

    /work/jax-ref/bin/python tests/data/make_random_reference.py

Every case names a jax.random function and its keyword arguments (the key excepted); for
each seed in SEEDS it records the exact result of JAX 0.10.2 in its default configuration
(jax_threefry_partitionable on) for the key `jax.random.key(seed)`: dtype, shape and the
bit patterns of the elements (floats as their unsigned-integer views, key arrays as their
uint32 key data). Cases in X64_CASES run with jax_enable_x64 on. tests/test_random.py
replays every case with jaxlike eagerly, and the cases marked "transforms" also under jit
and under vmap over the four keys (whose results are recorded too: "jit_results",
"vmap_result"). The output is deterministic (sorted keys, fixed order).
"""
import json
import os

import numpy as np

import jax
import jax.numpy as jnp
from jax import random

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "random_reference.json")
SEEDS = [0, 1, 42, 2 ** 31 - 1]
# Seeds for key(seed) / PRNGKey(seed) alone (including ones that wrap or need 64 bits).
SEED_VALUES = [0, 1, 42, 2 ** 31 - 1, -1, -2 ** 31, 2 ** 31, 2 ** 32 + 5, 2 ** 40 + 3]


def arr(values, dtype):
    """An array argument, as stored in the JSON."""
    return {"array": values, "dtype": dtype}


def case(fn, transforms=False, **kwargs):
    return {"fn": fn, "kwargs": kwargs, "transforms": transforms}


SHAPES = [[], [3], [2, 3]]
FLOATS = ["float32", "float16", "bfloat16"]


def _float_family(fn, shapes=SHAPES, **extra):
    """The shapes in float32 ((2, 3) also under jit and vmap), and (2, 3) in float16 and
    bfloat16."""
    cases = [case(fn, transforms=(shape == [2, 3]), shape=shape, dtype="float32", **extra)
             for shape in shapes]
    cases += [case(fn, shape=[2, 3], dtype=dtype, **extra) for dtype in FLOATS[1:]]
    return cases


SPD = [[2.0, 0.5, 0.1], [0.5, 1.5, 0.3], [0.1, 0.3, 1.0]]
P5 = [0.1, 0.2, 0.3, 0.15, 0.25]
LOGITS = [[-1.0, 0.5, 0.2, 1.5], [0.3, -0.7, 2.0, 0.0]]

CASES = [
    case("split", transforms=True, num=2),
    case("split", num=3),
    case("split", num=[2, 3]),
    case("fold_in", transforms=True, data=7),
    case("fold_in", data=0),
    case("fold_in", data=2 ** 31 - 1),
    case("bits", transforms=True, shape=[2, 3]),
    case("bits", shape=[]),
    case("bits", shape=[3]),
    case("bits", shape=[2, 3], dtype="uint8"),
    case("bits", shape=[2, 3], dtype="uint16"),
    *_float_family("uniform"),
    case("uniform", shape=[2, 3], dtype="float32", minval=-2.0, maxval=arr([1.0, 2.0, 3.0],
                                                                          "float32")),
    case("uniform", shape=[3], dtype="float16", minval=0.5, maxval=3.0),
    *_float_family("normal"),
    case("normal", shape=[3], dtype="complex64"),
    case("truncated_normal", transforms=True, lower=-1.0, upper=2.0, shape=[2, 3]),
    case("truncated_normal", lower=-1.0, upper=2.0, shape=[3]),
    case("truncated_normal", lower=0.5, upper=1.0, shape=[2, 3], dtype="float16"),
    case("truncated_normal", lower=-3.0, upper=-2.0, shape=[2, 3], dtype="bfloat16"),
    case("truncated_normal", lower=arr([-1.0, 0.0, 1.0], "float32"), upper=2.5),
    case("bernoulli", transforms=True, p=0.3, shape=[2, 3]),
    case("bernoulli", p=arr([0.1, 0.5, 0.9], "float32"), shape=[2, 3]),
    case("bernoulli", p=arr([0.2, 0.7, 0.5], "float16")),
    case("bernoulli", p=0.4, shape=[3], mode="high"),
    *_float_family("gumbel", shapes=[[], [2, 3]]),
    case("gumbel", shape=[3], mode="high"),
    *_float_family("exponential", shapes=[[2, 3]]),
    *_float_family("laplace", shapes=[[3], [2, 3]]),
    case("categorical", transforms=True, logits=arr(LOGITS, "float32")),
    case("categorical", logits=arr(LOGITS, "float32"), shape=[3, 2]),
    case("categorical", logits=arr(LOGITS, "float32"), axis=0),
    case("categorical", logits=arr(LOGITS, "float16"), shape=[5, 2]),
    case("categorical", logits=arr(LOGITS, "float32"), shape=[3, 2], replace=False),
    case("categorical", logits=arr([0.1, 0.2, 0.3], "float32"), shape=[2], mode="high"),
    case("randint", transforms=True, shape=[2, 3], minval=0, maxval=10),
    case("randint", shape=[], minval=-5, maxval=5),
    case("randint", shape=[3], minval=-100, maxval=2 ** 31 - 1),
    case("randint", shape=[2, 3], minval=0, maxval=300, dtype="uint8"),
    case("randint", shape=[2, 3], minval=-5, maxval=3, dtype="int8"),
    case("randint", shape=[2, 3], minval=arr([0, 10, 20], "int32"), maxval=30, dtype="int16"),
    case("randint", shape=[3], minval=5, maxval=2),
    case("permutation", transforms=True, x=10),
    case("permutation", x=arr([1.5, -2.0, 3.25, 0.0, 7.0], "float32")),
    case("permutation", x=arr([[1, 2, 3], [4, 5, 6]], "int32"), axis=1),
    case("permutation", x=arr([[1, 2, 3], [4, 5, 6]], "int32"), independent=True),
    case("permutation", x=arr([[1, 2, 3], [4, 5, 6]], "int32"), axis=1, independent=True),
    case("choice", transforms=True, a=5, shape=[3]),
    case("choice", a=5, shape=[2, 2], replace=False),
    case("choice", a=5, shape=[3], p=arr(P5, "float32")),
    case("choice", a=5, shape=[3], replace=False, p=arr(P5, "float32")),
    case("choice", a=arr([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "float32"), shape=[2],
         replace=False, axis=1),
    case("choice", a=arr([10, 20, 30, 40], "int32"), shape=[3]),
    case("multivariate_normal", transforms=True, mean=arr([0.0, 1.0, -1.0], "float32"),
         cov=arr(SPD, "float32"), shape=[2]),
    case("multivariate_normal", mean=arr([[0.0, 1.0, -1.0], [2.0, 0.0, 1.0]], "float32"),
         cov=arr(SPD, "float32"), method="eigh"),
    case("orthogonal", n=3),
    case("orthogonal", n=3, shape=[2], m=2),
    case("gamma", transforms=True, a=arr([0.3, 1.0, 2.5], "float32"), shape=[2, 3]),
    case("gamma", a=0.5, shape=[3]),
    case("beta", a=arr([0.5, 1.0, 5.0], "float16"), b=0.7, dtype="float16"),
    case("gamma", a=arr([0.3, 1.0, 2.5], "float32"), dtype="float16"),
    case("gamma", a=arr([0.3, 1.0, 2.5], "float32"), dtype="bfloat16"),
    case("loggamma", a=arr([0.01, 0.5, 4.0], "float32"), shape=[2, 3]),
    case("beta", transforms=True, a=2.0, b=3.0, shape=[2, 3]),
    case("dirichlet", transforms=True, alpha=arr([1.0, 2.0, 3.0], "float32"), shape=[2]),
    case("dirichlet", alpha=arr([[0.5, 0.5], [3.0, 1.0]], "float32")),
]

X64_CASES = [
    case("split", num=2),
    case("fold_in", data=7),
    case("bits", transforms=True, shape=[2, 3], dtype="uint64"),
    case("uniform", transforms=True, shape=[2, 3], dtype="float64"),
    case("normal", shape=[2, 3], dtype="float64"),
    case("normal", shape=[3], dtype="complex128"),
    case("truncated_normal", lower=-1.0, upper=2.0, shape=[3], dtype="float64"),
    case("bernoulli", p=arr([0.1, 0.5, 0.9], "float64")),
    case("exponential", shape=[3], dtype="float64"),
    case("randint", transforms=True, shape=[2, 3], minval=-2 ** 40, maxval=2 ** 40,
         dtype="int64"),
    case("randint", shape=[3], minval=0, maxval=10),
    case("permutation", x=10),
    case("choice", a=5, shape=[3]),
    case("categorical", logits=arr(LOGITS, "float64")),
    case("gamma", a=arr([0.3, 1.0, 2.5], "float64"), dtype="float64"),
]


def decode(value):
    """Turns a JSON argument into what JAX takes."""
    if isinstance(value, dict) and "array" in value:
        return jnp.asarray(np.array(value["array"], dtype=value["dtype"]))
    return value


def decode_kwargs(kwargs):
    out = {}
    for name, value in kwargs.items():
        if name in ("shape", "num") and isinstance(value, list):
            value = tuple(value)
        elif name == "dtype":
            value = jnp.dtype(value)
        out[name] = decode(value)
    return out


_UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def encode(x):
    """Returns {"dtype", "shape", "bits"} for a result: the elements' bit patterns (floats
    as unsigned integers; complex as the pairs of their parts); typed keys as key data."""
    is_key = jnp.issubdtype(x.dtype, jax.dtypes.prng_key)
    x = np.asarray(random.key_data(x) if is_key else x)
    record = {"dtype": "key<fry>" if is_key else x.dtype.name, "shape": list(x.shape)}
    if x.dtype.kind == "c":
        x = x.view(np.float64 if x.dtype == np.complex128 else np.float32)
    if x.dtype.kind == "f" or x.dtype.name == "bfloat16":
        x = x.view(_UINT[x.dtype.itemsize])
    record["bits"] = [int(v) for v in x.ravel()]
    return record


def run_case(spec):
    fn = getattr(random, spec["fn"])
    kwargs = decode_kwargs(spec["kwargs"])
    results = [encode(fn(random.key(seed), **kwargs)) for seed in SEEDS]
    out = dict(spec, results=results)
    if spec["transforms"]:
        # XLA may round transcendental functions differently inside other programs, so
        # jit and vmap get their own expected values (usually equal to the eager ones).
        jitted = jax.jit(lambda k: fn(k, **kwargs))
        out["jit_results"] = [encode(jitted(random.key(seed))) for seed in SEEDS]
        keys = jax.vmap(random.key)(jnp.asarray(SEEDS, dtype=jnp.int32))
        out["vmap_result"] = encode(jax.vmap(lambda k: fn(k, **kwargs))(keys))
    return out


def seed_table():
    return [{"seed": s, "key_data": [int(v) for v in np.asarray(random.key_data(
        random.key(s)))]} for s in SEED_VALUES if -2 ** 63 <= s < 2 ** 63]


def main():
    assert jax.__version__ == "0.10.2", jax.__version__
    assert jax.config.jax_threefry_partitionable
    data = {"jax_version": jax.__version__, "seeds": SEEDS,
            "cases": [run_case(c) for c in CASES], "seed_keys": seed_table()}
    jax.config.update("jax_enable_x64", True)
    data["x64_cases"] = [run_case(c) for c in X64_CASES]
    data["x64_seed_keys"] = seed_table()
    with open(OUT, "w") as f:
        json.dump(data, f, sort_keys=True, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(data['cases'])} + {len(data['x64_cases'])} cases to {OUT}")


if __name__ == "__main__":
    main()
