"""Loops built on the primitives: `fori_loop` (a `scan` when its bounds are static, so it
can be reverse-differentiated; a `while` otherwise), `map` (a `scan` without carry),
`associative_scan` (a parallel prefix of slices, pads and concatenations, no primitive),
and the bounded `while_loop(..., max_iters=N)` (a jaxlike extension: a `scan` of N steps
whose body runs `body_fun` only while `cond_fun` holds).

The wrappers these build around the user's function are made once per function, so that
their traced jaxprs (and the compiled primitives) are cached like the user function's.
"""
import operator

import numpy as np

from jaxlike import dtypes, tree_util
from jaxlike.core import Tracer, get_aval
from jaxlike.lax.control_flow import common as cf
from jaxlike.lax.control_flow.conditionals import cond
from jaxlike.lax.control_flow.scan import scan
from jaxlike.lax.control_flow.while_loop import while_loop

__all__ = ["associative_scan", "fori_loop", "map"]


# ---------------------------------------------------------------------------------------------
# fori_loop.

def _one_like(i):
    return np.ones((), get_aval(i).dtype)


def _fori_scan_body(body_ref):
    def step(carry, _):
        from jaxlike import lax
        i, x = carry
        return (lax.add(i, _one_like(i)), body_ref()(i, x)), None
    return step


def _fori_while_body(body_ref):
    def step(carry):
        from jaxlike import lax
        i, upper, x = carry
        return lax.add(i, _one_like(i)), upper, body_ref()(i, x)
    return step


def _fori_cond(carry):
    from jaxlike import lax
    return lax.lt(carry[0], carry[1])


def _bounds_dtype(lower, upper):
    for name, v in (("lower", lower), ("upper", upper)):
        try:
            aval = get_aval(v)
        except TypeError:
            raise TypeError(f"fori_loop: {name} must be an integer, got "
                            f"{type(v).__name__} {v!r:.60}") from None
        if aval.shape != () or not dtypes.issubdtype(aval.dtype, np.integer):
            raise TypeError(f"fori_loop: lower and upper must be integer scalars, but {name} "
                            f"has type {cf.type_str(aval)}")
    return dtypes.result_type(lower, upper, return_weak_type_flag=True)


def fori_loop(lower, upper, body_fun, init_val, *, unroll=None):
    """Returns the final value of `val = body_fun(i, val)` for i in range(lower, upper),
    starting at `init_val`. With static (non-traced) bounds it is a `scan` of
    max(upper - lower, 0) steps, which supports reverse-mode differentiation; with traced
    bounds a `while` loop (forward mode only)."""
    if not callable(body_fun):
        raise TypeError(f"fori_loop: body_fun must be callable, got {type(body_fun).__name__}")
    dtype, weak = _bounds_dtype(lower, upper)
    # As in JAX, the index is weakly typed when both bounds are Python ints.
    if not isinstance(lower, Tracer) and not isinstance(upper, Tracer):
        lo, hi = int(np.asarray(lower)), int(np.asarray(upper))
        step = cf.cached_wrapper(_fori_scan_body, body_fun)
        (_, out), _ = scan(step, (lo if weak else np.asarray(lo, dtype), init_val), None,
                           length=max(hi - lo, 0), unroll=1 if unroll is None else unroll)
        return out
    if unroll is not None:
        raise ValueError("fori_loop: `unroll` needs static (non-traced) loop bounds")
    from jaxlike import lax
    lower = lax.convert_element_type(lower, dtype, weak_type=weak)
    upper = lax.convert_element_type(upper, dtype)
    body = cf.cached_wrapper(_fori_while_body, body_fun)
    return while_loop(_fori_cond, body, (lower, upper, init_val))[2]


# ---------------------------------------------------------------------------------------------
# The bounded while loop (jaxlike extension).

def _identity(x):
    return x


def _bounded_step(cond_ref, body_ref):
    def step(val, _):
        pred = cond_ref()(val)
        aval = get_aval(pred)
        if (aval.shape, aval.dtype) != ((), np.dtype(np.bool_)):
            raise TypeError(f"while_loop: cond_fun ({cf.describe_fun(cond_ref())}) must return "
                            f"a boolean scalar, but it returns {cf.type_str(aval)}.")
        return cond(pred, body_ref(), _identity, val), None
    return step


def bounded_while_loop(cond_fun, body_fun, init_val, max_iters):
    """Returns `while_loop(cond_fun, body_fun, init_val)` computed as a scan of `max_iters`
    steps that leave the carry unchanged once `cond_fun` is false (so at most `max_iters`
    iterations run); differentiable in reverse mode."""
    if isinstance(max_iters, Tracer):
        raise TypeError("while_loop: max_iters must be a static Python int, not a traced value")
    max_iters = operator.index(max_iters)
    if max_iters < 0:
        raise ValueError(f"while_loop: max_iters must be >= 0, got {max_iters}")
    step = cf.cached_wrapper(_bounded_step, cond_fun, body_fun)
    return scan(step, init_val, None, length=max_iters)[0]


# ---------------------------------------------------------------------------------------------
# map.

def _map_body(fun_ref):
    def step(carry, x):
        return carry, fun_ref()(x)
    return step


def _map_batched_body(fun_ref):
    def step(carry, x):
        from jaxlike.vmap_api import vmap
        return carry, vmap(fun_ref())(x)
    return step


