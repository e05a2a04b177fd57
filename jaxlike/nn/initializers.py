"""Parameter initializers of `jax.nn.initializers`.

An initializer is a function `init(key, shape, dtype=...) -> Array`; the factories here
(`normal(stddev)`, `glorot_uniform()`, ...) return one. Random initializers draw from
`jaxlike.random` exactly as JAX's do (same calls, same arithmetic in the same dtype), so a
key gives JAX's values. `dtype=None` means the default float type (float64 with x64).
"""
import math
import operator
from typing import Protocol

import numpy as np

from jaxlike import dtypes, lax
from jaxlike import numpy as jnp

__all__ = ["Initializer", "zeros", "ones", "constant", "normal", "uniform", "truncated_normal",
           "variance_scaling", "glorot_normal", "glorot_uniform", "xavier_normal",
           "xavier_uniform", "he_normal", "he_uniform", "kaiming_normal", "kaiming_uniform",
           "lecun_normal", "lecun_uniform", "orthogonal", "delta_orthogonal"]

# The standard deviation of a unit normal truncated to [-2, 2], and of the complex analogue
# (a unit complex normal with modulus truncated at 2): dividing by them restores unit
# variance after truncation.
_TRUNCATED_STDDEV = .87962566103423978
_COMPLEX_TRUNCATED_STDDEV = .95311164380491208


class Initializer(Protocol):
    """The type of initializers: `init(key, shape, dtype=None) -> Array`."""

    def __call__(self, key, shape, dtype=None, out_sharding=None):
        ...


def _random():
    # Imported on use: jaxlike.random is a sibling library, not needed to import jaxlike.nn.
    from jaxlike import random
    return random


def _shape(shape):
    """Returns `shape` (an int or a sequence of ints) as a tuple of ints."""
    try:
        return (operator.index(shape),)
    except TypeError:
        return tuple(operator.index(d) for d in shape)


def _dtype(dtype):
    """Returns the canonical dtype for a user's `dtype` (None: the default float type)."""
    if dtype is None:
        return dtypes.default_float_dtype()
    return dtypes.canonicalize_dtype(dtypes.dtype(dtype))


def _check_inexact(name, dtype):
    if not (dtypes.is_float(dtype) or dtypes.is_complex(dtype)):
        raise ValueError(f"jax.nn.initializers.{name}: dtype must be a floating or complex "
                         f"dtype, got {dtype}.")


# ---------------------------------------------------------------------------------------------
# Constant initializers.

def zeros(key, shape, dtype=None, out_sharding=None):
    """Returns an array of zeros of `shape` and `dtype` (`key` is unused)."""
    return jnp.zeros(_shape(shape), _dtype(dtype))


def ones(key, shape, dtype=None, out_sharding=None):
    """Returns an array of ones of `shape` and `dtype` (`key` is unused)."""
    return jnp.ones(_shape(shape), _dtype(dtype))


def constant(value, dtype=None):
    """Returns an initializer filling arrays with `value` (broadcast to the shape)."""
    def init(key, shape, dtype=dtype, out_sharding=None):
        return jnp.full(_shape(shape), value, dtype=_dtype(dtype))
    return init


# ---------------------------------------------------------------------------------------------
# Plain random initializers.

def normal(stddev=1e-2, dtype=None):
    """Returns an initializer drawing from a normal distribution of mean 0 and standard
    deviation `stddev` (complex dtypes: a complex normal of that scale)."""
    def init(key, shape, dtype=dtype, out_sharding=None):
        dtype = _dtype(dtype)
        _check_inexact("normal", dtype)
        return _random().normal(key, _shape(shape), dtype) * stddev
    return init


def uniform(scale=1e-2, dtype=None):
    """Returns an initializer drawing uniformly from [0, scale)."""
    def init(key, shape, dtype=dtype, out_sharding=None):
        return _random().uniform(key, _shape(shape), _dtype(dtype)) * scale
    return init


def truncated_normal(stddev=1e-2, dtype=None, lower=-2.0, upper=2.0):
    """Returns an initializer drawing from a unit normal truncated to [lower, upper], times
    `stddev` (so the result's standard deviation is somewhat below `stddev`)."""
    def init(key, shape, dtype=dtype, out_sharding=None):
        return _random().truncated_normal(key, lower, upper, _shape(shape),
                                          _dtype(dtype)) * stddev
    return init


# ---------------------------------------------------------------------------------------------
# Variance scaling.

