"""Automatic differentiation: the API, composition with jit, higher order, custom rules,
checkpointing and errors."""
import numpy as np
import pytest

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike import lax
from jaxlike.test_util import check_grads


def f_sin_cos(x):
    return jnp.sin(x) * jnp.cos(x)


def test_grad_jvp_vjp_of_seed_function():
    assert np.isclose(float(jax.grad(f_sin_cos)(1.0)), np.cos(2.0), rtol=1e-6)
    y, t = jax.jvp(f_sin_cos, (1.0,), (1.0,))
    assert np.isclose(float(y), np.sin(1) * np.cos(1), rtol=1e-6)
    assert np.isclose(float(t), np.cos(2.0), rtol=1e-6)
    assert "weak_type=True" in repr(t)
    y, pullback = jax.vjp(f_sin_cos, 1.0)
    (ct,) = pullback(1.0)
    assert np.isclose(float(ct), np.cos(2.0), rtol=1e-6)


def test_grad_jaxpr_uses_jax_primitive_names():
    printed = str(jax.make_jaxpr(jax.grad(f_sin_cos))(1.0))
    names = {line.split("=")[1].split()[0].split("[")[0]
             for line in printed.splitlines()[1:-1] if "=" in line}
    assert names == {"sin", "cos", "mul", "neg", "add_any"}


def test_higher_order_derivatives_of_polynomial():
    f = lambda x: x**3 + 2 * x**2 - 3 * x + 1  # noqa: E731
    derivs = [f]
    for _ in range(4):
        derivs.append(jax.grad(derivs[-1]))
    assert [float(d(1.0)) for d in derivs[1:]] == [4.0, 10.0, 6.0, 0.0]


def test_no_perturbation_confusion():
    assert float(jax.grad(lambda x: jax.grad(lambda y: x * y)(2.0))(3.0)) == 1.0
    # Siskind & Pearlmutter's example: d/dx (x * d/dy (x + y)) = 1.
    f = lambda x: x * jax.grad(lambda y: x + y)(1.0)  # noqa: E731
    assert float(jax.grad(f)(2.0)) == 1.0
    g = lambda x: jax.jvp(lambda y: x * y, (2.0,), (1.0,))[1]  # noqa: E731
    assert float(jax.jvp(g, (3.0,), (1.0,))[1]) == 1.0


def test_grad_and_jit_compose_in_every_order():
    expected = jax.grad(f_sin_cos)(0.7)
    assert np.isclose(float(jax.jit(jax.grad(f_sin_cos))(0.7)), float(expected), rtol=1e-6)
    assert np.isclose(float(jax.grad(jax.jit(f_sin_cos))(0.7)), float(expected), rtol=1e-6)
    assert np.isclose(float(jax.jit(jax.grad(jax.jit(f_sin_cos)))(0.7)), float(expected),
                      rtol=1e-6)
    assert np.isclose(float(jax.grad(jax.grad(jax.jit(f_sin_cos)))(0.7)),
                      float(jax.grad(jax.grad(f_sin_cos))(0.7)), rtol=1e-5)


def test_grad_of_jit_stays_jitted():
    printed = str(jax.make_jaxpr(jax.grad(jax.jit(f_sin_cos)))(1.0))
    assert printed.count("jit[") == 2  # the known (primal) call and the transposed call


def test_argnums_and_pytrees():
    f = lambda x, y: x**2 + 2 * y**2  # noqa: E731
    gx, gy = jax.grad(f, argnums=(0, 1))(2.0, 3.0)
    assert (float(gx), float(gy)) == (4.0, 12.0)
    params = {"w": jnp.array([1.0, 2.0]), "b": 0.5}
    g = jax.grad(lambda p: jnp.sum(p["w"] * p["w"]) + p["b"])(params)
    assert set(g) == {"w", "b"}
    np.testing.assert_allclose(np.asarray(g["w"]), [2.0, 4.0])
    assert float(g["b"]) == 1.0


def test_value_and_grad_and_has_aux():
    value, g = jax.value_and_grad(lambda x: x**2)(3.0)
    assert (float(value), float(g)) == (9.0, 6.0)
    (value, aux), g = jax.value_and_grad(lambda x: (x**2, "aux"), has_aux=True)(3.0)
    assert aux == "aux" and float(g) == 6.0
    g, aux = jax.grad(lambda x: (x**2, {"a": x}), has_aux=True)(3.0)
    assert float(g) == 6.0 and float(aux["a"]) == 3.0


def test_linearize_matches_jvp():
    x = jnp.array([0.1, 0.5, 1.2])
    f = lambda v: jnp.sin(v) * v  # noqa: E731
    y, f_jvp = jax.linearize(f, x)
    t = jnp.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(np.asarray(f_jvp(t)), np.asarray(jax.jvp(f, (x,), (t,))[1]),
                               rtol=1e-6)


