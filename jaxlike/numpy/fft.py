"""jaxlike.numpy.fft: NumPy's discrete Fourier transforms on top of `lax.fft`.

Every transform takes the lengths `n`/`s` (inputs are cropped or zero-padded to them),
the axes, and `norm`: "backward" (the default: the inverse transforms divide by the number
of points), "ortho" (both divide by its square root) or "forward" (the forward transforms
divide). Integer and real inputs become complex64 (complex128 for 64-bit inputs with x64);
rfft takes real inputs only. XLA transforms at most three axes at a time, so longer `axes`
run in several calls.
"""
import functools
import math
import operator

import numpy as np

from jaxlike import dtypes, lax
from jaxlike.api import jit
from jaxlike.core import get_aval
from jaxlike.numpy import creation, indexing_ops
from jaxlike.numpy._util import check_arraylike, to_inexact_dtype

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
           "fftn", "ifftn", "rfftn", "irfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

_NORMS = (None, "backward", "ortho", "forward")
_FORWARD = {lax.FftType.FFT, lax.FftType.RFFT}


# ---------------------------------------------------------------------------------------------
# Arguments.

def _check_norm(name, norm):
    if norm not in _NORMS:
        raise ValueError(f'jnp.fft.{name}: invalid norm value {norm!r}; should be "backward", '
                         '"ortho" or "forward".')


def _canonical_axes(name, axes, s, shape):
    """Returns the transformed axes (non-negative) for `axes` and `s` as NumPy defines them:
    all axes, or the last len(s) axes when only `s` is given."""
    ndim = len(shape)
    if axes is None:
        axes = range(ndim) if s is None else range(ndim - len(s), ndim)
    result = []
    for a in axes:
        a = operator.index(a)
        if not -ndim <= a < ndim:
            raise ValueError(f"jnp.fft.{name}: axis {a} is out of bounds for array of "
                             f"dimension {ndim} (shape {tuple(shape)}).")
        result.append(a % ndim)
    if len(set(result)) != len(result):
        raise ValueError(f"jnp.fft.{name} does not support repeated axes. Got axes "
                         f"{tuple(axes)}.")
    if not result and ndim == 0:
        raise ValueError(f"jnp.fft.{name}: cannot transform a rank-0 array; it has no axes.")
    return tuple(result)


def _canonical_lengths(name, s, axes):
    if s is None:
        return None
    s = tuple(operator.index(n) for n in s)
    if len(s) != len(axes):
        raise ValueError(f"jnp.fft.{name}: the lengths s={s} and the axes {axes} must have "
                         "the same length.")
    if any(n < 1 for n in s):
        raise ValueError(f"jnp.fft.{name}: the lengths s={s} must be positive.")
    return s


def _resize(x, axis, n):
    """Returns `x` cropped or zero-padded to length `n` along `axis`."""
    size = get_aval(x).shape[axis]
    if size > n:
        return lax.slice_in_dim(x, 0, n, axis=axis)
    if size < n:
        config = [(0, n - size if d == axis else 0, 0) for d in range(get_aval(x).ndim)]
        return lax.pad(x, np.zeros((), get_aval(x).dtype), config)
    return x


def _as_input(name, a, fft_type):
    """Returns `a` as a jaxlike array of the dtype the transform reads."""
    check_arraylike(f"jnp.fft.{name}", a)
    a = creation.asarray(a)
    dtype = get_aval(a).dtype
    if fft_type == lax.FftType.RFFT:
        if dtypes.is_complex(dtype):
            raise ValueError(f"jnp.fft.{name}: only real valued inputs are supported, got "
                             f"{dtype.name}.")
        target = np.dtype(np.float64 if to_inexact_dtype(dtype).itemsize == 8 else np.float32)
    elif dtypes.is_complex(dtype):
        target = dtype
    else:
        target = np.dtype(np.complex128 if to_inexact_dtype(dtype).itemsize == 8
                          else np.complex64)
    target = dtypes.canonicalize_dtype(target)
    return a if dtype == target else lax.convert_element_type(a, target, False)


# ---------------------------------------------------------------------------------------------
# The transform over any number of axes.

def _chunks(axes, fft_type):
    """Returns `axes` split into runs of at most three, in the order they are transformed:
    an RFFT starts with the run holding the (real) last axis, an IRFFT ends with it."""
    runs = [axes[max(0, i - 3):i] for i in range(len(axes), 0, -3)]
    return runs if fft_type == lax.FftType.RFFT else runs[::-1]


