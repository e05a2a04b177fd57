"""The micro-benchmarks, run in a fresh process per framework by benchmarks/run.py.

    python benchmarks/cases.py --framework jaxlike|jax --case NAME [--samples N]

imports either `jaxlike` or `jax` under the names `jax` / `jnp` (the benchmark code is the
same for both), runs one case and prints one JSON object: {"series": {name: [samples]}, "unit": ...}
or {"error": "..."}. Each sample is one measurement: the mean time per call over a batch of
calls (dispatch cases), one first call (compile cases), or one trace+lower.
"""
import argparse
import gc
import importlib
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


def _per_call_samples(loop, samples, budget_s=0.02, scale=1e6):
    # `loop(n)` makes n calls and waits for the last result; returns the time per call
    # (microseconds by default; scale=1e3 for milliseconds) over batches of ~`budget_s`.
    n = _batch_size(loop, budget_s)
    gc.collect()
    out = []
    for _ in range(samples):
        start = time.perf_counter()
        loop(n)
        out.append((time.perf_counter() - start) / n * scale)
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


def _loop_ms(loop, samples):
    # Milliseconds per call of `loop` (as in _per_call_samples), over ~50 ms batches.
    return _per_call_samples(loop, samples, budget_s=0.05, scale=1e3)


def _per_call_ms(fun, samples):
    # `fun()` returns a result, waited for after each call; milliseconds per call.
    def loop(n):
        for _ in range(n):
            jax.block_until_ready(fun())
    return _loop_ms(loop, samples)


def case_mlp_forward(samples):
    params = _mlp_params([512, 512, 512, 10])
    x = _f32((256, 512))
    forward = jax.jit(_mlp)
    jax.block_until_ready(forward(params, x))
    return _per_call_ms(lambda: forward(params, x), samples), "ms"


# ---------------------------------------------------------------------------------------------
# (f) an MLP training step, `jit(value_and_grad(loss))` + SGD, and its first call.

MLP_STEP_SIZES = [784, 512, 512, 10]
MLP_STEP_BATCH = 128


def _log_softmax(logits):
    # Written with jnp ops, the maximum held constant for the derivative (it cancels out).
    shifted = logits - jax.lax.stop_gradient(jnp.max(logits, axis=-1, keepdims=True))
    return shifted - jnp.log(jnp.sum(jnp.exp(shifted), axis=-1, keepdims=True))


def _cross_entropy(params, x, labels):
    # labels: one-hot rows; the mean softmax cross-entropy over the batch.
    return -jnp.mean(jnp.sum(labels * _log_softmax(_mlp(params, x)), axis=-1))


def _make_train_step(learning_rate=0.01):
    # A new function object each time, so no framework finds it in a trace cache.
    def step(params, x, labels):
        loss, grads = jax.value_and_grad(_cross_entropy)(params, x, labels)
        new = [(w - learning_rate * gw, b - learning_rate * gb)
               for (w, b), (gw, gb) in zip(params, grads)]
        return new, loss
    return jax.jit(step)


def _train_data(batch):
    rng = np.random.RandomState(1)
    x = jax.device_put(rng.standard_normal((batch, MLP_STEP_SIZES[0])).astype(np.float32))
    labels = np.eye(MLP_STEP_SIZES[-1], dtype=np.float32)[
        rng.randint(0, MLP_STEP_SIZES[-1], batch)]
    return x, jax.device_put(labels)


def case_mlp_step(samples):
    params = _mlp_params(MLP_STEP_SIZES)
    x, labels = _train_data(MLP_STEP_BATCH)
    step = _make_train_step()
    state = [params]

    def loop(n):
        # Parameters flow from one step into the next, as in a training loop.
        for _ in range(n):
            state[0], loss = step(state[0], x, labels)
        jax.block_until_ready(loss)
    return _loop_ms(loop, samples), "ms"


def case_mlp_step_first_call(samples):
    # The first call of a fresh process's training step: trace, lower, compile (or read the
    # persistent cache) and run once. One sample per process: later calls in the same
    # process would find caches a user's first call does not.
    del samples
    params = _mlp_params(MLP_STEP_SIZES)
    x, labels = _train_data(MLP_STEP_BATCH)
    jax.block_until_ready((params, x, labels))
    step = _make_train_step()
    start = time.perf_counter()
    jax.block_until_ready(step(params, x, labels))
    return [(time.perf_counter() - start) * 1e3], "ms"


# ---------------------------------------------------------------------------------------------
# (g) per-example gradients: `jit(vmap(grad(loss)))` against a Python loop of jitted grads.

PER_EXAMPLE_SIZES = [32, 64, 64, 1]
PER_EXAMPLE_BATCH = 256


def _squared_error(params, x, y):
    # One example: x f32[32], y f32[1].
    return jnp.sum((_mlp(params, x) - y) ** 2)


def _per_example_data():
    rng = np.random.RandomState(1)
    xs = rng.standard_normal((PER_EXAMPLE_BATCH, PER_EXAMPLE_SIZES[0])).astype(np.float32)
    ys = rng.standard_normal((PER_EXAMPLE_BATCH, PER_EXAMPLE_SIZES[-1])).astype(np.float32)
    return _mlp_params(PER_EXAMPLE_SIZES), xs, ys


