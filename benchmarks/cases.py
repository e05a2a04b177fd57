"""The micro-benchmarks, run in a fresh process per framework by benchmarks/run.py.

    python benchmarks/cases.py --framework jaxlike|jax --case NAME [--samples N]

imports either `jaxlike` or `jax` under the names `jax` / `jnp` (the benchmark code is the
same for both), runs one case and prints one JSON object: {"series": {name: [samples]}, "unit": ...}
or {"error": "..."}. Each sample is one measurement: the mean time per call over a batch of
calls (dispatch cases), one first call (compile cases), or one trace+lower.
"""
import argparse
import gc
import json
import sys
import time

import numpy as np

jax = jnp = None  # bound by _import_framework


def _import_framework(name):
    global jax, jnp
    if name == "jaxlike":
        import jaxlike
        import jaxlike.numpy
        jax, jnp = jaxlike, jaxlike.numpy
    else:
        import jax as real_jax
        import jax.numpy
        jax, jnp = real_jax, jax.numpy


def _f32(shape, seed=0):
    return jax.device_put(np.random.RandomState(seed).standard_normal(shape).astype(np.float32))


def _batch_size(loop, budget_s=0.02):
    # Calls per sample so that one sample takes about `budget_s` (after warming up, so a
    # first-call compile does not shrink the batch).
    for _ in range(3):
        loop(1)
    n = 1
    while True:
        start = time.perf_counter()
        loop(n)
        if time.perf_counter() - start >= budget_s / 2:
            return 2 * n
        n *= 2


def _per_call_samples(loop, samples):
    # `loop(n)` makes n calls and waits for the last result; returns microseconds per call.
    n = _batch_size(loop)
    gc.collect()
    out = []
    for _ in range(samples):
        start = time.perf_counter()
        loop(n)
        out.append((time.perf_counter() - start) / n * 1e6)
    return out


# ---------------------------------------------------------------------------------------------
# (a) eager per-op overhead, (b) jit call overhead.

def _calls(fun, *args):
    def loop(n):
        for _ in range(n):
            out = fun(*args)
        jax.block_until_ready(out)
    return loop


def case_eager_sin(samples):
    x = _f32((8,))
    return _per_call_samples(_calls(jnp.sin, x), samples), "us"


def case_eager_add(samples):
    x, y = _f32((8,)), _f32((8,), 1)
    return _per_call_samples(_calls(lambda: x + y), samples), "us"


def case_jit_call(samples):
    f = jax.jit(lambda x: x + 1)
    x = _f32((8,))
    return _per_call_samples(_calls(f, x), samples), "us"


def case_bare_execute(samples):
    # The floor under a jit call: jaxlib's execute_sharded on the compiled program, output
    # handlers built once. Measured in the jaxlike process only (it reads jaxlike's
    # executable), alternating with the jit call itself so that both see the same load.
    if jax.__name__ != "jaxlike":
        raise NotImplementedError("measured in the jaxlike process only")
    from jaxlike.core import ShapedArray
    from lowering import backend
    x = _f32((8,))
    f = jax.jit(lambda x: x + 1)
    exe = backend.compile(f.lower(x).as_text(), [ShapedArray((8,), np.float32)])
    execute, handlers = exe.loaded.execute_sharded, exe.handlers

    def bare(n):
        for _ in range(n):
            out = execute([x]).consume_with_handlers(handlers)
        jax.block_until_ready(out)
    jit_loop = _calls(f, x)
    bare_samples, jit_samples = [], []
    for _ in range(samples):
        bare_samples += _per_call_samples(bare, 1)
        jit_samples += _per_call_samples(jit_loop, 1)
    return {"bare_execute": bare_samples, "jit_call_beside_bare": jit_samples}, "us"


# ---------------------------------------------------------------------------------------------
# (c) first call of an op on a new shape: trace (JAX), lower and compile, then run.

FIRST_CALL_SHAPES = [(13,), (14,), (15,), (17,), (19,)]


def case_first_call(samples):
    jax.block_until_ready(jnp.sin(_f32((8,))))  # imports, client and op machinery warm
    inputs = [_f32(s) for s in FIRST_CALL_SHAPES]
    out = []
    for x in inputs[:samples]:
        start = time.perf_counter()
        jax.block_until_ready(jnp.sin(x))
        out.append((time.perf_counter() - start) * 1e3)
    return out, "ms"


# ---------------------------------------------------------------------------------------------
# (d) tracing + lowering of a small MLP loss, (e) a compiled MLP forward pass.

def _mlp_params(sizes, seed=0):
    rng = np.random.RandomState(seed)
    return [(jax.device_put((rng.standard_normal((m, n)) / np.sqrt(m)).astype(np.float32)),
             jax.device_put(np.zeros(n, np.float32))) for m, n in zip(sizes[:-1], sizes[1:])]


def _mlp(params, x):
    for w, b in params[:-1]:
        x = jnp.tanh(x @ w + b)
    w, b = params[-1]
    return x @ w + b


def _make_loss():
    # A new function object each time, so no framework finds it in a trace cache.
    def loss(params, x, y):
        return jnp.mean((_mlp(params, x) - y) ** 2)
    return loss


def case_trace_lower(samples):
    params = _mlp_params([64, 32, 32, 10])
    x, y = _f32((16, 64)), _f32((16, 10), 1)
    jax.jit(_make_loss()).lower(params, x, y)  # warm-up: imports and inner caches
    out = []
    for _ in range(samples):
        loss = _make_loss()
        start = time.perf_counter()
        jax.jit(loss).lower(params, x, y)
        out.append((time.perf_counter() - start) * 1e3)
    return out, "ms"


def case_mlp_forward(samples):
    params = _mlp_params([512, 512, 512, 10])
    x = _f32((256, 512))
    forward = jax.jit(_mlp)
    jax.block_until_ready(forward(params, x))

    def loop(n):
        for _ in range(n):
            jax.block_until_ready(forward(params, x))
    n = _batch_size(loop, 0.05)
    out = []
    for _ in range(samples):
        start = time.perf_counter()
        loop(n)
        out.append((time.perf_counter() - start) / n * 1e3)
    return out, "ms"


CASES = {name[len("case_"):]: fun for name, fun in globals().items()
         if name.startswith("case_")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", choices=["jaxlike", "jax"], required=True)
    parser.add_argument("--case", choices=sorted(CASES), required=True)
    parser.add_argument("--samples", type=int, default=15)
    args = parser.parse_args()
    try:
        _import_framework(args.framework)
        samples, unit = CASES[args.case](args.samples)
        series = samples if isinstance(samples, dict) else {args.case: samples}
        result = {"series": series, "unit": unit}
    except Exception as e:  # noqa: BLE001 -- reported in the table, never fatal
        result = {"error": f"{type(e).__name__}: {e}".splitlines()[0][:200]}
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
