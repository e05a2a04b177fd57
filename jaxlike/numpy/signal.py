"""NumPy's 1-D `convolve` and `correlate`, each one `lax.conv_general_dilated`."""
from jaxlike import lax
from jaxlike.core import get_aval
from jaxlike.numpy._util import check_arraylike, promote_dtypes, promote_to_inexact

__all__ = ["convolve", "correlate"]

_MODES = ("full", "same", "valid")


def _pads(mode, kernel):
    """Returns the (low, high) padding giving numpy's output of `mode` for a kernel of
    `kernel` taps: none ('valid'), kernel - 1 on each side ('full'), or the centred 'same'."""
    if mode == "valid":
        return (0, 0)
    if mode == "same":
        return (kernel // 2, kernel - kernel // 2 - 1)
    if mode == "full":
        return (kernel - 1, kernel - 1)
    raise ValueError(f"mode must be one of {list(_MODES)}")


def _as_ncw(x):
    # A 1-D array as one example with one feature: (N, C, W) = (1, 1, len).
    return lax.broadcast_in_dim(x, (1, 1) + get_aval(x).shape, (2,))


def _conv1d(name, a, v, mode, precision, preferred_element_type):
    check_arraylike(name, a, v)
    if get_aval(a).ndim != 1 or get_aval(v).ndim != 1:
        raise ValueError(f"{name}() only support 1-dimensional inputs; got shapes "
                         f"{get_aval(a).shape} and {get_aval(v).shape}.")
    if preferred_element_type is None:
        a, v = promote_to_inexact(a, v)
    else:
        a, v = promote_dtypes(a, v)
    n, m = get_aval(a).shape[0], get_aval(v).shape[0]
    if n == 0 or m == 0:
        raise ValueError(f"{name}: inputs cannot be empty, got shapes {(n,)} and {(m,)}.")
    pads = _pads(mode, min(n, m))
    reverse = False
    if name == "correlate":
        v = lax.conj(v) if get_aval(v).dtype.kind == "c" else v
        # Correlating the other way round gives the result reversed.
        a, v, reverse = (v, a, True) if n < m else (a, v, False)
    else:
        a, v = (v, a) if n < m else (a, v)  # convolution commutes
        v = lax.rev(v, (0,))
    out = lax.conv_general_dilated(_as_ncw(a), _as_ncw(v), (1,), (pads,), precision=precision,
                                   preferred_element_type=preferred_element_type)
    out = lax.squeeze(out, (0, 1))
    return lax.rev(out, (0,)) if reverse else out


def convolve(a, v, mode="full", *, precision=None, preferred_element_type=None):
    """Returns the discrete linear convolution of the 1-D arrays `a` and `v`: all
    len(a) + len(v) - 1 overlaps ('full'), the max(len) central ones ('same'), or those where
    the arrays overlap completely ('valid'), in the promoted inexact dtype."""
    return _conv1d("convolve", a, v, mode, precision, preferred_element_type)


def correlate(a, v, mode="valid", *, precision=None, preferred_element_type=None):
    """Returns the cross-correlation of the 1-D arrays `a` and `v`,
    c[k] = sum_n a[n + k] * conj(v[n]), for the overlaps of `mode` (see `convolve`)."""
    return _conv1d("correlate", a, v, mode, precision, preferred_element_type)
