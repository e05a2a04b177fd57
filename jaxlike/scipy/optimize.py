"""jaxlike.scipy.optimize: `minimize` with the BFGS method, as `jax.scipy.optimize` has it.

BFGS (Nocedal & Wright, "Numerical Optimization", algorithm 6.1) keeps an estimate H of the
inverse Hessian, steps along -H g with a step length chosen by a line search satisfying the
strong Wolfe conditions (their algorithms 3.5, bracketing, and 3.6, zoom), and updates H from
the change in position and gradient. Both loops are `lax.while_loop`s, so `minimize` runs
as one compiled program and works under `jit` and `vmap`; gradients come from
`value_and_grad`. Each trial point costs one evaluation of the value and the gradient.
"""
from typing import Any, NamedTuple

import numpy as np

from jaxlike import dtypes, lax, tree_util
from jaxlike import numpy as jnp
from jaxlike.ad_api import value_and_grad
from jaxlike.core import get_aval
from jaxlike.numpy._util import check_arraylike

__all__ = ["OptimizeResults", "minimize"]


class OptimizeResults(NamedTuple):
    """What `minimize` returns.

    x: the final point. success: True if the gradient norm fell below gtol without a
    line-search failure. status: 0 converged, 1 maximum BFGS iterations reached, 3 the
    line search's zoom failed, 4 the search direction was not a descent direction (a
    saddle point or a lost positive definiteness), 5 the line search's maximum iterations
    reached, -1 undefined. fun: the final value. jac: the final gradient. hess_inv: the
    final inverse-Hessian estimate. nfev, njev: the numbers of function and gradient
    evaluations. nit: the number of BFGS iterations.
    """
    x: Any
    success: Any
    status: Any
    fun: Any
    jac: Any
    hess_inv: Any
    nfev: Any
    njev: Any
    nit: Any


def _select(pred, on_true, on_false):
    """Returns the pytree whose leaves are where(pred, on_true leaf, on_false leaf)."""
    return tree_util.tree_map(lambda t, f: jnp.where(pred, t, f), on_true, on_false)


# ---------------------------------------------------------------------------------------------
# The line search: a step length a > 0 along p with
#   sufficient decrease  φ(a) <= φ(0) + c1 a φ'(0)   and   curvature  |φ'(a)| <= -c2 φ'(0),
# where φ(a) = f(x + a p).

class _Point(NamedTuple):
    a: Any  # the step length
    phi: Any  # f(x + a p)
    dphi: Any  # the directional derivative ∇f(x + a p) · p
    g: Any  # the gradient ∇f(x + a p)


class _Search(NamedTuple):
    bracket_iters: Any
    zoom_iters: Any
    done: Any
    failed: Any
    status: Any  # 0 ok, 1 zoom failed, 2 not a descent direction, 3 too many iterations
    zooming: Any  # bracketing (algorithm 3.5) until an interval holding a step is found
    next_a: Any  # the next bracketing trial
    prev: _Point  # the previous bracketing trial
    lo: _Point  # zoom interval: lo satisfies sufficient decrease, with the lower φ
    hi: _Point
    best: _Point


def _cubic_step(lo, hi):
    """Returns the minimizer of the cubic matching φ and φ' at lo and hi (Nocedal & Wright
    eq. 3.59), or the midpoint when that is undefined or too close to an end."""
    d1 = lo.dphi + hi.dphi - 3 * (lo.phi - hi.phi) / (lo.a - hi.a)
    d2 = jnp.sign(hi.a - lo.a) * jnp.sqrt(jnp.maximum(d1 * d1 - lo.dphi * hi.dphi, 0))
    a = hi.a - (hi.a - lo.a) * (hi.dphi + d2 - d1) / (hi.dphi - lo.dphi + 2 * d2)
    margin = 0.1 * jnp.abs(hi.a - lo.a)
    inside = ((a > jnp.minimum(lo.a, hi.a) + margin) & (a < jnp.maximum(lo.a, hi.a) - margin)
              & (d1 * d1 - lo.dphi * hi.dphi >= 0))
    return jnp.where(inside, a, 0.5 * (lo.a + hi.a))


