"""Bits and continuous samplers: `bits`, `uniform`, `normal`, `truncated_normal`,
`bernoulli`, `gumbel`, `exponential`, `laplace`, `multivariate_normal`, `orthogonal`.

Each public function checks its arguments, then calls a jitted implementation (static shape,
dtype and mode) on the key's uint32 words. Running the whole sampler as one compiled
program reproduces JAX's results bit for bit: JAX compiles its samplers the same way, and
the float operations below are the ones it performs, in the same order.

Uniform floats use the mantissa trick: the top `nmant` random bits become the mantissa of a
float in [1, 2), from which 1 is subtracted; the result is scaled to [minval, maxval).
Normal samples are sqrt(2) * erf_inv(u) for u uniform in (-1, 1).
"""
import numpy as np

from jaxlike import dtypes, lax
from jaxlike.api import jit
from jaxlike.random import _common as C
from jaxlike.random._keys import random_bits, single_key, split_n


def _finfo(dtype):
    return dtypes.finfo(dtype)


def _const(value, dtype):
    return np.asarray(value, dtype)


def _after_minus_one(dtype):
    """Returns the largest float of `dtype` above -1 (-1 + epsneg)."""
    return _const(-1 + float(_finfo(dtype).epsneg), dtype)


def split2(data):
    """Returns the words of the two keys split from key words `data`."""
    return split_n(data, 2)


# ---------------------------------------------------------------------------------------------
# bits, uniform.

def _bits_impl(data, shape, dtype):
    return random_bits(data, C.nbits(dtype), shape)


_bits = jit(_bits_impl, static_argnums=(1, 2))


def bits(key, shape=(), dtype=None, *, out_sharding=None):
    """Returns unsigned integers of `dtype` (default uint32) and `shape` whose bits are
    uniformly random."""
    data, _ = single_key("bits", key)
    dtype = C.int_dtype("bits", dtype, unsigned=True)
    return _bits(data, C.shape_arg("bits", shape), dtype)


def uniform_impl(data, shape, dtype, minval, maxval):
    """Returns floats of `dtype` and `shape` uniform in [minval, maxval) (traced body)."""
    minval = C.to_rank(lax.convert_element_type(minval, dtype), len(shape))
    maxval = C.to_rank(lax.convert_element_type(maxval, dtype), len(shape))
    finfo = _finfo(dtype)
    nbits, nmant = C.nbits(dtype), int(finfo.nmant)
    uint = np.dtype(C.UINT_OF_BITS[nbits])
    # Draw the narrowest word that holds the mantissa (8 bits suffice for bfloat16).
    rng_bits = min(b for b in C.UINT_OF_BITS if b >= nmant)
    raw = random_bits(data, rng_bits, shape)
    if rng_bits != nbits:
        raw = lax.convert_element_type(raw, uint)
    one_bits = np.asarray(1, dtype).view(uint)
    mantissa = lax.shift_right_logical(raw, np.asarray(rng_bits - nmant, uint))
    floats = lax.sub(lax.bitcast_convert_type(lax.bitwise_or(mantissa, one_bits), dtype),
                     _const(1, dtype))
    scaled = lax.add(lax.mul(floats, lax.sub(maxval, minval)), minval)
    return lax.max(minval, scaled)


_uniform = jit(uniform_impl, static_argnums=(1, 2))


def uniform(key, shape=(), dtype=None, minval=0.0, maxval=1.0, *, out_sharding=None):
    """Returns floats of `dtype` (default float) and `shape`, uniform in [minval, maxval)."""
    data, _ = single_key("uniform", key)
    dtype = C.float_dtype("uniform", dtype)
    shape = C.shape_arg("uniform", shape)
    minval = C.as_array("uniform", "minval", minval)
    maxval = C.as_array("uniform", "maxval", maxval)
    C.check_shape("uniform", shape, C.shape_of(minval), C.shape_of(maxval))
    return _uniform(data, shape, dtype, minval, maxval)


