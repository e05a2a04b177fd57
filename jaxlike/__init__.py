"""jaxlike: JAX's API (jit, grad, vmap, jaxlib.numpy ...) on top of jaxlib's XLA."""
import lowering as _lowering  # noqa: F401 -- registers the lowering rules
from jaxlike import dispatch as _dispatch  # noqa: F401 -- installs eager execution
from jaxlike import tree_util, tree  # noqa: F401
from jaxlike.config import config
from jaxlike.array import Array
from jaxlike.api import (jit, make_jaxpr, eval_shape, ShapeDtypeStruct, devices, local_devices,
                         device_count, local_device_count, default_backend, device_put,
                         device_get, block_until_ready, process_index, process_count)
from jaxlike.ad_api import (jvp, linearize, vjp, grad, value_and_grad, jacfwd, jacrev, jacobian,
                            hessian)
from jaxlike.custom_derivatives import custom_jvp, custom_vjp
from jaxlike.checkpoint import checkpoint, remat, checkpoint_policies
from jaxlike.vmap_api import vmap
from jaxlike import lax, numpy  # noqa: F401
from jaxlike import random  # noqa: F401
from jaxlike import nn  # noqa: F401
from jaxlike import errors  # noqa: F401
from jaxlike import scipy  # noqa: F401

__version__ = "0.1.0"
__all__ = ["config", "Array", "jit", "make_jaxpr", "eval_shape", "ShapeDtypeStruct", "devices",
           "local_devices", "device_count", "local_device_count", "default_backend",
           "device_put", "device_get", "block_until_ready", "process_index", "process_count",
           "jvp", "linearize", "vjp", "grad", "value_and_grad", "jacfwd", "jacrev", "jacobian",
           "hessian", "custom_jvp", "custom_vjp", "checkpoint", "remat",
           "checkpoint_policies", "vmap", "lax", "numpy", "random", "nn", "tree_util", "tree",
           "errors"]