def _search_step(evaluate, start, c1, c2, maxiter):
    """Returns the line search's loop body: one trial point per iteration, bracketing
    (doubling the step) until an interval holding an acceptable step is found, then
    zooming into it."""
    def step(s):
        a = jnp.where(s.zooming, _cubic_step(s.lo, s.hi), s.next_a)
        pt = evaluate(a)
        # NaN values count as failing the sufficient-decrease test.
        too_high = ~(pt.phi <= start.phi + c1 * a * start.dphi)
        curved = jnp.abs(pt.dphi) <= -c2 * start.dphi
        # Bracketing (algorithm 3.5): a step lies between prev and pt once pt is too high
        # (zoom from prev) or the slope turns up (zoom from pt).
        up = too_high | ((pt.phi >= s.prev.phi) & (s.bracket_iters > 0))
        turn = ~up & ~curved & (pt.dphi >= 0)
        # Zoom (algorithm 3.6): shrink [lo, hi] keeping φ(lo) lowest.
        z_high = too_high | (pt.phi >= s.lo.phi)
        z_flip = ~z_high & ~curved & (pt.dphi * (s.hi.a - s.lo.a) >= 0)
        zoom_lo = _select(z_high, s.lo, pt)
        zoom_hi = _select(z_high, pt, _select(z_flip, s.lo, s.hi))
        lo = _select(s.zooming, zoom_lo, _select(up, s.prev, pt))
        hi = _select(s.zooming, zoom_hi, _select(up, pt, s.prev))
        done = jnp.where(s.zooming, ~z_high & curved, ~up & curved)
        zooming = s.zooming | up | turn
        bracket_iters = s.bracket_iters + jnp.where(s.zooming, 0, 1)
        zoom_iters = s.zoom_iters + jnp.where(s.zooming, 1, 0)
        collapsed = zooming & (jnp.abs(hi.a - lo.a) <= 1e-3 * float(np.finfo(a.dtype).eps))
        zoom_out = ~done & zooming & ((zoom_iters >= maxiter) | collapsed)
        bracket_out = ~done & ~zooming & (bracket_iters >= maxiter)
        status = jnp.where(zoom_out, 1, jnp.where(bracket_out, 3, s.status))
        return _Search(bracket_iters, zoom_iters, done, zoom_out | bracket_out, status,
                       zooming, 2 * a, pt, lo, hi, _select(done, pt, s.best))
    return step


def _line_search(fun, x, p, f, g, f_prev, maxiter, c1=1e-4, c2=0.9):
    """Returns (failed, status, step point, number of evaluations) of a strong-Wolfe line
    search from x along p; f, g are the value and gradient at x, f_prev the previous value
    (which sets the first trial step, as SciPy does)."""
    value_grad = value_and_grad(fun)

    def evaluate(a):
        phi, grad = value_grad(x + a * p)
        return _Point(a, phi, jnp.dot(grad, p), grad)

    start = _Point(jnp.zeros_like(f), f, jnp.dot(g, p), g)
    # The first trial assumes the same decrease as last iteration, at most a full step.
    guess = 2.02 * (f - f_prev) / start.dphi
    first = jnp.where(jnp.isfinite(guess) & (guess > 0), jnp.minimum(guess, 1), 1)
    not_descent = ~(start.dphi < 0)
    zero = jnp.zeros((), np.int32)
    init = _Search(zero, zero, jnp.asarray(False), not_descent,
                   jnp.where(not_descent, 2, 0).astype(np.int32), jnp.asarray(False),
                   first.astype(f.dtype), start, start, start, start)
    out = lax.while_loop(lambda s: ~(s.done | s.failed),
                         _search_step(evaluate, start, c1, c2, maxiter), init)
    return out.failed, out.status, out.best, out.bracket_iters + out.zoom_iters


# ---------------------------------------------------------------------------------------------
# BFGS.

class _BFGS(NamedTuple):
    """The BFGS loop's state (h_inv: the inverse-Hessian estimate; f_prev: the previous
    value, which sets the line search's first trial step)."""
    converged: Any
    failed: Any
    k: Any
    nfev: Any
    x: Any
    f: Any
    g: Any
    h_inv: Any
    f_prev: Any
    status: Any


def _norm(v, order):
    """Returns the vector norm of v of the given order (inf: max |vᵢ|, -inf: min |vᵢ|)."""
    if order == np.inf:
        return jnp.max(jnp.abs(v))
    if order == -np.inf:
        return jnp.min(jnp.abs(v))
    return jnp.sum(jnp.abs(v) ** order) ** (1.0 / order)


def _inverse_hessian_update(h_inv, s, y):
    """Returns the BFGS update (I - ρ s yᵀ) H (I - ρ y sᵀ) + ρ s sᵀ with ρ = 1 / yᵀs, or H
    unchanged when yᵀs is not positive (the update would lose positive definiteness)."""
    sy = jnp.dot(y, s)
    rho = 1 / sy
    w = jnp.eye(s.shape[0], dtype=s.dtype) - rho * jnp.outer(s, y)
    updated = w @ h_inv @ w.T + rho * jnp.outer(s, s)
    return jnp.where((sy > 0) & jnp.isfinite(rho), updated, h_inv)


