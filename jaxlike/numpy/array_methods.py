"""Operators and methods of arrays and tracers (`x + y`, `x.sum()`, `x[i]`), installed on
both jaxlib's ArrayImpl and jaxlike's Tracer so user code runs the same eagerly and traced."""
from jaxlike.array import ArrayImpl, install_methods
from jaxlike.core import Tracer


def _forward(name):
    def op(self, other):
        from jaxlike import numpy as jnp
        return getattr(jnp, name)(self, other)
    return op


def _reverse(name):
    def op(self, other):
        from jaxlike import numpy as jnp
        return getattr(jnp, name)(other, self)
    return op


class _ArrayOperators:
    __add__ = _forward("add")
    __radd__ = _reverse("add")
    __sub__ = _forward("subtract")
    __rsub__ = _reverse("subtract")
    __mul__ = _forward("multiply")
    __rmul__ = _reverse("multiply")
    __truediv__ = _forward("true_divide")
    __rtruediv__ = _reverse("true_divide")

    def __neg__(self):
        from jaxlike import numpy as jnp
        return jnp.negative(self)


install_methods(_ArrayOperators, [ArrayImpl, Tracer])
