"""jaxlike.nn: neural-network activation functions, softmax, one-hot encoding,
standardization, and parameter initializers (`jaxlike.nn.initializers`), as in `jax.nn`."""
from jaxlike.nn.functions import *  # noqa: F401,F403
from jaxlike.nn import initializers  # noqa: F401