def _bfgs_step(fun, gtol, norm, line_search_maxiter):
    """Returns the BFGS loop body: a line search along -H g, then the update of H."""
    def step(s):
        p = -(s.h_inv @ s.g)
        failed, ls_status, pt, nfev = _line_search(fun, s.x, p, s.f, s.g, s.f_prev,
                                                   line_search_maxiter)
        step_vector = pt.a * p
        moved = _BFGS(_norm_below(pt.g, gtol, norm), failed, s.k + 1, s.nfev + nfev,
                      s.x + step_vector, pt.phi, pt.g,
                      _inverse_hessian_update(s.h_inv, step_vector, pt.g - s.g), s.f,
                      s.status)
        # A failed line search leaves the iterate where it was.
        stayed = s._replace(failed=failed, k=s.k + 1, nfev=s.nfev + nfev,
                            status=(2 + ls_status).astype(np.int32))
        return _select(failed, stayed, moved)
    return step


def _norm_below(g, gtol, norm):
    """Returns whether the gradient's norm is below gtol (the convergence test)."""
    return _norm(g, norm) < gtol


def minimize_bfgs(fun, x0, maxiter=None, norm=np.inf, gtol=1e-5, line_search_maxiter=10):
    """Returns the _BFGS state after minimizing `fun` from x0 with BFGS (see
    `minimize`)."""
    if maxiter is None:
        maxiter = int(np.size(x0)) * 200
    f0, g0 = value_and_grad(fun)(x0)
    n = x0.shape[0]
    # SciPy's start: the previous value is taken as f0 + |g0|/2, so that the first trial
    # step along -g0 has length about 1 (or less).
    init = _BFGS(_norm_below(g0, gtol, norm), jnp.asarray(False), jnp.zeros((), np.int32),
                 jnp.ones((), np.int32), x0, f0, g0, jnp.eye(n, dtype=x0.dtype),
                 f0 + jnp.sqrt(jnp.sum(g0 * g0)) / 2, jnp.full((), -1, np.int32))
    state = lax.while_loop(lambda s: ~s.converged & ~s.failed & (s.k < maxiter),
                           _bfgs_step(fun, gtol, norm, line_search_maxiter), init)
    status = jnp.where(state.converged, 0, jnp.where(
        state.failed, state.status, jnp.where(state.k >= maxiter, 1, -1)))
    return state._replace(status=status)


# ---------------------------------------------------------------------------------------------
# The user API.

_BFGS_OPTIONS = ("maxiter", "norm", "gtol", "line_search_maxiter")


def _check_x0(x0):
    """Returns x0 as an array, or raises for what BFGS cannot start from."""
    check_arraylike("jax.scipy.optimize.minimize", x0)
    aval = get_aval(x0)
    if len(aval.shape) != 1:
        raise ValueError(f"jax.scipy.optimize.minimize: x0 must be a 1-D array of shape (n,), "
                         f"got shape {aval.shape}; ravel it (and reshape inside fun).")
    if not dtypes.is_float(aval.dtype):
        raise TypeError(f"jax.scipy.optimize.minimize: x0 must have a floating dtype, got "
                        f"{aval.dtype}; convert it with x0.astype(float).")
    return jnp.asarray(x0)


def minimize(fun, x0, args=(), *, method="BFGS", tol=None, options=None):
    """Returns an OptimizeResults for the minimization of `fun(x, *args)` (a scalar) over the
    1-D array x, starting at x0. `method` must be "BFGS" (case-insensitive). `tol` is
    accepted for SciPy compatibility and, as in JAX, ignored: set `options["gtol"]` (the
    gradient-norm tolerance, default 1e-5). Other options: `maxiter` (default 200 * n),
    `norm` (the order of the gradient norm, default inf), `line_search_maxiter` (default
    10). Works under jit; not differentiable with respect to x0 or args."""
    del tol  # as in JAX: only the method-specific options control termination
    if not isinstance(args, tuple):
        raise TypeError(f"args argument to jax.scipy.optimize.minimize must be a tuple, got "
                        f"{args}")
    options = {} if options is None else dict(options)
    if not isinstance(method, str) or method.lower() != "bfgs":
        raise ValueError(f"Method {method} not recognized")
    unknown = sorted(set(options) - set(_BFGS_OPTIONS))
    if unknown:
        raise TypeError(f"jax.scipy.optimize.minimize: unknown option(s) {unknown} for method "
                        f"BFGS; accepted options are {list(_BFGS_OPTIONS)}.")
    x0 = _check_x0(x0)
    state = minimize_bfgs(lambda x: fun(x, *args), x0, **options)
    return OptimizeResults(x=state.x, success=state.converged & ~state.failed,
                           status=state.status, fun=state.f, jac=state.g,
                           hess_inv=state.h_inv, nfev=state.nfev, njev=state.nfev,
                           nit=state.k)
