"""Testing helpers with JAX's API: `check_grads`, `check_jvp`, `check_vjp`.

Derivatives are checked against central finite differences (forward mode) and against
forward mode through the identity <vjp(u), v> == <u, jvp(v)> (reverse mode), to any order.
"""
import numpy as np

from jaxlike import dtypes, tree_util
from jaxlike.core import get_aval

EPS = 1e-4

_DEFAULT_TOLERANCE = {
    np.dtype(np.float16): 1e-3, np.dtype("bfloat16"): 1e-2, np.dtype(np.float32): 1e-6,
    np.dtype(np.float64): 1e-15, np.dtype(np.complex64): 1e-6, np.dtype(np.complex128): 1e-15,
}
_GRADIENT_TOLERANCE = {
    np.dtype(np.float16): 1e-2, np.dtype("bfloat16"): 1e-1, np.dtype(np.float32): 2e-3,
    np.dtype(np.float64): 1e-5, np.dtype(np.complex64): 1e-3, np.dtype(np.complex128): 1e-5,
}


def _tolerance(tol_table, tree, given):
    if given is not None:
        return given
    leaves = tree_util.tree_leaves(tree)
    return max((tol_table.get(np.dtype(get_aval(x).dtype), 0.0) for x in leaves), default=0.0)


def _check_close(actual, expected, atol, rtol, err_msg):
    for a, e in zip(tree_util.tree_leaves(actual), tree_util.tree_leaves(expected)):
        a, e = np.asarray(a), np.asarray(e)
        if a.dtype.name == "bfloat16":
            a = a.astype(np.float32)
        if e.dtype.name == "bfloat16":
            e = e.astype(np.float32)
        np.testing.assert_allclose(a, e, atol=atol, rtol=rtol, err_msg=err_msg)


def _random_like(rng, x):
    aval = get_aval(x)
    if dtypes.is_complex(aval.dtype):
        value = rng.standard_normal(aval.shape) + 1j * rng.standard_normal(aval.shape)
    else:
        value = rng.standard_normal(aval.shape)
    return np.asarray(value, dtype=aval.dtype)


def _scale_add(xs, ts, scale):
    from jaxlike import numpy as jnp
    return tree_util.tree_map(lambda x, t: jnp.asarray(x) + scale * jnp.asarray(t).astype(
        get_aval(x).dtype), xs, ts)


def _inner(xs, ys):
    total = 0.0
    for x, y in zip(tree_util.tree_leaves(xs), tree_util.tree_leaves(ys)):
        total = total + np.vdot(np.asarray(x, np.complex128), np.asarray(y, np.complex128))
    return total


def numerical_jvp(f, primals, tangents, eps=EPS):
    """Returns the central finite-difference approximation of f's JVP."""
    from jaxlike import numpy as jnp
    f_pos = f(*_scale_add(primals, tangents, eps))
    f_neg = f(*_scale_add(primals, tangents, -eps))
    return tree_util.tree_map(lambda a, b: (jnp.asarray(a) - jnp.asarray(b)) * (0.5 / eps),
                              f_pos, f_neg)


def check_jvp(f, f_jvp, args, atol=None, rtol=None, eps=EPS, err_msg=""):
    """Asserts that `f_jvp(args, tangents)` agrees with finite differences of `f` along a
    random tangent; returns None."""
    rng = np.random.default_rng(0)
    tangents = tree_util.tree_map(lambda x: _random_like(rng, x), args)
    out, tangent_out = f_jvp(args, tangents)
    _check_close(out, f(*args), _tolerance(_DEFAULT_TOLERANCE, out, atol),
                 _tolerance(_DEFAULT_TOLERANCE, out, rtol), f"{err_msg} primal")
    expected = numerical_jvp(f, args, tangents, eps)
    _check_close(tangent_out, expected, _tolerance(_GRADIENT_TOLERANCE, out, atol),
                 _tolerance(_GRADIENT_TOLERANCE, out, rtol), f"{err_msg} tangent")


def check_vjp(f, f_vjp, args, atol=None, rtol=None, eps=EPS, err_msg=""):
    """Asserts Re<vjp(u), v> equals Re<u, jvp(v)> (jvp by finite differences) for random u,
    v; returns None. JAX's transposes do not conjugate, so for complex values the adjoint is
    conj(vjp(conj(u))), and only the real inner product is preserved (maps such as abs or
    real are only real-linear)."""
    rng = np.random.default_rng(1)
    out, pullback = f_vjp(*args)
    tangents = tree_util.tree_map(lambda x: _random_like(rng, x), args)
    cotangent = tree_util.tree_map(lambda x: _random_like(rng, x), out)
    cts_in = tree_util.tree_map(np.conj, pullback(tree_util.tree_map(np.conj, cotangent)))
    lhs = _inner(tangents, cts_in)
    rhs = _inner(cotangent, numerical_jvp(f, args, tangents, eps))
    tol = _tolerance(_GRADIENT_TOLERANCE, out, atol)
    rtol_ = _tolerance(_GRADIENT_TOLERANCE, out, rtol)
    _check_close(np.real(lhs), np.real(rhs), tol, rtol_, f"{err_msg} vjp")


def check_grads(f, args, order, modes=("fwd", "rev"), atol=None, rtol=None, eps=None):
    """Checks the derivatives of `f` at `args` up to `order` in the given modes, against
    finite differences; raises AssertionError on a mismatch, returns None otherwise."""
    from jaxlike import ad_api
    eps = EPS if eps is None else eps
    args = tuple(args)

    def check(f, args, order):
        if "fwd" in modes:
            check_jvp(f, lambda a, t: ad_api.jvp(f, a, t), args, atol, rtol, eps,
                      f"order-{order} forward mode")
            if order > 1:
                def f_tangent(*xs, _f=f):
                    rng = np.random.default_rng(2)
                    ts = tree_util.tree_map(lambda x: _random_like(rng, x), xs)
                    return ad_api.jvp(_f, xs, ts)[1]
                check(f_tangent, args, order - 1)
        if "rev" in modes:
            check_vjp(f, lambda *a: ad_api.vjp(f, *a), args, atol, rtol, eps,
                      f"order-{order} reverse mode")
            if order > 1:
                def f_cotangent(*xs, _f=f):
                    out, pullback = ad_api.vjp(_f, *xs)
                    rng = np.random.default_rng(3)
                    ct = tree_util.tree_map(lambda x: _random_like(rng, x), out)
                    return pullback(ct)
                check(f_cotangent, args, order - 1)

    check(f, args, order)