# ---------------------------------------------------------------------------------------------
# normal, truncated_normal.

def normal_real(data, shape, dtype):
    """Returns real standard normal samples (traced body)."""
    u = uniform_impl(data, shape, dtype, _after_minus_one(dtype), _const(1, dtype))
    return lax.mul(_const(np.sqrt(2), dtype), lax.erf_inv(u))


def _normal_impl(data, shape, dtype):
    if not dtypes.issubdtype(dtype, np.complexfloating):
        return normal_real(data, shape, dtype)
    # Complex: independent real and imaginary parts, each of variance 1/2.
    part = np.dtype(np.float64 if dtype == np.complex128 else np.float32)
    key_re, key_im = split2(data)
    re = lax.convert_element_type(normal_real(key_re, shape, part), dtype)
    im = lax.convert_element_type(normal_real(key_im, shape, part), dtype)
    return lax.div(lax.add(re, lax.mul(_const(1j, dtype), im)), _const(np.sqrt(2), dtype))


_normal = jit(_normal_impl, static_argnums=(1, 2))


def normal(key, shape=(), dtype=None, *, out_sharding=None):
    """Returns standard normal samples of `dtype` (float or complex) and `shape`."""
    data, _ = single_key("normal", key)
    dtype = C.float_dtype("normal", dtype, allow_complex=True)
    return _normal(data, C.shape_arg("normal", shape), dtype)


def _truncated_normal_impl(data, shape, dtype, lower, upper):
    sqrt2 = _const(np.sqrt(2), dtype)
    lower = lax.convert_element_type(lower, dtype)
    upper = lax.convert_element_type(upper, dtype)
    a = lax.erf(lax.div(lower, sqrt2))
    b = lax.erf(lax.div(upper, sqrt2))
    u = uniform_impl(data, shape, dtype, a, b)
    out = lax.mul(sqrt2, lax.erf_inv(u))
    # Keep the samples strictly inside (lower, upper) despite rounding.
    low = lax.nextafter(lax.stop_gradient(lower), _const(np.inf, dtype))
    high = lax.nextafter(lax.stop_gradient(upper), _const(-np.inf, dtype))
    return lax.min(C.to_rank(high, len(shape)), lax.max(C.to_rank(low, len(shape)), out))


_truncated_normal = jit(_truncated_normal_impl, static_argnums=(1, 2))


def truncated_normal(key, lower, upper, shape=None, dtype=None, *, out_sharding=None):
    """Returns standard normal samples truncated to (lower, upper), of `dtype` and `shape`
    (default: the broadcast shape of lower and upper)."""
    data, _ = single_key("truncated_normal", key)
    dtype = C.float_dtype("truncated_normal", dtype)
    lower = C.as_array("truncated_normal", "lower", lower)
    upper = C.as_array("truncated_normal", "upper", upper)
    shape = C.sample_shape("truncated_normal", shape, C.shape_of(lower), C.shape_of(upper))
    return _truncated_normal(data, shape, dtype, lower, upper)


# ---------------------------------------------------------------------------------------------
# bernoulli.

def _two_uniforms(data, shape, dtype):
    """Returns two independent uniform [0, 1) arrays (the halves of one draw)."""
    u = uniform_impl(data, (2,) + shape, dtype, _const(0, dtype), _const(1, dtype))
    return (lax.index_in_dim(u, 0, 0, keepdims=False),
            lax.index_in_dim(u, 1, 0, keepdims=False))


def _bernoulli_impl(data, shape, mode, p):
    dtype = C.dtype_of(p)
    p = C.to_rank(p, len(shape))
    if mode == "low":
        return lax.lt(uniform_impl(data, shape, dtype, _const(0, dtype), _const(1, dtype)), p)
    # "high": u1 + eps * u2 is uniform on a grid eps times finer near 0.
    u1, u2 = _two_uniforms(data, shape, dtype)
    return lax.lt(lax.mul(u2, _const(_finfo(dtype).eps, dtype)), lax.sub(p, u1))


