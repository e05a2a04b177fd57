"""Elementwise numpy functions (ufuncs) on top of lax: promotion, broadcasting, then one
primitive each."""
from jaxlike import lax
from jaxlike.numpy._util import promote_args, promote_args_inexact


def _binary(name, op):
    def fun(x, y, /):
        x, y = promote_args(name, x, y)
        return op(x, y)
    fun.__name__ = fun.__qualname__ = name
    fun.__doc__ = f"Returns {name}(x, y) elementwise, with numpy broadcasting and JAX promotion."
    return fun


def _unary_inexact(name, op):
    def fun(x, /):
        x, = promote_args_inexact(name, x)
        return op(x)
    fun.__name__ = fun.__qualname__ = name
    fun.__doc__ = f"Returns {name}(x) elementwise (integers are promoted to float)."
    return fun


add = _binary("add", lax.add)
subtract = _binary("subtract", lax.sub)
multiply = _binary("multiply", lax.mul)
sin = _unary_inexact("sin", lax.sin)
cos = _unary_inexact("cos", lax.cos)
exp = _unary_inexact("exp", lax.exp)
log = _unary_inexact("log", lax.log)
tanh = _unary_inexact("tanh", lax.tanh)
sqrt = _unary_inexact("sqrt", lax.sqrt)


def negative(x, /):
    """Returns -x elementwise."""
    x, = promote_args("negative", x)
    return lax.neg(x)


def true_divide(x, y, /):
    """Returns x / y elementwise, promoting integers to float."""
    x, y = promote_args_inexact("true_divide", x, y)
    return lax.div(x, y)


divide = true_divide
