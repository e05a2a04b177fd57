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
    """Returns MLP parameters [(W, b), ...] with He-scaled normal weights (numpy RNG)."""
    rng = np.random.default_rng(seed)
    return [(jnp.asarray(rng.normal(size=(m, n)).astype(np.float32) * np.sqrt(2.0 / m)),
             jnp.zeros(n)) for m, n in zip(sizes[:-1], sizes[1:])]


def log_softmax(logits):
    """Returns log(softmax(logits)) along the last axis, computed stably."""
    shifted = logits - jnp.max(logits, axis=-1, keepdims=True)
    return shifted - jnp.log(jnp.sum(jnp.exp(shifted), axis=-1, keepdims=True))


def predict(params, x):
    """Returns the log-probabilities the MLP assigns to each class."""
    for w, b in params[:-1]:
        x = jnp.maximum(x @ w + b, 0.0)
    w, b = params[-1]
    return log_softmax(x @ w + b)


def loss(params, x, labels_onehot):
    """Returns the mean softmax cross-entropy on a batch."""
    return -jnp.mean(jnp.sum(predict(params, x) * labels_onehot, axis=-1))


@jax.jit
def sgd_step(params, x, y, lr=0.02):
    """Returns (updated params, loss) after one SGD step: one compiled XLA program."""
    value, grads = jax.value_and_grad(loss)(params, x, y)
    return [(w - lr * gw, b - lr * gb) for (w, b), (gw, gb) in zip(params, grads)], value


def synthetic_digits(n, seed=1):
    """Returns (images, one-hot labels): 10 noisy prototype 'digits' of 784 pixels."""
    rng = np.random.default_rng(seed)
    prototypes = rng.normal(size=(10, 784)).astype(np.float32)
    labels = rng.integers(0, 10, size=n)
    images = prototypes[labels] + 1.5 * rng.normal(size=(n, 784)).astype(np.float32)
    return images, np.eye(10, dtype=np.float32)[labels]


def train(steps=300, batch=128):
    images, labels = synthetic_digits(4096)
    params = init_mlp([784, 512, 512, 10])
    start = time.perf_counter()
    for step in range(steps + 1):
        i = (step * batch) % len(images)
        params, value = sgd_step(params, images[i:i + batch], labels[i:i + batch])
        if step % 100 == 0:
            print(f"step {step:3d}  loss {float(value):.4f}")
    accuracy = float(jnp.mean(jnp.argmax(predict(params, images), -1) ==
                              jnp.argmax(labels, -1)))
    print(f"trained an MLP 784-512-512-10 for {steps + 1} jit-compiled SGD steps in "
          f"{time.perf_counter() - start:.2f} s; training accuracy {accuracy:.3f}")


@jax.jit
def sgd_epoch(params, batches_x, batches_y, lr=0.02):
    """Returns (params, per-batch losses) after one epoch: every SGD step of the epoch runs
    inside one lax.scan, so the whole epoch is one XLA program."""
    def step(params, batch):
        x, y = batch
        value, grads = jax.value_and_grad(loss)(params, x, y)
        return [(w - lr * gw, b - lr * gb) for (w, b), (gw, gb) in zip(params, grads)], value
    return jax.lax.scan(step, params, (batches_x, batches_y))


def train_epochs(epochs=3, batch=128):
    images, labels = synthetic_digits(2048, seed=2)
    batches_x = images.reshape(-1, batch, 784)
    batches_y = labels.reshape(-1, batch, 10)
    params = init_mlp([784, 512, 512, 10], seed=3)
    start = time.perf_counter()
    for epoch in range(epochs):
        params, losses = sgd_epoch(params, batches_x, batches_y)
        print(f"epoch {epoch}  first batch loss {float(losses[0]):.4f}  "
              f"last {float(losses[-1]):.4f}")
    print(f"{epochs} epochs of {len(batches_x)} SGD steps, one lax.scan program per epoch, in "
          f"{time.perf_counter() - start:.2f} s")


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
    print("== a jit-compiled training loop (an MLP classifying synthetic digits) ==")
    train()
    print("\n== whole epochs inside one lax.scan ==")
    train_epochs()
    print("\n== a small CNN (two conv + max-pool layers, dense head) ==")
    from cnn import train_cnn
    train_cnn()
    print("\n== the seed programs, compared with JAX's output ==")
    failed = run_seeds()
    verdict = "all seed programs match" if not failed else f"{len(failed)} seed program(s) differ"
    print(f"\n{verdict}")