def _transform(x, fft_type, axes, lengths):
    """Applies lax.fft of `fft_type` over `axes` (the last is the real axis of RFFT/IRFFT),
    with output `lengths`, moving the axes to the end and back."""
    ndim = get_aval(x).ndim
    rest = [d for d in range(ndim) if d not in axes]
    perm = tuple(rest) + tuple(axes)
    if perm != tuple(range(ndim)):
        x = lax.transpose(x, perm)
    chunks = _chunks(tuple(range(len(rest), ndim)), fft_type)
    for chunk in chunks:
        kind = fft_type
        if chunk[-1] != ndim - 1 and fft_type in (lax.FftType.RFFT, lax.FftType.IRFFT):
            kind = lax.FftType.FFT if fft_type == lax.FftType.RFFT else lax.FftType.IFFT
        chunk_lengths = tuple(lengths[d - len(rest)] for d in chunk)
        if chunk[0] != ndim - len(chunk):
            x = _with_trailing(x, chunk, kind, chunk_lengths)
        else:
            x = lax.fft(x, kind, chunk_lengths)
    if perm != tuple(range(ndim)):
        x = lax.transpose(x, tuple(np.argsort(perm).tolist()))
    return x


def _with_trailing(x, chunk, kind, lengths):
    # A run of axes that is not trailing: move it to the end, transform, move it back.
    ndim = get_aval(x).ndim
    perm = tuple(d for d in range(ndim) if d not in chunk) + tuple(chunk)
    y = lax.fft(lax.transpose(x, perm), kind, lengths)
    return lax.transpose(y, tuple(np.argsort(perm).tolist()))


def _scale(x, fft_type, norm, count):
    """Applies `norm` to a transform over `count` points (lax's inverses divide by count)."""
    if norm in (None, "backward"):
        return x
    forward = fft_type in _FORWARD
    if norm == "ortho":
        factor = 1 / math.sqrt(count) if forward else math.sqrt(count)
    else:
        factor = 1 / count if forward else count
    return lax.mul(x, np.asarray(factor, get_aval(x).dtype))


def _fftn(name, fft_type, a, s, axes, norm):
    """The transform behind every jnp.fft function (compiled as one program per
    configuration and shape, so that eager calls compile once)."""
    _check_norm(name, norm)
    as_tuple = lambda v: None if v is None else tuple(operator.index(i) for i in v)
    return _fftn_jit(name, fft_type, a, as_tuple(s), as_tuple(axes), norm)


@functools.partial(jit, static_argnames=("name", "fft_type", "s", "axes", "norm"))
def _fftn_jit(name, fft_type, a, s, axes, norm):
    a = _as_input(name, a, fft_type)
    shape = get_aval(a).shape
    axes = _canonical_axes(name, axes, s, shape)
    s = _canonical_lengths(name, s, axes)
    if s is None:
        s = tuple(shape[d] for d in axes)
        if fft_type == lax.FftType.IRFFT:
            s = s[:-1] + (2 * (s[-1] - 1),)
    for i, (d, n) in enumerate(zip(axes, s)):
        last_of_irfft = fft_type == lax.FftType.IRFFT and i == len(axes) - 1
        a = _resize(a, d, n // 2 + 1 if last_of_irfft else n)
    if any(n < 1 for n in s):
        raise ValueError(f"jnp.fft.{name}: invalid number of data points {s} specified.")
    out = _transform(a, fft_type, axes, s) if axes else a
    return _scale(out, fft_type, norm, math.prod(s))


# ---------------------------------------------------------------------------------------------
# NumPy's functions.

def _one_axis(n, axis):
    return (None if n is None else (n,)), (axis,)


def fft(a, n=None, axis=-1, norm=None):
    """Returns the 1-D discrete Fourier transform of `a` along `axis` (cropped or
    zero-padded to `n` points), as a complex array."""
    s, axes = _one_axis(n, axis)
    return _fftn("fft", lax.FftType.FFT, a, s, axes, norm)


def ifft(a, n=None, axis=-1, norm=None):
    """Returns the 1-D inverse discrete Fourier transform of `a` along `axis` (n points)."""
    s, axes = _one_axis(n, axis)
    return _fftn("ifft", lax.FftType.IFFT, a, s, axes, norm)


def rfft(a, n=None, axis=-1, norm=None):
    """Returns the 1-D transform of real `a` along `axis`: the n//2 + 1 non-negative
    frequency terms (complex)."""
    s, axes = _one_axis(n, axis)
    return _fftn("rfft", lax.FftType.RFFT, a, s, axes, norm)


def irfft(a, n=None, axis=-1, norm=None):
    """Returns the real inverse of rfft along `axis`: `n` real points (default
    2 * (len - 1)) from the non-negative frequency terms of `a`."""
    s, axes = _one_axis(n, axis)
    return _fftn("irfft", lax.FftType.IRFFT, a, s, axes, norm)


_SWAP = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}


def hfft(a, n=None, axis=-1, norm=None):
    """Returns the real transform of a signal with Hermitian symmetry given by its
    non-negative frequency half `a` (n real points, default 2 * (len - 1))."""
    _check_norm("hfft", norm)
    conj = lax.conj(_as_input("hfft", a, lax.FftType.IRFFT))
    return irfft(conj, n, axis, _SWAP[norm])


