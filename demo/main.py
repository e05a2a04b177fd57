"""`make demo`: a small jit-compiled training loop, then the seed programs checked against
the output JAX prints for them."""
import os
import subprocess
import sys
import time

import numpy as np

import jaxlike as jax
import jaxlike.numpy as jnp

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "..", "shared", "examples")


def init_mlp(sizes, seed=0):
    """Returns MLP parameters [(W, b), ...] with scaled normal weights (numpy RNG)."""
    rng = np.random.default_rng(seed)
    return [(jnp.asarray(rng.normal(size=(m, n)).astype(np.float32) / np.sqrt(m)),
             jnp.zeros(n)) for m, n in zip(sizes[:-1], sizes[1:])]


def mlp(params, x):
    """Returns the MLP's output for a batch x."""
    for w, b in params[:-1]:
        x = jnp.tanh(x @ w + b)
    w, b = params[-1]
    return x @ w + b


def loss(params, x, y):
    """Returns the mean squared error of the MLP on (x, y)."""
    return jnp.mean((mlp(params, x) - y) ** 2)


@jax.jit
def sgd_step(params, x, y, lr=0.1):
    """Returns (updated params, loss) after one SGD step: one compiled XLA program."""
    value, grads = jax.value_and_grad(loss)(params, x, y)
    new = jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)
    return new, value


def train():
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, size=(256, 2)).astype(np.float32)
    y = (np.sin(3 * x[:, :1]) * np.cos(2 * x[:, 1:])).astype(np.float32)
    params = init_mlp([2, 32, 32, 1])
    start = time.perf_counter()
    for step in range(301):
        params, value = sgd_step(params, x, y)
        if step % 100 == 0:
            print(f"step {step:3d}  loss {float(value):.5f}")
    print(f"trained 301 jit-compiled SGD steps in {time.perf_counter() - start:.2f} s")


def run_seeds():
    """Runs each seed program and compares its output with JAX's; returns the failures."""
    if not os.path.isdir(EXAMPLES):
        print(f"(seed programs not found at {EXAMPLES}; skipping)")
        return []
    failures = []
    for name in sorted(os.listdir(EXAMPLES)):
        if not (name.startswith("seed_") and name.endswith(".py")):
            continue
        path = os.path.join(EXAMPLES, name)
        expected = path[:-3] + ".expected"
        plot = os.path.join("/tmp", name[:-3] + ".png")
        run = subprocess.run([sys.executable, path, plot], capture_output=True, text=True)
        out_file = os.path.join("/tmp", name[:-3] + ".out")
        with open(out_file, "w") as f:
            f.write(run.stdout)
        if run.returncode != 0:
            last = (run.stderr.strip().splitlines() or ["?"])[-1]
            print(f"{name}: FAILED to run: {last}")
            failures.append(name)
            continue
        cmp = subprocess.run([sys.executable, os.path.join(EXAMPLES, "compare.py"), expected,
                              out_file], capture_output=True, text=True)
        verdict = cmp.stdout.strip().splitlines()[-1] if cmp.stdout.strip() else "?"
        print(f"{name}: {verdict}")
        if cmp.returncode != 0:
            print("   " + "\n   ".join(cmp.stdout.strip().splitlines()[:-1]))
            failures.append(name)
    return failures


if __name__ == "__main__":
    print("== a jit-compiled training loop (an MLP fitting sin(3x)cos(2y)) ==")
    train()
    print("\n== the seed programs, compared with JAX's output ==")
    failed = run_seeds()
    print(f"\n{'all seed programs match' if not failed else f'{len(failed)} seed program(s) differ'}")
