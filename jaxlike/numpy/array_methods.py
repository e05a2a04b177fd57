"""Operators and methods of arrays and tracers (`x + y`, `x.sum()`, `x[i]`, `x.T`), installed
on both jaxlib's ArrayImpl and jaxlike's Tracer so user code runs the same eagerly and traced.

Each one delegates to the jnp function of the same meaning. A binary operator whose other
operand is not an array or scalar (a list, a string, None) returns NotImplemented, so Python
raises its usual TypeError (or, for `==`, falls back to identity), as with JAX.
"""
import numpy as np

from jaxlike import dtypes, errors, lax
from jaxlike import numpy as jnp  # the package; its functions are looked up at call time
from jaxlike.array import ArrayImpl, install_methods
from jaxlike.core import Tracer
from jaxlike.numpy import indexing
from jaxlike.numpy._util import is_arraylike


def _binary(name, reverse=False):
    def op(self, other):
        if not is_arraylike(other):
            return NotImplemented
        fun = getattr(jnp, name)
        return fun(other, self) if reverse else fun(self, other)
    op.__name__ = f"__r{name}__" if reverse else f"__{name}__"
    return op


def _unary(name):
    def op(self):
        return getattr(jnp, name)(self)
    op.__name__ = name
    return op


def _method(name):
    """Returns a method that calls jnp.<name>(self, ...) with the same arguments."""
    def method(self, *args, **kwargs):
        fun = getattr(jnp, name, None)
        if fun is None:
            raise NotImplementedError(f"Array.{name} needs jnp.{name}, which jaxlike does not "
                                      "implement yet.")
        return fun(self, *args, **kwargs)
    method.__name__ = name
    method.__doc__ = f"Returns jnp.{name}(self, ...)."
    return method


class _ArrayOperators:
    __add__, __radd__ = _binary("add"), _binary("add", True)
    __sub__, __rsub__ = _binary("subtract"), _binary("subtract", True)
    __mul__, __rmul__ = _binary("multiply"), _binary("multiply", True)
    __truediv__, __rtruediv__ = _binary("true_divide"), _binary("true_divide", True)
    __floordiv__, __rfloordiv__ = _binary("floor_divide"), _binary("floor_divide", True)
    __mod__, __rmod__ = _binary("remainder"), _binary("remainder", True)
    __divmod__, __rdivmod__ = _binary("divmod"), _binary("divmod", True)
    __pow__, __rpow__ = _binary("power"), _binary("power", True)
    __matmul__, __rmatmul__ = _binary("matmul"), _binary("matmul", True)
    __and__, __rand__ = _binary("bitwise_and"), _binary("bitwise_and", True)
    __or__, __ror__ = _binary("bitwise_or"), _binary("bitwise_or", True)
    __xor__, __rxor__ = _binary("bitwise_xor"), _binary("bitwise_xor", True)
    __lshift__, __rlshift__ = _binary("left_shift"), _binary("left_shift", True)
    __rshift__, __rrshift__ = _binary("right_shift"), _binary("right_shift", True)
    __eq__ = _binary("equal")
    __ne__ = _binary("not_equal")
    __lt__ = _binary("less")
    __le__ = _binary("less_equal")
    __gt__ = _binary("greater")
    __ge__ = _binary("greater_equal")
    __neg__ = _unary("negative")
    __pos__ = _unary("positive")
    __abs__ = _unary("absolute")
    __invert__ = _unary("invert")

    def __getitem__(self, idx):
        return indexing.getitem(self, idx)

    def __round__(self, ndigits=None):
        # Python's round(x) gives an integer, round(x, n) a value of x's type (as in JAX).
        if ndigits is None:
            return jnp.round(self).astype(dtypes.default_int_dtype())
        return jnp.round(self, ndigits)

    # Reductions and elementwise methods: the jnp functions, same arguments.
    sum = _method("sum")
    prod = _method("prod")
    mean = _method("mean")
    var = _method("var")
    std = _method("std")
    max = _method("max")
    min = _method("min")
    argmax = _method("argmax")
    argmin = _method("argmin")
    all = _method("all")
    any = _method("any")
    cumsum = _method("cumsum")
    cumprod = _method("cumprod")
    clip = _method("clip")
    round = _method("round")
    conj = _method("conj")
    conjugate = _method("conjugate")
    dot = _method("dot")
    squeeze = _method("squeeze")
    swapaxes = _method("swapaxes")
    repeat = _method("repeat")
    ravel = _method("ravel")
    copy = _method("copy")

    def reshape(self, *shape, order="C"):
        """Returns the array reshaped; the shape may be given as one tuple or as ints."""
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = shape[0]
        return jnp.reshape(self, shape, order=order)

    def transpose(self, *axes):
        """Returns the array with axes permuted (reversed when none are given); the axes may
        be given as one tuple or as ints."""
        if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
            axes = axes[0]
        return jnp.transpose(self, axes or None)

    def flatten(self, order="C"):
        """Returns the array flattened to one dimension."""
        return jnp.ravel(self, order)

    def astype(self, dtype, copy=False, device=None):
        """Returns the array converted to `dtype` (strongly typed)."""
        dtype = dtypes.canonicalize_dtype(dtype)
        x = self
        if dtypes.is_complex(self.dtype) and not dtypes.is_complex(dtype):
            x = jnp.real(x)  # as numpy (and JAX) do, dropping the imaginary part
        return lax.convert_element_type(x, dtype)

    at = property(lambda self: indexing._IndexUpdateHelper(self),
                  doc="Indexed updates: x.at[idx].set(y), .add(y), .get(), ... return new arrays.")
    T = property(lambda self: jnp.transpose(self), doc="The array with its axes reversed.")
    mT = property(lambda self: jnp.matrix_transpose(self),
                  doc="The array with its last two axes swapped.")
    real = property(lambda self: jnp.real(self), doc="The real part.")
    imag = property(lambda self: jnp.imag(self), doc="The imaginary part.")


# Defining __eq__ made Python add `__hash__ = None` to the class; arrays keep their own
# __hash__ (which raises a helpful TypeError), so it must not be copied over.
del _ArrayOperators.__hash__


def _needs_concrete_value(name):
    def method(self, *args):
        self.check_alive()
        raise errors.ConcretizationTypeError(
            self, f"The problem arose with the `{name}` method, which needs a concrete value.\n")
    method.__name__ = name
    return method


class _TracerOnlyMethods:
    item = _needs_concrete_value("item")
    tolist = _needs_concrete_value("tolist")


install_methods(_ArrayOperators, [ArrayImpl, Tracer])
# numpy defers to our reflected operators (np_array + x is ours), as it already does for
# tracers, whose class sets a higher priority.
ArrayImpl.__array_priority__ = 100
install_methods(_TracerOnlyMethods, [Tracer])