def case_per_example_grads(samples):
    params, xs, ys = _per_example_data()
    xs, ys = jax.device_put(xs), jax.device_put(ys)
    grads = jax.jit(jax.vmap(jax.grad(_squared_error), in_axes=(None, 0, 0)))
    return _per_call_ms(lambda: grads(params, xs, ys), samples), "ms"


def case_per_example_loop(samples):
    # The examples are split into device arrays beforehand: only the grad calls are timed.
    params, xs, ys = _per_example_data()
    examples = [(jax.device_put(x), jax.device_put(y)) for x, y in zip(xs, ys)]
    grad = jax.jit(jax.grad(_squared_error))
    return _per_call_ms(lambda: [grad(params, x, y) for x, y in examples], samples), "ms"


# ---------------------------------------------------------------------------------------------
# (h) a tanh RNN through `lax.scan`: `jit(grad(loss))` per call, and its first call.

RNN_HIDDEN, RNN_STEPS, RNN_BATCH = 128, 100, 32


def _rnn_data():
    rng = np.random.RandomState(0)
    scale = 1 / np.sqrt(RNN_HIDDEN)
    params = tuple(jax.device_put((rng.standard_normal((RNN_HIDDEN, RNN_HIDDEN)) * scale)
                                  .astype(np.float32)) for _ in range(2))
    params += (jax.device_put(np.zeros(RNN_HIDDEN, np.float32)),)
    xs = rng.standard_normal((RNN_STEPS, RNN_BATCH, RNN_HIDDEN)).astype(np.float32)
    return params, jax.device_put(xs)


def _rnn_loss(params, xs):
    # The mean squared final hidden state of h' = tanh(x W_x + h W_h + b), h_0 = 0.
    w_x, w_h, b = params

    def step(h, x):
        return jnp.tanh(x @ w_x + h @ w_h + b), None
    h, _ = jax.lax.scan(step, jnp.zeros((RNN_BATCH, RNN_HIDDEN), jnp.float32), xs)
    return jnp.mean(h ** 2)


def _make_rnn_grad():
    # A new function object each time, so no framework finds it in a trace cache.
    return jax.jit(jax.grad(lambda params, xs: _rnn_loss(params, xs)))


def case_rnn_grad(samples):
    params, xs = _rnn_data()
    grad = _make_rnn_grad()
    return _per_call_ms(lambda: grad(params, xs), samples), "ms"


def case_rnn_grad_first_call(samples):
    # One first call per fresh process, as in case_mlp_step_first_call.
    del samples
    params, xs = _rnn_data()
    jax.block_until_ready((params, xs))
    grad = _make_rnn_grad()
    start = time.perf_counter()
    jax.block_until_ready(grad(params, xs))
    return [(time.perf_counter() - start) * 1e3], "ms"


# ---------------------------------------------------------------------------------------------
# (i) compiled kernels: batched Cholesky + solve, a 2-D convolution forward and backward, FFT.

def _jitted_ms(fun, args, samples):
    # Milliseconds per call of `jit(fun)(*args)`, compiled (and run once) beforehand.
    jitted = jax.jit(fun)
    jax.block_until_ready(jitted(*args))
    return _per_call_ms(lambda: jitted(*args), samples)


def case_cho_solve(samples):
    # 64 SPD matrices 64x64 (A A^T + 64 I), one right-hand side each.
    linalg = importlib.import_module(f"{jax.__name__}.scipy.linalg")
    rng = np.random.RandomState(0)
    a = rng.standard_normal((64, 64, 64)).astype(np.float32)
    spd = jax.device_put(a @ a.transpose(0, 2, 1) + 64 * np.eye(64, dtype=np.float32))
    rhs = _f32((64, 64, 1), 1)

    def solve(m, b):
        return linalg.cho_solve((jnp.linalg.cholesky(m), True), b)
    return _jitted_ms(solve, (spd, rhs), samples), "ms"


def _conv(x, w):
    return jax.lax.conv_general_dilated(x, w, (1, 1), "SAME",
                                        dimension_numbers=("NHWC", "HWIO", "NHWC"))


def _conv_data():
    # Batch 32 of 32x32 images with 16 channels; a 3x3 kernel to 32 channels.
    w = _f32((3, 3, 16, 32), 1) * (1 / np.sqrt(9 * 16))
    return _f32((32, 32, 32, 16)), w


def case_conv_forward(samples):
    return _jitted_ms(_conv, _conv_data(), samples), "ms"


def case_conv_grad(samples):
    # Gradients with respect to both the input and the kernel.
    grad = jax.grad(lambda x, w: jnp.sum(_conv(x, w) ** 2), argnums=(0, 1))
    return _jitted_ms(grad, _conv_data(), samples), "ms"


def case_fft(samples):
    rng = np.random.RandomState(0)
    z = (rng.standard_normal((64, 4096)) + 1j * rng.standard_normal((64, 4096)))
    return _jitted_ms(jnp.fft.fft, (jax.device_put(z.astype(np.complex64)),), samples), "ms"


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