def _axes(name, axis, shape, what):
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    result = []
    for a in axes:
        a = operator.index(a)
        if not -len(shape) <= a < len(shape):
            if len(shape) < 2:
                raise ValueError(
                    f"jax.nn.initializers.{name}: can't compute input and output sizes of a "
                    f"{len(shape)}-dimensional weights tensor with the default axes; give a "
                    "shape of at least 2 dimensions or pass in_axis and out_axis.")
            raise ValueError(f"jax.nn.initializers.{name}: {what} {a} is out of bounds for "
                             f"shape {shape}.")
        result.append(a % len(shape))
    return result


def _compute_fans(name, shape, in_axis, out_axis, batch_axis):
    """Returns (fan_in, fan_out): the input and output sizes of a weight of `shape`, each
    times the receptive field (the axes that are neither input, output nor batch)."""
    def size(axis, what):
        return math.prod(shape[a] for a in _axes(name, axis, shape, what))
    in_size, out_size = size(in_axis, "in_axis"), size(out_axis, "out_axis")
    receptive_field = math.prod(shape) / in_size / out_size / size(batch_axis, "batch_axis")
    return in_size * receptive_field, out_size * receptive_field


_DENOMINATORS = {
    "fan_in": lambda fan_in, fan_out: fan_in,
    "fan_out": lambda fan_in, fan_out: fan_out,
    "fan_avg": lambda fan_in, fan_out: (fan_in + fan_out) / 2,
    "fan_geo_avg": lambda fan_in, fan_out: math.sqrt(fan_in * fan_out),
}


def _complex_polar(key, shape, dtype, radius):
    """Returns radius(u1) * exp(2 pi i u2) for independent uniforms u1, u2: a complex
    sample with a uniformly distributed phase."""
    random = _random()
    real = np.finfo(dtype).dtype
    key_r, key_theta = random.split(key)
    rho = radius(random.uniform(key_r, shape, real))
    theta = np.asarray(2 * np.pi, dtype) * random.uniform(key_theta, shape, real).astype(dtype)
    return rho.astype(dtype) * jnp.exp(np.asarray(1j, dtype) * theta)


def _truncated_normal(key, shape, dtype, variance):
    if dtypes.is_complex(dtype):
        # The modulus of a unit complex normal truncated at 2, by inverting its CDF.
        tail = np.asarray(1, dtype) - jnp.exp(np.asarray(-4, dtype))
        sample = _complex_polar(key, shape, dtype, lambda u: jnp.sqrt(
            -jnp.log(np.asarray(1, dtype) - tail * u.astype(dtype))))
        return sample * (jnp.sqrt(variance) / np.asarray(_COMPLEX_TRUNCATED_STDDEV, dtype))
    stddev = jnp.sqrt(variance) / np.asarray(_TRUNCATED_STDDEV, dtype)
    return _random().truncated_normal(key, -2, 2, shape, dtype) * stddev


def _uniform(key, shape, dtype, variance):
    if dtypes.is_complex(dtype):
        # Uniform on the disk of radius sqrt(2), which has unit variance.
        sample = _complex_polar(key, shape, dtype, lambda u: jnp.sqrt(2 * u))
        return sample * jnp.sqrt(variance)
    # Uniform on [-1, 1) has variance 1/3.
    return _random().uniform(key, shape, dtype, -1) * jnp.sqrt(3 * variance)


def _normal(key, shape, dtype, variance):
    return _random().normal(key, shape, dtype) * jnp.sqrt(variance)


_DISTRIBUTIONS = {"truncated_normal": _truncated_normal, "normal": _normal,
                  "uniform": _uniform}


def variance_scaling(scale, mode, distribution, in_axis=-2, out_axis=-1, batch_axis=(),
                     dtype=None):
    """Returns an initializer whose samples have variance scale / n, where n is fan_in,
    fan_out, their mean or their geometric mean (`mode` "fan_in", "fan_out", "fan_avg",
    "fan_geo_avg"), drawn from `distribution` "truncated_normal" (truncated at two standard
    deviations, rescaled), "normal" or "uniform". The fans are the sizes of the `in_axis`
    and `out_axis` axes times the receptive field (the other axes except `batch_axis`)."""
    if mode not in _DENOMINATORS:
        raise ValueError(f"jax.nn.initializers.variance_scaling: invalid mode {mode!r}; "
                         f"expected one of {', '.join(map(repr, _DENOMINATORS))}.")
    if distribution not in _DISTRIBUTIONS:
        raise ValueError(f"jax.nn.initializers.variance_scaling: invalid distribution "
                         f"{distribution!r}; expected one of "
                         f"{', '.join(map(repr, _DISTRIBUTIONS))}.")

    def init(key, shape, dtype=dtype, out_sharding=None):
        shape, dtype = _shape(shape), _dtype(dtype)
        _check_inexact("variance_scaling", dtype)
        fan_in, fan_out = _compute_fans("variance_scaling", shape, in_axis, out_axis,
                                        batch_axis)
        variance = jnp.array(scale / _DENOMINATORS[mode](fan_in, fan_out), dtype=dtype)
        return _DISTRIBUTIONS[distribution](key, shape, dtype, variance)
    return init


