"""A small convolutional network (two conv + max-pool layers, a dense head) trained on
synthetic images with one jit-compiled `value_and_grad` SGD step: `train_cnn()`."""
import time

import numpy as np

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike import lax, nn

# Images are NHWC, kernels HWIO, as in TensorFlow and Flax.
LAYOUT = ("NHWC", "HWIO", "NHWC")


def synthetic_shapes(n, size=12, seed=1):
    """Returns (images (n, size, size, 1), one-hot labels (n, 4)): a horizontal bar, a
    vertical bar, a diagonal or a square outline at a random place, plus noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, size=n)
    images = 0.5 * rng.normal(size=(n, size, size, 1)).astype(np.float32)
    for image, label in zip(images, labels):
        r, c = rng.integers(1, size - 5, size=2)
        if label == 0:
            image[r + 2, c:c + 5, 0] += 2.0
        elif label == 1:
            image[r:r + 5, c + 2, 0] += 2.0
        elif label == 2:
            image[np.arange(r, r + 5), np.arange(c, c + 5), 0] += 2.0
        else:
            image[r:r + 5, [c, c + 4], 0] += 2.0
            image[[r, r + 4], c:c + 5, 0] += 2.0
    return images, np.eye(4, dtype=np.float32)[labels]


def init_cnn(size=12, channels=(8, 16), classes=4, seed=0):
    """Returns the parameters (a dict of arrays) with He-scaled normal weights."""
    rng = np.random.default_rng(seed)

    def normal(shape, fan_in, gain=2.0):
        return jnp.asarray(rng.normal(size=shape).astype(np.float32) * np.sqrt(gain / fan_in))

    c1, c2 = channels
    flat = (size // 4) ** 2 * c2
    return {"conv1": normal((3, 3, 1, c1), 9), "b1": jnp.zeros(c1),
            "conv2": normal((3, 3, c1, c2), 9 * c1), "b2": jnp.zeros(c2),
            "dense": normal((flat, classes), flat, gain=1.0), "b3": jnp.zeros(classes)}


def conv_relu_pool(x, kernel, bias):
    """Returns relu(conv(x, kernel) + bias) max-pooled over 2x2 windows (stride 2)."""
    y = lax.conv_general_dilated(x, kernel, (1, 1), "SAME", dimension_numbers=LAYOUT)
    y = nn.relu(y + bias)
    return lax.reduce_window(y, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")


def predict(params, images):
    """Returns the log-probabilities of the 4 classes for a batch of NHWC images."""
    x = conv_relu_pool(images, params["conv1"], params["b1"])
    x = conv_relu_pool(x, params["conv2"], params["b2"])
    x = x.reshape(x.shape[0], -1)
    return nn.log_softmax(x @ params["dense"] + params["b3"])


def loss(params, images, labels):
    """Returns the mean softmax cross-entropy on a batch."""
    return -jnp.mean(jnp.sum(predict(params, images) * labels, axis=-1))


@jax.jit
def sgd_step(params, images, labels, lr=0.05):
    """Returns (updated params, loss before the step): one compiled XLA program."""
    value, grads = jax.value_and_grad(loss)(params, images, labels)
    return jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads), value


def train_cnn(steps=200, batch=64, verbose=True):
    """Trains the CNN with SGD on synthetic shapes; returns the list of batch losses."""
    images, labels = synthetic_shapes(2048)
    params = init_cnn()
    losses = []
    start = time.perf_counter()
    for step in range(steps):
        i = (step * batch) % len(images)
        params, value = sgd_step(params, images[i:i + batch], labels[i:i + batch])
        losses.append(float(value))
        if verbose and step % 50 == 0:
            print(f"step {step:3d}  loss {losses[-1]:.4f}")
    if verbose:
        accuracy = float(jnp.mean(jnp.argmax(predict(params, images), -1) ==
                                  jnp.argmax(labels, -1)))
        print(f"trained a CNN (2 x conv 3x3 + 2x2 max-pool, dense head) for {steps} "
              f"jit-compiled SGD steps in {time.perf_counter() - start:.2f} s; training "
              f"accuracy {accuracy:.3f}")
    return losses


if __name__ == "__main__":
    train_cnn()