def map(f, xs, *, batch_size=None):
    """Returns `f` applied to each slice of `xs` (a pytree) along its leading axis, stacked:
    like `vmap(f)(xs)` but as a sequential `scan`. With `batch_size`, `f` is vmapped over
    chunks of that many slices (and over the remainder)."""
    if not callable(f):
        raise TypeError(f"map: f must be callable, got {type(f).__name__}")
    if batch_size is None:
        return scan(cf.cached_wrapper(_map_body, f), (), xs)[1]
    from jaxlike import lax
    from jaxlike.vmap_api import vmap
    batch_size = operator.index(batch_size)
    if batch_size < 1:
        raise ValueError(f"map: batch_size must be a positive int, got {batch_size}")
    leaves, tree = tree_util.tree_flatten(xs)
    from jaxlike.lax.control_flow.scan import _scan_length
    n = _scan_length(xs, None)
    n_main = n // batch_size * batch_size
    if n_main == 0:
        return vmap(f)(xs)
    main = [lax.reshape(lax.slice_in_dim(x, 0, n_main), (n // batch_size, batch_size)
                        + get_aval(x).shape[1:]) for x in leaves]
    ys = scan(cf.cached_wrapper(_map_batched_body, f), (), tree_util.tree_unflatten(tree, main))[1]
    ys = tree_util.tree_map(lambda y: lax.reshape(y, (n_main,) + get_aval(y).shape[2:]), ys)
    if n_main == n:
        return ys
    rest = vmap(f)(tree_util.tree_unflatten(tree, [lax.slice_in_dim(x, n_main, n)
                                                   for x in leaves]))
    return tree_util.tree_map(lambda a, b: lax.concatenate([a, b], 0), ys, rest)


# ---------------------------------------------------------------------------------------------
# associative_scan: the classic parallel prefix. Combine neighbouring pairs, scan the
# half-length result recursively (giving the odd positions), combine it with the remaining
# elements (giving the even positions), and interleave: O(log n) depth, O(n) work.

def _interleave(a, b, axis):
    # Returns [a0, b0, a1, b1, ...] along `axis` (len(a) == len(b) or len(b) + 1).
    from jaxlike import lax
    aval = get_aval(a)
    na, nb = aval.shape[axis], get_aval(b).shape[axis]
    n = na + nb
    zero = np.zeros((), aval.dtype)

    def config(low, high):
        return [(low, high, 1) if d == axis else (0, 0, 0) for d in range(aval.ndim)]
    a = lax.pad(a, zero, config(0, n - (2 * na - 1)))
    b = lax.pad(b, zero, config(1, n - 2 * nb))
    return lax.bitwise_or(a, b) if aval.dtype == np.bool_ else lax.add(a, b)


def _prefix(combine, xs, axis):
    # The inclusive prefix combination of the flat list of arrays `xs` along `axis`.
    from jaxlike import lax

    def sl(values, start, stop, stride=1):
        return [lax.slice_in_dim(x, start, stop, stride, axis) for x in values]
    n = get_aval(xs[0]).shape[axis]
    if n < 2:
        return xs
    odd = _prefix(combine, combine(sl(xs, 0, n - 1, 2), sl(xs, 1, n, 2)), axis)
    n_odd = get_aval(odd[0]).shape[axis]
    even = combine(sl(odd, 0, n_odd - 1) if n % 2 == 0 else odd, sl(xs, 2, n, 2))
    even = [lax.concatenate([first, e], axis) for first, e in zip(sl(xs, 0, 1), even)]
    return [_interleave(e, o, axis) for e, o in zip(even, odd)]


def associative_scan(fn, elems, reverse=False, axis=0):
    """Returns the inclusive prefix reduction of `elems` (a pytree of arrays of equal length
    along `axis`) by the associative `fn` (which combines two pytrees of slices
    elementwise): out[i] = fn(...fn(elems[0], elems[1])..., elems[i]); from the end when
    `reverse`. Computed with O(log n) parallel steps."""
    from jaxlike import lax
    leaves, tree = tree_util.tree_flatten(elems)
    if not leaves:
        return elems
    ndim = get_aval(leaves[0]).ndim
    if not -ndim <= axis < ndim:
        raise ValueError(f"associative_scan: axis {axis} is out of bounds for arrays of rank "
                         f"{ndim}")
    axis %= ndim
    sizes = [get_aval(x).shape[axis] if get_aval(x).ndim > axis else None for x in leaves]
    if len(set(sizes)) != 1:
        raise ValueError(f"associative_scan: the elems must have equal sizes along axis "
                         f"{axis}, got {sizes}")

    def combine(a, b):
        out_leaves, out_tree = tree_util.tree_flatten(fn(tree_util.tree_unflatten(tree, a),
                                                         tree_util.tree_unflatten(tree, b)))
        if out_tree != tree:
            raise TypeError(f"associative_scan: fn must return the structure of elems "
                            f"({tree}), got {out_tree}")
        return out_leaves
    if reverse:
        leaves = [lax.rev(x, (axis,)) for x in leaves]
    out = _prefix(combine, leaves, axis)
    if reverse:
        out = [lax.rev(x, (axis,)) for x in out]
    return tree_util.tree_unflatten(tree, out)
