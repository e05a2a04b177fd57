"""The jaxpr IR: printing in JAX's format, the checker, staging and constants."""
import numpy as np
import pytest

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike import core, lax
from jaxlike.core import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, ShapedArray, Var, check_jaxpr

F32 = ShapedArray((), np.float32)


def test_make_jaxpr_prints_like_jax():
    def f(x):
        return jnp.sin(x) * jnp.cos(x)
    printed = str(jax.make_jaxpr(f)(1.0))
    assert printed == (
        "{ lambda ; a:f32[]. let\n"
        "    b:f32[] = sin a\n"
        "    c:f32[] = cos a\n"
        "    d:f32[] = mul b c\n"
        "  in (d,) }")


def test_literals_inline_and_weak_scalars_keep_dtype():
    printed = str(jax.make_jaxpr(lambda x: x * 2.0 + 1.0)(np.ones(3, np.float32)))
    assert "mul a 2.0:f32[]" in printed
    assert "add b 1.0:f32[]" in printed


def test_closed_over_arrays_become_constvars():
    c = jnp.sin(np.arange(3, dtype=np.float32))
    closed = jax.make_jaxpr(lambda x: x + c)(np.ones(3, np.float32))
    assert len(closed.consts) == 1 and closed.consts[0] is c
    assert str(closed).startswith("{ lambda a:f32[3]; b:f32[3]. let")
    assert closed.in_avals == [ShapedArray((3,), np.float32)]
    assert closed.out_avals == [ShapedArray((3,), np.float32)]


def test_nested_jit_prints_inner_jaxpr():
    inner = jax.jit(lambda x: jnp.sin(x) + 1.0)
    printed = str(jax.make_jaxpr(lambda x: inner(x) * x)(1.0))
    assert "jit[" in printed and "name=<lambda>" in printed and "sin" in printed


def test_checker_accepts_traced_jaxprs():
    closed = jax.make_jaxpr(lambda x, y: jnp.sin(x) * y - x)(1.0, np.float32(2))
    check_jaxpr(closed.jaxpr)


def test_checker_rejects_use_before_definition():
    a, b = Var(F32), Var(F32)
    eqn = JaxprEqn(lax.sin_p, [b], [Var(F32)], {})
    with pytest.raises(core.JaxprTypeError, match="before it is defined"):
        check_jaxpr(Jaxpr([], [a], eqn.outvars, [eqn]))


def test_checker_rejects_wrong_types():
    a = Var(F32)
    out = Var(ShapedArray((2,), np.float32))
    with pytest.raises(core.JaxprTypeError, match="abstract eval gives"):
        check_jaxpr(Jaxpr([], [a], [out], [JaxprEqn(lax.sin_p, [a], [out], {})]))


def test_literal_printing():
    assert repr(Literal(np.float32(1.0), F32)) == "1.0:f32[]"
    assert repr(Literal(np.int32(3), ShapedArray((), np.int32))) == "3:i32[]"
    assert repr(Literal(np.bool_(True), ShapedArray((), np.bool_))) == "True:bool[]"


def test_closed_jaxpr_is_printable_and_has_avals():
    closed = jax.make_jaxpr(lambda x: (x, jnp.sin(x)))(np.zeros((2, 3), np.float32))
    assert isinstance(closed, ClosedJaxpr)
    assert [str(a) for a in closed.out_avals] == ["f32[2,3]", "f32[2,3]"]
    assert "in (a, b) }" in str(closed)


def test_variable_names_continue_past_z():
    def f(x):
        for _ in range(30):
            x = jnp.sin(x)
        return x
    printed = str(jax.make_jaxpr(f)(1.0))
    assert " ba:f32[] = sin" in printed


def test_grad_jaxpr_prints_exactly_as_jax():
    # The seed program's expected output, character for character (unused outputs as `_`).
    f = lambda x: jnp.sin(x) * jnp.cos(x)  # noqa: E731
    assert str(jax.make_jaxpr(jax.grad(f))(1.0)) == (
        "{ lambda ; a:f32[]. let\n"
        "    b:f32[] = sin a\n"
        "    c:f32[] = cos a\n"
        "    d:f32[] = cos a\n"
        "    e:f32[] = sin a\n"
        "    _:f32[] = mul b d\n"
        "    f:f32[] = mul b 1.0:f32[]\n"
        "    g:f32[] = mul 1.0:f32[] d\n"
        "    h:f32[] = neg f\n"
        "    i:f32[] = mul h e\n"
        "    j:f32[] = mul g c\n"
        "    k:f32[] = add_any i j\n"
        "  in (k,) }")
