"""Differentiation entry points: `jvp`, `linearize`, `vjp`, `grad`, `value_and_grad`,
`jacfwd`, `jacrev`, `jacobian`, `hessian` — JAX's signatures, pytrees everywhere."""
import functools

import numpy as np

from jaxlike import core, dtypes, tree_util
from jaxlike.core import Tracer, get_aval
from jaxlike.interpreters import ad
from jaxlike.interpreters.ad import Zero


# ---------------------------------------------------------------------------------------------
# Helpers.

def _fun_name(fun):
    return getattr(fun, "__name__", type(fun).__name__)


def _to_array(x):
    """Returns `x` as a jaxlike array (host values are transferred when running eagerly)."""
    from lowering.backend import ArrayImpl
    if type(x) is ArrayImpl or isinstance(x, Tracer):
        return x
    if core.trace_state.trace is core.eval_trace and not (
            isinstance(x, np.ndarray) and x.dtype == dtypes.float0):
        from jaxlike import dispatch
        return dispatch.to_device(x)
    return x


def _primal_aux(aux):
    """Returns `aux` with differentiation tracers replaced by their primal values: auxiliary
    data is returned as is, not differentiated, and must outlive the transformation."""
    def primal(x):
        while isinstance(x, ad.JVPTracer) and not x._trace.is_alive:
            x = x.primal
        return _to_array(x) if isinstance(x, (np.ndarray, np.generic)) else x
    return tree_util.tree_map(primal, aux)


def _instantiate(t):
    return _to_array(ad.instantiate_zeros(t))


def _flatten_fun(fun, in_tree, store, has_aux=False):
    """Returns a flat function of leaves whose output leaves are returned; the output tree
    (and aux, when `has_aux`) are written into `store`."""
    def flat(*leaves):
        args = tree_util.tree_unflatten(in_tree, leaves)
        out = fun(*args)
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError(f"{_fun_name(fun)} was used with has_aux=True, so it must "
                                "return a pair (output, auxiliary data); got "
                                f"{type(out).__name__}.")
            out, aux = out
            store["aux"] = aux
        leaves_out, store["out_tree"] = tree_util.tree_flatten(out)
        for leaf in leaves_out:
            get_aval(leaf)  # a clear TypeError for a non-array output
        return leaves_out
    return flat


def _check_tangent(where, primal, tangent):
    p, t = get_aval(primal), get_aval(tangent)
    expected = ad.tangent_aval(p).dtype
    if p.shape != t.shape:
        raise ValueError(f"{where}: primal and tangent arguments must have equal shapes; got "
                         f"primal shape {p.shape} and tangent shape {t.shape}.")
    if t.dtype != expected:
        raise TypeError(f"{where}: primal and tangent arguments do not match: primal dtype "
                        f"{p.dtype.name} expects tangent dtype {expected.name}, but got "
                        f"{t.dtype.name}.")


def _argnums_checked(fun, argnums, nargs, where):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for i in nums:
        if not isinstance(i, (int, np.integer)):
            raise TypeError(f"{where}: argnums must be an int or a tuple of ints, got {argnums!r}")
        if not -nargs <= i < nargs:
            raise ValueError(f"{where}({_fun_name(fun)}): argnums={argnums!r} is out of range "
                             f"for a call with {nargs} positional argument(s).")
    return tuple(i % nargs for i in nums)


def _partial_in_argnums(fun, args, nums, kwargs):
    """Returns a function of only the args at positions `nums`, the others fixed."""
    def partial_fun(*dyn):
        full = list(args)
        for i, v in zip(nums, dyn):
            full[i] = v
        return fun(*full, **kwargs)
    partial_fun.__name__ = _fun_name(fun)
    return partial_fun


# ---------------------------------------------------------------------------------------------
# Forward mode.

