"""Every error class a jaxlike user can see, in one place.

Messages name the user's function and argument where known, the shapes and dtypes
involved, and what to do instead.
"""


class JaxlikeTypeError(TypeError):
    """Base class for type errors raised about traced values."""


class ConcretizationTypeError(JaxlikeTypeError):
    """A traced (abstract) value was used where a concrete Python value is needed."""

    def __init__(self, tracer, context=""):
        super().__init__(_concretization_message(tracer, context))


class TracerBoolConversionError(ConcretizationTypeError):
    """`bool()` (an `if`, `while`, `and`, `or`) was applied to a traced value."""


class TracerIntegerConversionError(JaxlikeTypeError):
    """`__index__` (indexing a Python list, `range()`) was applied to a traced value."""

    def __init__(self, tracer):
        super().__init__(
            f"The __index__() method was called on traced array with shape "
            f"{tracer.aval.str_short()}.{_provenance(tracer)}\n"
            "A traced value cannot be used as a Python integer (to index a list or tuple, or as a "
            "range() bound). Index an array instead (jnp.asarray(seq)[i]), or mark the argument "
            "static with static_argnums/static_argnames.")


class TracerArrayConversionError(JaxlikeTypeError):
    """A traced value was converted to a NumPy array (`np.asarray(tracer)`)."""

    def __init__(self, tracer):
        super().__init__(
            f"The numpy.ndarray conversion method __array__() was called on traced array with "
            f"shape {tracer.aval.str_short()}.{_provenance(tracer)}\n"
            "NumPy functions cannot run on traced values inside a transformation: use the "
            "jaxlike.numpy equivalent (jnp.sin instead of np.sin), or compute it outside jit.")


class NonConcreteBooleanIndexError(IndexError):
    """A boolean mask that is not concrete (traced by jit, vmap, grad...) was used as an
    index: the result's shape would depend on the mask's values."""

    def __init__(self, aval_str):
        super().__init__(
            f"Array boolean indices must be concrete; got {aval_str}\n"
            "x[mask] has as many elements as the mask has True values, which is not known "
            "while tracing. Use jnp.where(mask, x, fill) to keep x's shape, or "
            "jnp.nonzero(mask, size=N, fill_value=...) (also jnp.where(mask, size=N)) for at "
            "most N selected positions, then index with those.")


class UnexpectedTracerError(Exception):
    """A tracer escaped the transformation that created it and was used afterwards."""


class JaxRuntimeError(RuntimeError):
    """An error reported by XLA while compiling or running a program."""


def _provenance(tracer):
    origin = getattr(tracer, "_debug_origin", None)
    return f"\n{origin}" if origin else ""


def _concretization_message(tracer, context):
    what = f"Abstract tracer value encountered where concrete value is expected: {tracer!r}"
    hint = (
        "\nThe value depends on the arguments of a function being traced (by jit, grad, vmap, "
        "...), so it has no concrete value while tracing."
        f"{_provenance(tracer)}\n"
        "If the Python control flow depends on it, use lax.cond / lax.while_loop / jnp.where, "
        "or mark the argument static with static_argnums or static_argnames in jit.")
    return f"{what}\n{context}{hint}" if context else what + hint
