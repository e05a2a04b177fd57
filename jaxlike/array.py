"""`jaxlike.Array`: the concrete array type, a device buffer of jaxlib's C++ `ArrayImpl`.

Results of XLA executions are `ArrayImpl` objects created in C++; wrapping each in a Python
object would double eager overhead, so (as JAX does) the Python-level attributes are
installed on the C++ class itself. `jaxlike.Array` is the abstract type that both concrete
arrays and tracers are instances of, so `isinstance(x, jaxlike.Array)` holds under `jit`.
"""
import abc

import numpy as np

from jaxlike import _printing
from jaxlike.core import Tracer
from lowering import backend

ArrayImpl = backend.ArrayImpl


class Array(abc.ABC):
    """The type of jaxlike arrays (concrete device arrays and traced values alike)."""

    __slots__ = ()


Array.register(ArrayImpl)
Array.register(Tracer)


class _ConcreteArrayMethods:
    """Methods and properties specific to concrete arrays, copied onto ArrayImpl."""

    @property
    def shape(self):
        return self.aval.shape

    @property
    def dtype(self):
        return self.aval.dtype

    @property
    def ndim(self):
        return len(self.aval.shape)

    @property
    def size(self):
        return self.aval.size

    @property
    def weak_type(self):
        return self.aval.weak_type

    @property
    def itemsize(self):
        return self.aval.dtype.itemsize

    @property
    def nbytes(self):
        return self.aval.size * self.aval.dtype.itemsize

    @property
    def _value(self):
        return backend.to_numpy(self)

    @property
    def sharding(self):
        return self._sharding

    def __array__(self, dtype=None, copy=None):
        value = backend.to_numpy(self)
        if dtype is not None and np.dtype(dtype) != value.dtype:
            return value.astype(dtype)
        return value.copy() if copy else value

    def __repr__(self):
        if self.is_deleted():
            return f"Array(<deleted>, shape={self.aval.shape}, dtype={self.aval.dtype.name})"
        return _printing.array_repr(backend.to_numpy(self), self.aval.dtype, self.aval.weak_type)

    def __str__(self):
        return _printing.array_str(backend.to_numpy(self), self.aval.dtype, self.aval.weak_type)

    def __format__(self, format_spec):
        return _printing.array_format(backend.to_numpy(self), self.aval.dtype,
                                      self.aval.weak_type, format_spec)

    def item(self, *args):
        """Returns one element as a Python scalar."""
        return backend.to_numpy(self).item(*args)

    def tolist(self):
        """Returns the array as nested Python lists of Python scalars."""
        return backend.to_numpy(self).tolist()

    def __float__(self):
        return float(_scalar_value(self, "float"))

    def __int__(self):
        return int(_scalar_value(self, "int"))

    def __complex__(self):
        return complex(_scalar_value(self, "complex"))

    def __bool__(self):
        return bool(_scalar_value(self, "bool"))

    def __index__(self):
        if not np.issubdtype(self.aval.dtype, np.integer):
            raise TypeError(f"only integer arrays can be used as an index, got dtype "
                            f"{self.aval.dtype.name}")
        return int(_scalar_value(self, "index"))

    def __len__(self):
        if not self.aval.shape:
            raise TypeError("len() of unsized object")
        return self.aval.shape[0]

    def __iter__(self):
        if not self.aval.shape:
            raise TypeError("iteration over a 0-d array")
        # Unstack once on the host side of XLA: one op instead of one slice per row.
        from jaxlike import numpy as jnp
        return iter(jnp.unstack(self) if self.aval.shape[0] else ())

    def __hash__(self):
        raise TypeError("unhashable type: 'jaxlike.Array' (use a tuple or numpy value as a key)")

    def __reduce__(self):
        from jaxlike import numpy as jnp
        return (jnp.asarray, (np.array(backend.to_numpy(self)),))

    def copy_to_host_async(self):
        """Starts copying to the host; returns None."""
        self._copy_single_device_array_to_host_async()

    def devices(self):
        """Returns the set of devices holding this array."""
        return {backend.array_device(self)}

    @property
    def device(self):
        return backend.array_device(self)

    def addressable_data(self, index):
        """Returns this array (single-device arrays have one shard)."""
        return self

    @property
    def is_fully_addressable(self):
        return True

    @property
    def is_fully_replicated(self):
        return True


def _scalar_value(array, what):
    if array.aval.size != 1:
        raise TypeError(f"Only arrays of size 1 can be converted to Python scalars ({what}()); "
                        f"this one has shape {array.aval.shape}.")
    return backend.to_numpy(array).reshape(()).item() if what != "complex" else complex(
        backend.to_numpy(array).reshape(()))


class _TracerArrayProperties:
    """Properties tracers share with concrete arrays, read from the abstract value."""

    shape = property(lambda self: self.aval.shape)
    dtype = property(lambda self: self.aval.dtype)
    ndim = property(lambda self: len(self.aval.shape))
    size = property(lambda self: self.aval.size)
    weak_type = property(lambda self: self.aval.weak_type)
    itemsize = property(lambda self: self.aval.dtype.itemsize)


def install_methods(source, targets):
    """Copies every attribute defined in class `source` onto each class in `targets`."""
    for name, value in vars(source).items():
        if name in ("__module__", "__dict__", "__weakref__", "__doc__", "__qualname__",
                    "__slots__"):
            continue
        for target in targets:
            setattr(target, name, value)


install_methods(_ConcreteArrayMethods, [ArrayImpl])
install_methods(_TracerArrayProperties, [Tracer])
