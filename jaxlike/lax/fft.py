"""Fast Fourier transforms: the `fft` primitive, with JAX's name and params
(`fft[fft_lengths=(8,) fft_type=0]`), and `lax.fft`.

`fft_type` says which transform runs over the trailing `len(fft_lengths)` axes (one to
three of them, XLA's limit): FFT and IFFT map complex to complex of the same shape (IFFT
divides by the number of points); RFFT maps real to complex, keeping the n//2 + 1
non-negative frequencies of the last axis; IRFFT is its inverse, from such a half spectrum
back to real values of the shape `fft_lengths`.

Every transform is linear, so its JVP is the transform of the tangent. Transposes follow
JAX's non-conjugating convention (see jaxlike/test_util.check_vjp): the DFT matrix is
symmetric, so FFT and IFFT are their own transposes; RFFT's transpose zero-pads the half
spectrum to the full length, transforms and keeps the real part; IRFFT's is a scaled RFFT
(the doubled middle frequencies weigh twice), conjugated. The lowering is one
stablehlo.fft (lowering/fft.py).
"""
import enum
import math
import operator

import numpy as np

from jaxlike import dtypes
from jaxlike.core import Primitive, ShapedArray, get_aval
from jaxlike.core.ir import param_printers
from jaxlike.interpreters import ad, batching
from jaxlike.lax import elementwise as ew
from jaxlike.lax import structural as st

__all__ = ["FftType", "fft", "fft_p"]


class FftType(enum.IntEnum):
    """Which transform `lax.fft` computes."""

    FFT = 0
    """Complex-to-complex forward transform."""

    IFFT = 1
    """Complex-to-complex inverse transform (divided by the number of points)."""

    RFFT = 2
    """Real-to-complex forward transform: the non-negative frequencies of the last axis."""

    IRFFT = 3
    """Complex-to-real inverse transform of a half spectrum."""


_TYPE_NAMES = {"fft": FftType.FFT, "ifft": FftType.IFFT, "rfft": FftType.RFFT,
               "irfft": FftType.IRFFT}

fft_p = Primitive("fft")
# Printed as its int value, as JAX's IntEnum is: fft[fft_lengths=(8,) fft_type=2].
param_printers["fft"] = lambda params: {k: int(v) if k == "fft_type" else v
                                        for k, v in params.items()}


def _complex_of(dtype):
    return np.dtype(np.complex128 if np.dtype(dtype) == np.float64 else np.complex64)


def _real_of(dtype):
    return np.dtype(np.float64 if np.dtype(dtype) == np.complex128 else np.float32)