_bernoulli = jit(_bernoulli_impl, static_argnums=(1, 2))


def _check_mode(fname, mode, allow_none=False):
    if mode is None and allow_none:
        return "low"
    if mode not in ("low", "high"):
        raise ValueError(f"{fname}: got mode={mode!r}; expected 'low' or 'high'.")
    return mode


def bernoulli(key, p=0.5, shape=None, mode="low", *, out_sharding=None):
    """Returns booleans of `shape` (default p's shape), True with probability `p`."""
    data, _ = single_key("bernoulli", key)
    mode = _check_mode("bernoulli", mode)
    p = C.as_array("bernoulli", "p", p)
    if not dtypes.issubdtype(C.dtype_of(p), np.floating):
        raise TypeError(f"bernoulli probability `p` must have a floating dtype, got "
                        f"{C.dtype_of(p).name}.")
    shape = C.sample_shape("bernoulli", shape, C.shape_of(p))
    return _bernoulli(data, shape, mode, p)


# ---------------------------------------------------------------------------------------------
# gumbel, exponential, laplace.

def gumbel_impl(data, shape, dtype, mode):
    """Returns standard Gumbel samples (traced body)."""
    if mode == "low":
        u = uniform_impl(data, shape, dtype, _const(_finfo(dtype).tiny, dtype),
                         _const(1, dtype))
        return lax.neg(lax.log(lax.neg(lax.log(u))))
    u1, u2 = _two_uniforms(data, shape, dtype)
    finer = lax.add(lax.add(u1, lax.mul(_const(_finfo(dtype).eps, dtype), u2)),
                    _const(_finfo(dtype).tiny, dtype))
    v = lax.select(lax.ge(u1, _const(0.5, dtype)), u1, finer)
    return lax.neg(lax.log(lax.neg(lax.log1p(lax.neg(v)))))


_gumbel = jit(gumbel_impl, static_argnums=(1, 2, 3))


def gumbel(key, shape=(), dtype=None, mode=None, *, out_sharding=None):
    """Returns standard Gumbel samples of `dtype` and `shape`; mode 'high' resolves the
    distribution's tail more finely."""
    data, _ = single_key("gumbel", key)
    dtype = C.float_dtype("gumbel", dtype)
    mode = _check_mode("gumbel", mode, allow_none=True)
    return _gumbel(data, C.shape_arg("gumbel", shape), dtype, mode)


def exponential_impl(data, shape, dtype):
    """Returns standard exponential samples, -log(1 - u) (traced body)."""
    u = uniform_impl(data, shape, dtype, _const(0, dtype), _const(1, dtype))
    return lax.neg(lax.log1p(lax.neg(u)))


_exponential = jit(exponential_impl, static_argnums=(1, 2))


def exponential(key, shape=(), dtype=None, *, out_sharding=None):
    """Returns standard exponential samples of `dtype` and `shape`."""
    data, _ = single_key("exponential", key)
    dtype = C.float_dtype("exponential", dtype)
    return _exponential(data, C.shape_arg("exponential", shape), dtype)


def _laplace_impl(data, shape, dtype):
    u = uniform_impl(data, shape, dtype, _after_minus_one(dtype), _const(1, dtype))
    return lax.mul(lax.sign(u), lax.log1p(lax.neg(lax.abs(u))))


_laplace = jit(_laplace_impl, static_argnums=(1, 2))


def laplace(key, shape=(), dtype=None, *, out_sharding=None):
    """Returns standard Laplace samples of `dtype` and `shape`."""
    data, _ = single_key("laplace", key)
    dtype = C.float_dtype("laplace", dtype)
    return _laplace(data, C.shape_arg("laplace", shape), dtype)


# ---------------------------------------------------------------------------------------------
# multivariate_normal, orthogonal: they need jaxlike.numpy.linalg.