def jvp(fun, primals, tangents, has_aux=False):
    """Returns `(fun(*primals), tangents_out)`: the output and its directional derivative
    along `tangents` (pytrees matching `primals`); with `has_aux`, also the aux data."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: primal and tangent arguments must be tuples or lists; got "
                        f"{type(primals).__name__} and {type(tangents).__name__}.")
    flat_p, tree_p = tree_util.tree_flatten(tuple(primals))
    flat_t, tree_t = tree_util.tree_flatten(tuple(tangents))
    if tree_p != tree_t:
        raise TypeError(f"jvp: primal and tangent arguments must have the same tree structure;"
                        f" got {tree_p} and {tree_t}.")
    for p, t in zip(flat_p, flat_t):
        _check_tangent("jvp", p, t)
    store = {}
    flat_t = [t if not (isinstance(t, np.ndarray) and t.dtype == dtypes.float0)
              else Zero(ad.tangent_aval(get_aval(p))) for p, t in zip(flat_p, flat_t)]
    outs, touts = ad.jvp_flat(_flatten_fun(fun, tree_p, store, has_aux), flat_p, flat_t,
                              origin=f"jvp({_fun_name(fun)})")
    out_tree = store["out_tree"]
    primals_out = tree_util.tree_unflatten(out_tree, [_to_array(o) for o in outs])
    tangents_out = tree_util.tree_unflatten(out_tree, [_instantiate(t) for t in touts])
    if has_aux:
        return primals_out, tangents_out, _primal_aux(store["aux"])
    return primals_out, tangents_out


def linearize(fun, *primals, has_aux=False):
    """Returns `(fun(*primals), f_jvp)` where `f_jvp(*tangents)` evaluates the JVP at
    `primals` by running the stored linear program (no re-tracing of `fun`)."""
    flat_p, in_tree = tree_util.tree_flatten(primals)
    store = {}
    outs, linear, _ = ad.linearize_flat(_flatten_fun(fun, in_tree, store, has_aux), flat_p,
                                        origin=f"linearize({_fun_name(fun)})")
    out_tree = store["out_tree"]

    def f_jvp(*tangents):
        flat_t, tree_t = tree_util.tree_flatten(tangents)
        if tree_t != in_tree:
            raise TypeError(f"linearize: the linearized function expects tangents with "
                            f"structure {in_tree}, got {tree_t}.")
        for p, t in zip(flat_p, flat_t):
            _check_tangent("linearize", p, t)
        touts = core.eval_jaxpr(linear.jaxpr, linear.consts, *flat_t)
        return tree_util.tree_unflatten(out_tree, [_to_array(t) for t in touts])

    primals_out = tree_util.tree_unflatten(out_tree, [_to_array(o) for o in outs])
    if has_aux:
        return primals_out, f_jvp, _primal_aux(store["aux"])
    return primals_out, f_jvp


# ---------------------------------------------------------------------------------------------
# Reverse mode.

def vjp(fun, *primals, has_aux=False):
    """Returns `(fun(*primals), f_vjp)` where `f_vjp(cotangent)` returns a tuple with one
    cotangent per primal (a pullback); with `has_aux`, also the aux data."""
    flat_p, in_tree = tree_util.tree_flatten(primals)
    store = {}
    outs, linear, _ = ad.linearize_flat(_flatten_fun(fun, in_tree, store, has_aux), flat_p,
                                        origin=f"vjp/grad({_fun_name(fun)})")
    out_tree = store["out_tree"]
    out_avals = [get_aval(o) for o in outs]
    primal_avals = [get_aval(p) for p in flat_p]

    def f_vjp(cotangent):
        flat_ct, ct_tree = tree_util.tree_flatten(cotangent)
        if ct_tree != out_tree:
            raise TypeError(f"vjp: the cotangent must have the same structure as the output "
                            f"of {_fun_name(fun)}: expected {out_tree}, got {ct_tree}.")
        for aval, ct in zip(out_avals, flat_ct):
            ct_aval = get_aval(ct)
            if ct_aval.shape != aval.shape:
                raise ValueError(f"vjp: cotangent of shape {ct_aval.shape} given for an output "
                                 f"of shape {aval.shape} (dtype {aval.dtype.name}).")
        cts_in = ad.linear_transpose_flat(linear, flat_ct)
        cts_in = [_cotangent_out(ct, aval) for ct, aval in zip(cts_in, primal_avals)]
        return tree_util.tree_unflatten(in_tree, cts_in)

    primals_out = tree_util.tree_unflatten(out_tree, [_to_array(o) for o in outs])
    if has_aux:
        return primals_out, f_vjp, _primal_aux(store["aux"])
    return primals_out, f_vjp


def _cotangent_out(ct, primal_aval):
    if not (dtypes.is_float(primal_aval.dtype) or dtypes.is_complex(primal_aval.dtype)):
        return np.zeros(primal_aval.shape, dtypes.float0)
    if type(ct) is Zero:
        ct = ad.zeros_like_aval(primal_aval)
    return _to_array(ct)


def value_and_grad(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False,
                   reduce_axes=()):
    """Returns a function computing `(fun(*args), gradient)`; the gradient is with respect
    to the positional argument(s) `argnums` (a tuple of gradients for a tuple)."""
    @functools.wraps(fun)
    def value_and_grad_fun(*args, **kwargs):
        nums = _argnums_checked(fun, argnums, len(args), "grad")
        dyn = [args[i] for i in nums]
        for i, x in zip(nums, dyn):
            for leaf in tree_util.tree_leaves(x):
                _check_grad_input(fun, i, leaf, holomorphic, allow_int)
        result = vjp(_partial_in_argnums(fun, args, nums, kwargs), *dyn, has_aux=has_aux)
        ans, f_vjp = result[0], result[1]
        _check_scalar_output(fun, ans, holomorphic)
        g = f_vjp(_ones_like(ans))
        g = g[0] if isinstance(argnums, int) else tuple(g)
        if has_aux:
            return (ans, result[2]), g
        return ans, g
    return value_and_grad_fun


def grad(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False, reduce_axes=()):
    """Returns a function computing the gradient of scalar-valued `fun` with respect to the
    positional argument(s) `argnums` (with `has_aux`, the pair (gradient, aux))."""
    vg = value_and_grad(fun, argnums, has_aux, holomorphic, allow_int, reduce_axes)

    @functools.wraps(fun)
    def grad_fun(*args, **kwargs):
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return grad_fun


def _check_grad_input(fun, index, leaf, holomorphic, allow_int):
    dtype = get_aval(leaf).dtype
    if holomorphic:
        if not dtypes.is_complex(dtype):
            raise TypeError(f"grad({_fun_name(fun)}, holomorphic=True) requires complex "
                            f"inputs, but argument {index} has dtype {dtype.name}.")
    elif not (dtypes.is_float(dtype) or dtypes.is_complex(dtype)) and not allow_int:
        raise TypeError(
            f"grad({_fun_name(fun)}) requires real- or complex-valued inputs (a floating or "
            f"complex dtype), but argument {index} has dtype {dtype.name}. To differentiate "
            "with respect to integer or boolean inputs use vjp, or pass allow_int=True.")


def _check_scalar_output(fun, ans, holomorphic):
    leaves = tree_util.tree_leaves(ans)
    if len(leaves) != 1 or get_aval(leaves[0]).shape != ():
        what = (f"shape {get_aval(leaves[0]).shape} and dtype {get_aval(leaves[0]).dtype.name}"
                if len(leaves) == 1 else f"a pytree of {len(leaves)} arrays")
        raise TypeError(f"Gradient only defined for scalar-output functions; the output of "
                        f"{_fun_name(fun)} has {what}. Use jacrev / jacobian (or vjp) for "
                        "non-scalar outputs, or reduce the output (e.g. with .sum()).")
    dtype = get_aval(leaves[0]).dtype
    if not holomorphic and not dtypes.is_float(dtype):
        raise TypeError(f"grad requires real-valued outputs (a floating dtype); the output of "
                        f"{_fun_name(fun)} has dtype {dtype.name}. For holomorphic functions "
                        "pass holomorphic=True; otherwise take the real part.")


def _ones_like(tree):
    from jaxlike import lax

    def one(x):
        aval = get_aval(x)
        value = lax.convert_element_type(np.ones((), aval.dtype), aval.dtype, aval.weak_type)
        return lax.broadcast_in_dim(value, aval.shape, ()) if aval.shape else value
    return tree_util.tree_map(one, tree)


# ---------------------------------------------------------------------------------------------
# Jacobians and Hessians.

def _std_basis(avals):
    """Returns one array per aval: together the rows of an identity matrix over all their
    elements, shaped (total size,) + aval.shape."""
    from jaxlike import numpy as jnp
    sizes = [int(np.prod(a.shape, dtype=np.int64)) for a in avals]
    total = sum(sizes)
    dtype = dtypes.result_type(*[a.dtype for a in avals]) if avals else np.float32
    eye = np.eye(total, dtype=dtype)
    parts, start = [], 0
    for aval, size in zip(avals, sizes):
        block = eye[:, start:start + size].reshape((total,) + aval.shape).astype(aval.dtype)
        parts.append(jnp.asarray(block))
        start += size
    return parts


def _split_last(x, avals, leading_shape):
    """Splits the last axis of `x` by the sizes of `avals`; returns the pieces reshaped to
    leading_shape + aval.shape."""
    from jaxlike import lax
    pieces, start = [], 0
    last = get_aval(x).ndim - 1
    for aval in avals:
        size = int(np.prod(aval.shape, dtype=np.int64))
        piece = lax.slice_in_dim(x, start, start + size, axis=last)
        pieces.append(piece.reshape(tuple(leading_shape) + aval.shape))
        start += size
    return pieces


def jacfwd(fun, argnums=0, has_aux=False, holomorphic=False):
    """Returns a function computing the Jacobian of `fun` by forward mode (one vmapped JVP
    over the standard basis of the inputs): for an input of shape S and an output of shape
    T, an array of shape T + S (pytrees nest accordingly)."""
    from jaxlike.vmap_api import vmap

    @functools.wraps(fun)
    def jac_fun(*args, **kwargs):
        nums = _argnums_checked(fun, argnums, len(args), "jacfwd")
        dyn = tuple(args[i] for i in nums)
        f = _partial_in_argnums(fun, args, nums, kwargs)
        flat_in, in_tree = tree_util.tree_flatten(dyn)
        in_avals = [get_aval(x) for x in flat_in]
        basis = tree_util.tree_unflatten(in_tree, _std_basis(in_avals))

        def push(tangents):
            return jvp(f, dyn, tangents, has_aux=has_aux)

        out_axes = (None, -1, None) if has_aux else (None, -1)
        result = vmap(push, in_axes=0, out_axes=out_axes)(basis)
        y, jac_t = result[0], result[1]
        out_leaves, out_tree = tree_util.tree_flatten(y)
        per_out = [_split_last(j, in_avals, get_aval(o).shape)
                   for o, j in zip(out_leaves, tree_util.tree_leaves(jac_t))]
        jac = _assemble(out_tree, in_tree, per_out, isinstance(argnums, int))
        return (jac, result[2]) if has_aux else jac
    return jac_fun


def _assemble(out_tree, in_tree, per_out, single_argnum):
    """Returns the Jacobian pytree: output structure outside, input structure inside;
    `per_out[j][k]` is the block for output leaf j and input leaf k."""
    out_leaves = []
    for blocks in per_out:
        inner = tree_util.tree_unflatten(in_tree, blocks)
        out_leaves.append(inner[0] if single_argnum else inner)
    return tree_util.tree_unflatten(out_tree, out_leaves)


def jacrev(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False):
    """Returns a function computing the Jacobian of `fun` by reverse mode (one vmapped VJP
    over the standard basis of the outputs): for an input of shape S and an output of shape
    T, an array of shape T + S (pytrees nest accordingly)."""
    from jaxlike.vmap_api import vmap

    @functools.wraps(fun)
    def jac_fun(*args, **kwargs):
        nums = _argnums_checked(fun, argnums, len(args), "jacrev")
        dyn = tuple(args[i] for i in nums)
        result = vjp(_partial_in_argnums(fun, args, nums, kwargs), *dyn, has_aux=has_aux)
        y, pullback = result[0], result[1]
        out_leaves, out_tree = tree_util.tree_flatten(y)
        out_avals = [get_aval(o) for o in out_leaves]
        flat_in, in_tree = tree_util.tree_flatten(dyn)
        in_avals = [get_aval(x) for x in flat_in]
        basis = tree_util.tree_unflatten(out_tree, _std_basis(out_avals))
        rows = tree_util.tree_leaves(vmap(pullback)(basis))  # per input: (M,) + in_shape
        per_out = [[None] * len(in_avals) for _ in out_avals]
        for k, (r, in_aval) in enumerate(zip(rows, in_avals)):
            flat = r.reshape((r.shape[0], -1)).T  # (in size, M)
            for j, block in enumerate(_split_last(flat, out_avals, (flat.shape[0],))):
                axes = tuple(range(1, block.ndim)) + (0,)
                per_out[j][k] = block.transpose(axes).reshape(out_avals[j].shape + in_aval.shape)
        jac = _assemble(out_tree, in_tree, per_out, isinstance(argnums, int))
        return (jac, result[2]) if has_aux else jac
    return jac_fun


jacobian = jacrev


def hessian(fun, argnums=0, has_aux=False, holomorphic=False):
    """Returns a function computing the Hessian of scalar `fun` (forward-over-reverse)."""
    return jacfwd(jacrev(fun, argnums, has_aux, holomorphic), argnums, has_aux, holomorphic)
