"""Helpers shared by the jaxlike.scipy.stats distributions."""
from jaxlike import lax
from jaxlike import numpy as jnp
from jaxlike.core import get_aval
from jaxlike.numpy._util import check_arraylike, promote_args_inexact, promote_to_inexact


def promote(name, *args):
    """Returns the args checked, promoted to a common inexact dtype and broadcast, as arrays
    (Python scalars become weakly typed arrays), naming `jax.scipy.stats.<name>` in
    errors."""
    return [jnp.asarray(x) for x in promote_args_inexact(f"jax.scipy.stats.{name}", *args)]


def promote_dtypes(name, *args):
    """Returns the args checked and promoted to a common inexact dtype, shapes unchanged."""
    check_arraylike(f"jax.scipy.stats.{name}", *args)
    return [jnp.asarray(x) for x in promote_to_inexact(*args)]


def strong(x):
    """Returns x without a weak type (for results JAX builds from typed constants)."""
    aval = get_aval(x)
    return lax.convert_element_type(x, aval.dtype, weak_type=False) if aval.weak_type else x