def ihfft(a, n=None, axis=-1, norm=None):
    """Returns the inverse of hfft: the n//2 + 1 non-negative frequency terms of real
    `a`'s Hermitian-symmetric spectrum."""
    _check_norm("ihfft", norm)
    return lax.conj(rfft(a, n, axis, _SWAP[norm]))


def fftn(a, s=None, axes=None, norm=None):
    """Returns the N-D discrete Fourier transform of `a` over `axes` (all, or the last
    len(s)), cropped or zero-padded to the lengths `s`."""
    return _fftn("fftn", lax.FftType.FFT, a, s, axes, norm)


def ifftn(a, s=None, axes=None, norm=None):
    """Returns the N-D inverse discrete Fourier transform of `a` over `axes`."""
    return _fftn("ifftn", lax.FftType.IFFT, a, s, axes, norm)


def rfftn(a, s=None, axes=None, norm=None):
    """Returns the N-D transform of real `a` over `axes`; the last axis keeps its
    non-negative frequencies only."""
    return _fftn("rfftn", lax.FftType.RFFT, a, s, axes, norm)


def irfftn(a, s=None, axes=None, norm=None):
    """Returns the real inverse of rfftn over `axes`, of real lengths `s` (the last
    defaults to 2 * (len - 1))."""
    return _fftn("irfftn", lax.FftType.IRFFT, a, s, axes, norm)


def fft2(a, s=None, axes=(-2, -1), norm=None):
    """Returns the 2-D discrete Fourier transform of `a` over `axes`."""
    return _fftn("fft2", lax.FftType.FFT, a, s, axes, norm)


def ifft2(a, s=None, axes=(-2, -1), norm=None):
    """Returns the 2-D inverse discrete Fourier transform of `a` over `axes`."""
    return _fftn("ifft2", lax.FftType.IFFT, a, s, axes, norm)


def rfft2(a, s=None, axes=(-2, -1), norm=None):
    """Returns the 2-D transform of real `a` over `axes` (half spectrum on the last)."""
    return _fftn("rfft2", lax.FftType.RFFT, a, s, axes, norm)


def irfft2(a, s=None, axes=(-2, -1), norm=None):
    """Returns the real inverse of rfft2 over `axes`."""
    return _fftn("irfft2", lax.FftType.IRFFT, a, s, axes, norm)


# ---------------------------------------------------------------------------------------------
# Frequencies and shifts.

def _frequencies(name, values, n, d, dtype):
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"jnp.fft.{name}: n must be an int, got {n!r}.") from None
    dtype = dtypes.canonicalize_dtype(dtype or dtypes.default_float_dtype())
    if not (dtypes.is_float(dtype) or dtypes.is_complex(dtype)):
        raise ValueError(f"jnp.fft.{name}: dtype must be a floating or complex type, got "
                         f"{np.dtype(dtype).name}.")
    k = creation.asarray(np.asarray(values, np.float64), dtype=dtype)
    return lax.div(k, lax.mul(creation.asarray(d, dtype=dtype), np.asarray(n, dtype)))


def fftfreq(n, d=1.0, *, dtype=None, device=None):
    """Returns the sample frequencies of an n-point transform with sample spacing `d`:
    [0, 1, ..., (n-1)//2, -(n//2), ..., -1] / (d * n), in the default float type."""
    values = np.concatenate([np.arange((n - 1) // 2 + 1), -np.arange(n // 2, 0, -1)])
    return _frequencies("fftfreq", values, n, d, dtype)


def rfftfreq(n, d=1.0, *, dtype=None, device=None):
    """Returns the non-negative sample frequencies of an n-point rfft:
    [0, 1, ..., n//2] / (d * n)."""
    return _frequencies("rfftfreq", np.arange(n // 2 + 1), n, d, dtype)


def _shift(name, x, axes, sign):
    check_arraylike(f"jnp.fft.{name}", x)
    x = creation.asarray(x)
    shape = get_aval(x).shape
    if axes is None:
        axes = tuple(range(len(shape)))
    elif isinstance(axes, int) or np.ndim(axes) == 0:
        axes = (operator.index(axes),)
    axes = _canonical_axes(name, axes, None, shape) if axes else ()
    shifts = tuple(sign * (shape[d] // 2) for d in axes)
    return indexing_ops.roll(x, shifts, axes) if axes else x


def fftshift(x, axes=None):
    """Returns `x` rolled so that the zero frequency is at the center of `axes` (all axes
    when None)."""
    return _shift("fftshift", x, axes, 1)


def ifftshift(x, axes=None):
    """Returns the inverse of fftshift: `x` rolled back by half of each of `axes`."""
    return _shift("ifftshift", x, axes, -1)
