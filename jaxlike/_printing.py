"""Text rendering of arrays: ``repr``, ``str`` and ``format``.

Pure functions over host (numpy) data, so they can be used by the array
class and tested without any device.  The output matches what JAX 0.10.2
prints for a fully addressable array.  Everything goes through numpy's own
printing machinery, so the user's current ``np.printoptions`` (precision,
threshold, linewidth, suppress, legacy, ...) are honoured.

Nothing else from jaxlike is imported here on purpose.
"""

from __future__ import annotations

import numpy as np

try:  # registers bfloat16, float8_*, int4, ... with numpy
    import ml_dtypes  # noqa: F401
except ImportError:  # pragma: no cover
    pass

__all__ = ["array_repr", "array_str", "array_format"]

_OPEN = "Array("


def _host(value, dtype) -> np.ndarray:
    """Return ``value`` as an ndarray of ``dtype`` (no copy when possible)."""
    arr = np.asarray(value)
    if dtype is not None:
        dtype = np.dtype(dtype)
        if arr.dtype != dtype:
            arr = arr.astype(dtype)
    return arr


def _dtype_field(dtype: np.dtype, weak_type: bool) -> str:
    text = "dtype=" + dtype.name
    if weak_type:
        text += ", weak_type=True"
    return text


def array_repr(value, dtype=None, weak_type: bool = False) -> str:
    """``repr`` of an array with host value ``value``.

    Examples: ``Array([0, 1, 2], dtype=int32)``,
    ``Array(4., dtype=float32, weak_type=True)``,
    ``Array([], shape=(0,), dtype=float32)``.
    """
    arr = _host(value, dtype)
    meta = _dtype_field(arr.dtype, bool(weak_type))
    width = np.get_printoptions()["linewidth"]

    if arr.size == 0:
        body = "[], shape=" + str(tuple(int(d) for d in arr.shape))
    else:
        # The data is laid out as if preceded by "Array(" and followed by ",",
        # so that continuation lines line up under the first element.
        body = np.array2string(arr, max_line_width=width, separator=", ",
                               prefix=_OPEN, suffix=",")

    # Decide the gap before the dtype field from the length of the body's
    # last line.  This mirrors the reference quirks exactly: the "Array("
    # prefix is not counted even when the body is a single line, and an
    # over-long line gets a run of spaces as wide as the prefix, not a newline.
    last_line = body.rsplit("\n", 1)[-1]
    if len(last_line) + 2 + len(meta) + 2 > width:
        gap = " " * len(_OPEN)
    else:
        gap = " "
    return _OPEN + body + "," + gap + meta + ")"


def array_str(value, dtype=None, weak_type: bool = False) -> str:
    """``str`` of an array: plain numpy rendering, without ``Array(...)``."""
    del weak_type  # not shown by str()
    return str(_host(value, dtype))


def array_format(value, dtype=None, weak_type: bool = False, format_spec: str = "") -> str:
    """``format(x, spec)``: 0-d arrays format like their numpy scalar."""
    del weak_type
    arr = _host(value, dtype)
    if arr.ndim == 0:
        return format(arr[()], format_spec)
    return format(arr, format_spec)