def _linalg():
    from jaxlike import numpy as jnp
    linalg = getattr(jnp, "linalg", None)
    if linalg is None:
        raise NotImplementedError("this sampler needs jaxlike.numpy.linalg, which is not "
                                  "available yet.")
    return jnp, linalg


def _multivariate_normal_impl(data, shape, dtype, method, mean, cov):
    jnp, linalg = _linalg()
    if method == "svd":
        u, s, _ = linalg.svd(cov)
        factor = u * jnp.sqrt(s[..., None, :])
    elif method == "eigh":
        w, v = linalg.eigh(cov)
        factor = v * jnp.sqrt(w[..., None, :])
    else:
        factor = linalg.cholesky(cov)
    samples = normal_real(data, shape + C.shape_of(mean)[-1:], dtype)
    if len(C.shape_of(factor)) == 2:  # samples @ factor.T, as one dot_general
        last = len(shape)
        product = lax.dot_general(samples, factor, (((last,), (1,)), ((), ())))
    else:
        product = jnp.einsum("...ij,...j->...i", factor, samples)
    return mean + product


_multivariate_normal = jit(_multivariate_normal_impl, static_argnums=(1, 2, 3))


def multivariate_normal(key, mean, cov, shape=None, dtype=None, method="cholesky", *,
                        out_sharding=None):
    """Returns samples of the normal distribution N(mean, cov), of shape
    `shape + mean.shape[-1:]` (default shape: the broadcast batch shape of mean and cov)."""
    data, _ = single_key("multivariate_normal", key)
    if method not in ("svd", "eigh", "cholesky"):
        raise ValueError(f"multivariate_normal: method must be one of 'svd', 'eigh' or "
                         f"'cholesky', got {method!r}.")
    dtype = C.float_dtype("multivariate_normal", dtype)
    mean = lax.convert_element_type(C.as_array("multivariate_normal", "mean", mean), dtype)
    cov = lax.convert_element_type(C.as_array("multivariate_normal", "cov", cov), dtype)
    mshape, cshape = C.shape_of(mean), C.shape_of(cov)
    if len(mshape) < 1:
        raise ValueError(f"multivariate_normal requires mean.ndim >= 1, got mean of shape "
                         f"{mshape}.")
    if len(cshape) < 2 or cshape[-2:] != (mshape[-1], mshape[-1]):
        raise ValueError(f"multivariate_normal requires cov.shape == (..., n, n) for "
                         f"n={mshape[-1]} (mean.shape[-1]), but got cov.shape == {cshape}.")
    shape = C.sample_shape("multivariate_normal", shape, mshape[:-1], cshape[:-2])
    return _multivariate_normal(data, shape, dtype, method, mean, cov)


def _orthogonal_impl(data, shape, dtype, n, m):
    jnp, linalg = _linalg()
    z = normal_real(data, (*shape, max(n, m), min(n, m)), dtype)
    q, r = linalg.qr(z)
    # Fix the signs so that the distribution is uniform: R's diagonal made positive.
    signs = lax.sign(jnp.diagonal(r, 0, -2, -1))
    q = lax.mul(q, lax.expand_dims(signs, (len(shape),)))
    if n < m:
        q = jnp.swapaxes(q, -1, -2)
    return q


_orthogonal = jit(_orthogonal_impl, static_argnums=(1, 2, 3, 4))


def orthogonal(key, n, shape=(), dtype=None, m=None, *, out_sharding=None):
    """Returns random matrices of shape `shape + (n, m)` (m defaults to n) with orthonormal
    columns (or rows, when n < m), distributed uniformly (Haar measure)."""
    data, _ = single_key("orthogonal", key)
    dtype = C.float_dtype("orthogonal", dtype)
    n = C.shape_arg("orthogonal", (n,))[0]
    m = n if m is None else C.shape_arg("orthogonal", (m,))[0]
    return _orthogonal(data, C.shape_arg("orthogonal", shape), dtype, n, m)