def _variance_scaling_preset(name, scale, mode, distribution, doc):
    def factory(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None):
        return variance_scaling(scale, mode, distribution, in_axis, out_axis, batch_axis,
                                dtype)
    factory.__name__ = factory.__qualname__ = name
    factory.__doc__ = (f"Returns the {doc} initializer: variance_scaling({scale}, {mode!r}, "
                       f"{distribution!r}).")
    return factory


glorot_normal = _variance_scaling_preset("glorot_normal", 1.0, "fan_avg", "truncated_normal",
                                         "Glorot (Xavier) normal")
glorot_uniform = _variance_scaling_preset("glorot_uniform", 1.0, "fan_avg", "uniform",
                                          "Glorot (Xavier) uniform")
lecun_normal = _variance_scaling_preset("lecun_normal", 1.0, "fan_in", "truncated_normal",
                                        "LeCun normal")
lecun_uniform = _variance_scaling_preset("lecun_uniform", 1.0, "fan_in", "uniform",
                                         "LeCun uniform")
he_normal = _variance_scaling_preset("he_normal", 2.0, "fan_in", "truncated_normal",
                                     "He (Kaiming) normal")
he_uniform = _variance_scaling_preset("he_uniform", 2.0, "fan_in", "uniform",
                                      "He (Kaiming) uniform")
xavier_normal, xavier_uniform = glorot_normal, glorot_uniform
kaiming_normal, kaiming_uniform = he_normal, he_uniform


# ---------------------------------------------------------------------------------------------
# Orthogonal initializers.

def orthogonal(scale=1.0, column_axis=-1, dtype=None):
    """Returns an initializer of (semi-)orthogonal matrices times `scale`: the array,
    viewed as a matrix whose columns run along `column_axis` and whose rows are all the
    other axes flattened, has orthonormal columns (or rows, when there are fewer rows)."""
    def init(key, shape, dtype=dtype, out_sharding=None):
        shape, dtype = _shape(shape), _dtype(dtype)
        if len(shape) < 2:
            raise ValueError("jax.nn.initializers.orthogonal: needs a shape of at least 2 "
                             f"dimensions, got {shape}.")
        _check_inexact("orthogonal", dtype)
        axis = column_axis % len(shape)
        n_cols = shape[axis]
        rest = shape[:axis] + shape[axis + 1:]
        q = _random().orthogonal(key, math.prod(rest), (), dtype, m=n_cols)
        q = jnp.moveaxis(jnp.reshape(q, rest + (n_cols,)), -1, axis)
        return scale * q
    return init


def delta_orthogonal(scale=1.0, column_axis=-1, dtype=None):
    """Returns an initializer for 3D, 4D or 5D convolution kernels (spatial..., in, out with
    in <= out): zero everywhere except at the spatial center, where the (in, out) slice is
    an orthogonal matrix times `scale` (Xiao et al., 2018)."""
    def init(key, shape, dtype=dtype, out_sharding=None):
        shape, dtype = _shape(shape), _dtype(dtype)
        if len(shape) not in (3, 4, 5):
            raise ValueError("jax.nn.initializers.delta_orthogonal: needs a 3D, 4D or 5D "
                             f"shape, got {shape}.")
        if shape[-2] > shape[-1]:
            raise ValueError("jax.nn.initializers.delta_orthogonal: fan_in (shape[-2] = "
                             f"{shape[-2]}) must be less than or equal to fan_out "
                             f"(shape[-1] = {shape[-1]}).")
        matrix = orthogonal(scale, column_axis, dtype)(key, shape[-2:])
        spatial = shape[:-2]
        # Pad the matrix with zeros around the center (k - 1) // 2 of each spatial axis.
        kernel = jnp.reshape(matrix, (1,) * len(spatial) + shape[-2:])
        padding = [((k - 1) // 2, k - 1 - (k - 1) // 2, 0) for k in spatial] + [(0, 0, 0)] * 2
        return lax.pad(kernel, np.zeros((), dtype), padding)
    return init