def _fft_aval(x, *, fft_type, fft_lengths):
    rank = len(fft_lengths)
    if not 1 <= rank <= 3:
        raise ValueError(f"fft: fft_lengths {fft_lengths} must name one to three trailing "
                         "axes (XLA's limit); transform more axes in several calls.")
    if x.ndim < rank:
        raise ValueError(f"fft: an FFT over {rank} axes (fft_lengths {fft_lengths}) needs an "
                         f"input of rank >= {rank}, got shape {x.shape}.")
    if any(n < 0 for n in fft_lengths):
        raise ValueError(f"fft: fft_lengths {fft_lengths} must be non-negative.")
    lead, minor = x.shape[:-rank], x.shape[-rank:]
    if fft_type == FftType.RFFT:
        if x.dtype not in (np.float32, np.float64):
            raise TypeError(f"fft: RFFT requires a float32 or float64 input, got "
                            f"{x.str_short()}; only real valued inputs are supported for rfft.")
        _check_minor("RFFT", x, minor, fft_lengths)
        shape = lead + minor[:-1] + (fft_lengths[-1] // 2 + 1,)
        return ShapedArray(shape, _complex_of(x.dtype))
    if not dtypes.is_complex(x.dtype):
        raise TypeError(f"fft: {fft_type.name} requires a complex64 or complex128 input, got "
                        f"{x.str_short()}.")
    if fft_type == FftType.IRFFT:
        expected = fft_lengths[:-1] + (fft_lengths[-1] // 2 + 1,)
        _check_minor("IRFFT", x, minor, expected, " (the last one is fft_lengths[-1] // 2 + 1)")
        return ShapedArray(lead + tuple(fft_lengths), _real_of(x.dtype))
    _check_minor(fft_type.name, x, minor, fft_lengths)
    return ShapedArray(x.shape, x.dtype)


def _check_minor(name, x, minor, expected, note=""):
    if tuple(minor) != tuple(expected):
        raise ValueError(f"fft: {name} input shape {x.shape} must end in the dimensions "
                         f"{tuple(expected)}{note}, got {tuple(minor)}.")


fft_p.def_abstract_eval(_fft_aval)


# ---------------------------------------------------------------------------------------------
# Transposes.

def _fft_axes(ndim, fft_lengths):
    return tuple(range(ndim - len(fft_lengths), ndim))


def _rfft_transpose(ct, fft_lengths):
    # RFFT = (keep the first n//2+1 frequencies) . FFT . (real -> complex). Transposed:
    # zero-pad back to n, FFT (symmetric), then the real part (the transpose of the cast).
    aval = get_aval(ct)
    n, kept = fft_lengths[-1], aval.shape[-1]
    config = ((0, 0, 0),) * (aval.ndim - 1) + ((0, n - kept, 0),)
    padded = st.pad(ct, np.zeros((), aval.dtype), config)
    return ew.real(fft_p.bind(padded, fft_type=FftType.FFT, fft_lengths=fft_lengths))


def _irfft_transpose(ct, fft_lengths):
    # IRFFT sums each middle frequency with its (implied) conjugate twin, the first one (and
    # the Nyquist one for even n) alone, and divides by the number of points.
    x = fft_p.bind(ct, fft_type=FftType.RFFT, fft_lengths=fft_lengths)
    aval = get_aval(x)
    n, kept = fft_lengths[-1], aval.shape[-1]
    weights = np.full((kept,), 2.0)
    weights[0] = 1.0
    if n % 2 == 0:
        weights[-1] = 1.0
    weights = weights / math.prod(fft_lengths)
    scale = st.broadcast_in_dim(np.asarray(weights, aval.dtype), aval.shape, (aval.ndim - 1,))
    return ew.conj(ew.mul(x, scale))


def _fft_transpose(ct, x, *, fft_type, fft_lengths):
    if fft_type == FftType.RFFT:
        return [_rfft_transpose(ct, fft_lengths)]
    if fft_type == FftType.IRFFT:
        return [_irfft_transpose(ct, fft_lengths)]
    # The DFT matrix is symmetric: FFT and IFFT are their own (non-conjugating) transposes.
    return [fft_p.bind(ct, fft_type=fft_type, fft_lengths=fft_lengths)]


ad.deflinear(fft_p, _fft_transpose)


def _fft_batch(vals, dims, *, fft_type, fft_lengths):
    # The transform acts on trailing axes: a batch axis among the leading ones stays put.
    (x,), (bdim,) = vals, dims
    ndim = get_aval(x).ndim
    if bdim >= ndim - len(fft_lengths):
        x, bdim = batching.moveaxis(x, bdim, 0), 0
    return fft_p.bind(x, fft_type=fft_type, fft_lengths=fft_lengths), bdim


batching.primitive_batchers[fft_p] = _fft_batch


# ---------------------------------------------------------------------------------------------
# The user-facing function.

def _canonical_type(fft_type):
    if isinstance(fft_type, str):
        try:
            return _TYPE_NAMES[fft_type.lower()]
        except KeyError:
            pass
    else:
        try:
            return FftType(fft_type)
        except ValueError:
            pass
    raise ValueError(f"fft: unknown fft_type {fft_type!r}; use a lax.FftType or one of "
                     f"{', '.join(map(repr, _TYPE_NAMES))}.")


def _canonical_lengths(fft_lengths):
    try:
        return tuple(operator.index(n) for n in fft_lengths)
    except TypeError:
        raise TypeError(f"fft: fft_lengths must be a sequence of ints, got "
                        f"{fft_lengths!r}.") from None


def fft(x, fft_type, fft_lengths):
    """Returns the FFT of kind `fft_type` (a FftType or 'fft', 'ifft', 'rfft', 'irfft') of
    `x` over its trailing len(fft_lengths) axes (1 to 3). Real inputs of FFT/IFFT/IRFFT are
    converted to complex first; see FftType for the shapes and dtypes of the results."""
    fft_type = _canonical_type(fft_type)
    fft_lengths = _canonical_lengths(fft_lengths)
    aval = get_aval(x)
    # 64-bit inputs transform in 64-bit precision, everything else in 32-bit.
    wide = aval.dtype in (np.float64, np.complex128, np.int64, np.uint64)
    if fft_type == FftType.RFFT:
        if dtypes.is_complex(aval.dtype):
            raise ValueError(f"fft: only real valued inputs are supported for rfft, got "
                             f"{aval.str_short()}.")
        target = dtypes.canonicalize_dtype(np.float64 if wide else np.float32)
    else:
        target = dtypes.canonicalize_dtype(np.complex128 if wide else np.complex64)
    if aval.dtype != target or aval.weak_type:
        x = ew.convert_element_type(x, target, False)
    return fft_p.bind(x, fft_type=fft_type, fft_lengths=fft_lengths)