def test_jacobians_and_hessian():
    x = jnp.array([1.0, 2.0])
    np.testing.assert_allclose(np.asarray(jax.jacobian(lambda v: v)(x)), np.eye(2))
    f = lambda v: jnp.sin(v) * v[::-1]  # noqa: E731
    np.testing.assert_allclose(np.asarray(jax.jacfwd(f)(x)), np.asarray(jax.jacrev(f)(x)),
                               rtol=1e-6)
    h = jax.hessian(lambda v: jnp.sum(v**3))(x)
    np.testing.assert_allclose(np.asarray(h), np.diag(6 * np.asarray(x)), rtol=1e-6)


def test_check_grads_on_composition(x64):
    def f(x, y):
        return jnp.sum(jnp.tanh(x) * jnp.exp(-y) + jnp.sin(x * y))
    x = np.array([0.3, -0.7, 1.1])
    y = np.array([0.2, 0.5, -0.4])
    check_grads(f, (x, y), order=2)


def test_custom_jvp():
    @jax.custom_jvp
    def f(x):
        return jnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), 100.0 * t

    assert float(jax.grad(f)(1.0)) == 100.0
    assert float(jax.jit(jax.grad(f))(1.0)) == 100.0
    assert float(jax.grad(jax.jit(f))(1.0)) == 100.0
    assert np.isclose(float(f(1.0)), np.sin(1.0))
    assert "custom_jvp_call" in str(jax.make_jaxpr(f)(1.0))


def test_custom_jvp_nondiff_argnums():
    from functools import partial

    @partial(jax.custom_jvp, nondiff_argnums=(0,))
    def app(scale, x):
        return scale * x

    @app.defjvp
    def app_jvp(scale, primals, tangents):
        return app(scale, primals[0]), 2 * scale * tangents[0]

    assert float(jax.grad(lambda x: app(3.0, x))(1.0)) == 6.0


def test_custom_vjp():
    @jax.custom_vjp
    def f(x, y):
        return jnp.sin(x) * y

    def fwd(x, y):
        return f(x, y), (jnp.cos(x), jnp.sin(x), y)

    def bwd(res, ct):
        cos_x, sin_x, y = res
        return (10.0 * cos_x * y * ct, sin_x * ct)

    f.defvjp(fwd, bwd)
    gx, gy = jax.grad(f, argnums=(0, 1))(1.0, 2.0)
    assert np.isclose(float(gx), 20 * np.cos(1.0), rtol=1e-6)
    assert np.isclose(float(gy), np.sin(1.0), rtol=1e-6)
    assert np.isclose(float(jax.jit(jax.grad(f))(1.0, 2.0)), 20 * np.cos(1.0), rtol=1e-6)
    with pytest.raises(TypeError, match="forward-mode"):
        jax.jvp(f, (1.0, 2.0), (1.0, 1.0))


def test_checkpoint_recomputes_and_agrees():
    def g(x):
        return jnp.sin(jnp.sin(x)) * x
    cg = jax.checkpoint(g)
    assert np.isclose(float(jax.grad(cg)(1.0)), float(jax.grad(g)(1.0)), rtol=1e-6)
    assert np.isclose(float(jax.grad(jax.grad(cg))(1.0)), float(jax.grad(jax.grad(g))(1.0)),
                      rtol=1e-5)
    printed = str(jax.make_jaxpr(jax.grad(cg))(1.0))
    assert printed.count("checkpoint[") == 2
    # The backward call recomputes sin from the input rather than receiving it as residual.
    backward = printed.split("checkpoint[")[2]
    assert "sin" in backward


def test_checkpoint_policies_save_dots():
    w = jnp.ones((3, 3))

    def g(x):
        return jnp.sum(jnp.tanh(jnp.dot(w, x)))
    x = jnp.array([0.1, 0.2, 0.3])
    for policy in (None, jax.checkpoint_policies.dots_saveable,
                   jax.checkpoint_policies.everything_saveable):
        cg = jax.checkpoint(g, policy=policy)
        np.testing.assert_allclose(np.asarray(jax.grad(cg)(x)), np.asarray(jax.grad(g)(x)),
                                   rtol=1e-6)


def test_stop_gradient():
    f = lambda x: x * lax.stop_gradient(x)  # noqa: E731
    assert float(jax.grad(f)(3.0)) == 3.0


def test_grad_requires_scalar_output():
    with pytest.raises(TypeError, match="scalar-output"):
        jax.grad(lambda x: x * 2)(jnp.ones(3))


def test_grad_rejects_integer_inputs():
    with pytest.raises(TypeError, match="allow_int"):
        jax.grad(lambda x: x * 2)(3)


def test_jvp_checks_tangent_types():
    with pytest.raises(TypeError, match="tangent"):
        jax.jvp(jnp.sin, (jnp.ones(2),), (jnp.ones(2, jnp.int32),))
    with pytest.raises(ValueError, match="shape"):
        jax.jvp(jnp.sin, (jnp.ones(2),), (jnp.ones(3),))


def test_argnums_out_of_range():
    with pytest.raises(ValueError, match="argnums"):
        jax.grad(lambda x: x, argnums=2)(1.0)
