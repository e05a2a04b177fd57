"""Abstract values: what tracing knows about an array (its shape, dtype and weak type)."""
import numpy as np


class ShapedArray:
    """An array's abstract value: a static shape (tuple of ints), a numpy dtype and a weak-type
    flag.

    Weakly typed values come from Python scalars; they give way to the other operand's
    dtype in promotion (`f32_array * 2.0` stays float32). Instances are immutable and
    hashable; the hash is computed once because avals key every dispatch cache.
    """

    __slots__ = ("shape", "dtype", "weak_type", "_hash")

    def __init__(self, shape, dtype, weak_type=False):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.weak_type = bool(weak_type)
        self._hash = hash((self.shape, self.dtype, self.weak_type))

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        size = 1
        for d in self.shape:
            size *= d
        return size

    def __hash__(self):
        return self._hash

    def __eq__(self, other):
        return (type(other) is ShapedArray and self.shape == other.shape
                and self.dtype == other.dtype and self.weak_type == other.weak_type)

    def strip_weak_type(self):
        """Returns this aval with weak_type=False."""
        return ShapedArray(self.shape, self.dtype) if self.weak_type else self

    def update(self, shape=None, dtype=None, weak_type=None):
        """Returns a copy with the given fields replaced."""
        return ShapedArray(self.shape if shape is None else shape,
                           self.dtype if dtype is None else dtype,
                           self.weak_type if weak_type is None else weak_type)

    def str_short(self):
        """Returns the compact form used in printed jaxprs, e.g. `f32[2,3]`."""
        return f"{short_dtype_name(self.dtype)}[{','.join(map(str, self.shape))}]"

    def __repr__(self):
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapedArray({self.str_short()}{weak})"

    __str__ = str_short


_SHORT_NAMES = {
    "bool": "bool", "float16": "f16", "bfloat16": "bf16", "float32": "f32", "float64": "f64",
    "complex64": "c64", "complex128": "c128",
}


def short_dtype_name(dtype):
    """Returns JAX's short dtype name: f32, i32, u8, bf16, bool, c64 ..."""
    name = np.dtype(dtype).name
    short = _SHORT_NAMES.get(name)
    if short is None:
        if name.startswith("uint"):
            short = "u" + name[4:]
        elif name.startswith("int"):
            short = "i" + name[3:]
        else:
            short = name
        _SHORT_NAMES[name] = short
    return short


# ---------------------------------------------------------------------------------------------
# The abstract value of any value a primitive may receive.

def _scalar_aval(kind, weak):
    from jaxlike import dtypes
    return ShapedArray((), dtypes.canonicalize_dtype(kind), weak)


def _int_aval(x):
    from jaxlike import dtypes
    aval = _scalar_aval(np.int64, True)
    dtypes.check_int_fits(x, aval.dtype)
    return aval


_PYTHON_SCALAR_AVALS = {
    bool: lambda x: _scalar_aval(np.bool_, False),
    int: _int_aval,
    float: lambda x: _scalar_aval(np.float64, True),
    complex: lambda x: _scalar_aval(np.complex128, True),
}


def _numpy_aval(x):
    from jaxlike import dtypes
    return ShapedArray(np.shape(x), dtypes.canonicalize_dtype(x.dtype), False)


def get_aval(x):
    """Returns the ShapedArray of a tracer, device array, numpy value or Python scalar;
    raises TypeError for anything else."""
    try:
        return x.aval
    except AttributeError:
        pass
    handler = _PYTHON_SCALAR_AVALS.get(type(x))
    if handler is not None:
        return handler(x)
    if isinstance(x, (np.ndarray, np.generic)):
        return _numpy_aval(x)
    for kind, handler in _PYTHON_SCALAR_AVALS.items():
        if isinstance(x, kind):  # subclasses such as IntEnum
            return handler(x)
    raise TypeError(f"Value {x!r} of type {type(x).__name__} is not a valid jaxlike type: "
                    "expected an array, a numpy array or a Python scalar.")


def is_literalable(x):
    """Returns True for scalars that a jaxpr may write inline as a Literal."""
    t = type(x)
    return t in _PYTHON_SCALAR_AVALS or (isinstance(x, (np.ndarray, np.generic))
                                         and np.ndim(x) == 0)
