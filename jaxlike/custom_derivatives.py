"""`custom_jvp` and `custom_vjp`: functions with user-defined derivative rules.

Run eagerly, a custom function is just called. Under a transformation it is staged as one
equation (`custom_jvp_call` / `custom_vjp_call`) carrying the traced function and the
user's rule (a Python callable), so the rule is still found when a jit-compiled function
is differentiated later. The JVP interpreter calls the user's rule; for `custom_vjp` it
runs `fwd` and records a `custom_lin` equation whose transpose calls `bwd`.
"""
import functools
import inspect

from jaxlike import core, tree_util
from jaxlike.core import Primitive, get_aval
from jaxlike.interpreters import ad
from jaxlike.interpreters import partial_eval as pe
from jaxlike.interpreters.ad import Zero


def _resolve_args(fun, args, kwargs):
    """Returns the positional arguments with keyword arguments bound by `fun`'s signature
    (custom rules receive positional primals, as in JAX)."""
    if not kwargs:
        return tuple(args)
    sig = inspect.signature(fun)
    bound = sig.bind(*args, **kwargs)
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError(f"{fun.__name__}: keyword-only arguments are not supported by "
                        "custom_jvp/custom_vjp functions; pass them positionally.")
    return tuple(bound.args)


def _split_nondiff(args, nondiff_argnums):
    nondiff = tuple(args[i] for i in nondiff_argnums)
    diff = tuple(a for i, a in enumerate(args) if i not in nondiff_argnums)
    return nondiff, diff


def _merge_nondiff(nondiff_argnums, nondiff, diff):
    it_nd, it_d = iter(nondiff), iter(diff)
    n = len(nondiff) + len(diff)
    return tuple(next(it_nd) if i in nondiff_argnums else next(it_d) for i in range(n))


def _trace_call(flat_fun, leaves):
    """Returns (closed call jaxpr without consts, consts) for `flat_fun` on `leaves`."""
    closed = pe.trace_to_jaxpr(flat_fun, [get_aval(x) for x in leaves])
    return pe.convert_constvars_to_invars(closed)


def _flat(fun, in_tree, store):
    def flat(*leaves):
        out = fun(*tree_util.tree_unflatten(in_tree, leaves))
        out_leaves, store["out_tree"] = tree_util.tree_flatten(out)
        return out_leaves
    return flat


def _stage(fun, nondiff_argnums, args):
    """Traces `fun` on the differentiable args; returns (nondiff args, flat diff args, their
    tree, the call jaxpr (consts made leading inputs), its consts, the output tree)."""
    nondiff, diff = _split_nondiff(args, nondiff_argnums)
    leaves, in_tree = tree_util.tree_flatten(diff)
    store = {}
    flat = _flat(lambda *d: fun(*_merge_nondiff(nondiff_argnums, nondiff, d)), in_tree, store)
    call_jaxpr, consts = _trace_call(flat, leaves)
    return nondiff, leaves, in_tree, call_jaxpr, consts, store["out_tree"]


def _check_closed_over_tangents(name, const_tangents):
    if any(type(t) is not Zero for t in const_tangents):
        raise TypeError(
            f"Differentiation of the {name} function with respect to a value it closes over "
            "is not supported: its custom rule only covers its explicit arguments. Pass the "
            "value as an argument instead.")


# ---------------------------------------------------------------------------------------------
# custom_jvp.

custom_jvp_call_p = Primitive("custom_jvp_call", multiple_results=True)
custom_jvp_call_p.def_abstract_eval(lambda *avals, call_jaxpr, **_: call_jaxpr.out_avals)
custom_jvp_call_p.def_impl(
    lambda *args, call_jaxpr, **_: core.eval_jaxpr(call_jaxpr.jaxpr, call_jaxpr.consts, *args))


def _custom_jvp_call_jvp(primals, tangents, *, call_jaxpr, jvp, num_consts, symbolic_zeros,
                         name):
    _check_closed_over_tangents(f"custom_jvp function {name}", tangents[:num_consts])
    primals, tangents = primals[num_consts:], tangents[num_consts:]
    if not symbolic_zeros:
        tangents = [ad.instantiate_zeros(t) for t in tangents]
    out_primals, out_tangents = jvp(primals, tangents)
    out_tangents = [Zero(ad.tangent_aval(get_aval(p))) if t is None else t
                    for p, t in zip(out_primals, out_tangents)]
    return list(out_primals), list(out_tangents)


ad.primitive_jvps[custom_jvp_call_p] = _custom_jvp_call_jvp


def _call_transpose(cts, *args, call_jaxpr, **_):
    # Reached only when the tangent program itself calls a custom function: transpose the
    # traced function (the custom rule is about differentiation, not transposition).
    return ad.backward_pass(call_jaxpr.jaxpr, call_jaxpr.consts, list(args), list(cts))


ad.primitive_transposes[custom_jvp_call_p] = _call_transpose


class custom_jvp:  # noqa: N801 -- JAX's name
    """A function with a custom JVP rule: `f = custom_jvp(fun)`, then `@f.defjvp`."""

    def __init__(self, fun, nondiff_argnums=()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.jvp = None
        self.symbolic_zeros = False

    def defjvp(self, jvp, symbolic_zeros=False):
        """Registers `jvp(primals, tangents) -> (primal_out, tangent_out)` (nondiff args come
        first); returns `jvp` so it can be used as a decorator."""
        self.jvp = jvp
        self.symbolic_zeros = symbolic_zeros
        return jvp

    def defjvps(self, *jvps):
        """Registers one function per argument, `jvp_i(tangent_i, primal_out, *primals)`,
        whose contributions are summed (None: that argument has zero derivative)."""
        def jvp(primals, tangents):
            out = self(*primals)
            total = None
            for fn, t in zip(jvps, tangents):
                if fn is None:
                    continue
                term = fn(t, out, *primals)
                total = term if total is None else tree_util.tree_map(
                    lambda a, b: a + b, total, term)
            if total is None:
                total = tree_util.tree_map(lambda o: o * 0, out)
            return out, total
        self.defjvp(jvp)

    def __call__(self, *args, **kwargs):
        name = getattr(self.fun, "__name__", "custom_jvp")
        if self.jvp is None:
            raise AttributeError(f"No JVP defined for custom_jvp function {name} using defjvp.")
        args = _resolve_args(self.fun, args, kwargs)
        if core.trace_state.trace is core.eval_trace:
            return self.fun(*args)
        nondiff, leaves, in_tree, call_jaxpr, consts, out_tree = _stage(
            self.fun, self.nondiff_argnums, args)
        jvp = _flat_jvp(self.jvp, self.nondiff_argnums, nondiff, in_tree, out_tree, name)
        outs = custom_jvp_call_p.bind(*consts, *leaves, call_jaxpr=call_jaxpr, jvp=jvp,
                                      num_consts=len(consts),
                                      symbolic_zeros=self.symbolic_zeros, name=name)
        return tree_util.tree_unflatten(out_tree, outs)


def _flat_jvp(user_jvp, nondiff_argnums, nondiff, in_tree, out_tree, name):
    """Returns jvp(flat primals, flat tangents) -> (flat outs, flat tangent outs) calling the
    user's pytree-level rule and checking what it returns."""
    def jvp(primals, tangents):
        p = tree_util.tree_unflatten(in_tree, primals)
        t = tree_util.tree_unflatten(in_tree, tangents)
        result = user_jvp(*nondiff, p, t) if nondiff_argnums else user_jvp(p, t)
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise TypeError(f"custom_jvp rule of {name} must return a pair (primal_out, "
                            f"tangent_out); got {type(result).__name__}.")
        out, tout = result
        out_leaves, tree = tree_util.tree_flatten(out)
        if tree != out_tree:
            raise TypeError(f"custom_jvp rule of {name} returned a primal output of structure "
                            f"{tree}, but the function returns {out_tree}.")
        tout_leaves = tree_util.tree_leaves(tout, is_leaf=lambda x: x is None or
                                            type(x) is Zero)
        if len(tout_leaves) != len(out_leaves):
            raise TypeError(f"custom_jvp rule of {name}: tangent output structure does not "
                            f"match the primal output structure {out_tree}.")
        for o, to in zip(out_leaves, tout_leaves):
            if to is not None and type(to) is not Zero and get_aval(o).shape != get_aval(
                    to).shape:
                raise TypeError(f"custom_jvp rule of {name}: a tangent output has shape "
                                f"{get_aval(to).shape} for a primal output of shape "
                                f"{get_aval(o).shape}.")
        return out_leaves, [None if type(x) is Zero else x for x in tout_leaves]
    return jvp


# ---------------------------------------------------------------------------------------------
# custom_vjp.

custom_vjp_call_p = Primitive("custom_vjp_call", multiple_results=True)
custom_vjp_call_p.def_abstract_eval(lambda *avals, call_jaxpr, **_: call_jaxpr.out_avals)
custom_vjp_call_p.def_impl(
    lambda *args, call_jaxpr, **_: core.eval_jaxpr(call_jaxpr.jaxpr, call_jaxpr.consts, *args))

custom_lin_p = Primitive("custom_lin", multiple_results=True)
custom_lin_p.def_abstract_eval(lambda *avals, out_avals, **_: list(out_avals))


def _custom_lin_impl(*args, name, **_):
    raise TypeError(f"can't apply forward-mode autodiff (jvp) to a custom_vjp function "
                    f"({name}); use reverse mode (grad, vjp) or define a custom_jvp instead.")


custom_lin_p.def_impl(_custom_lin_impl)


def _custom_vjp_call_jvp(primals, tangents, *, call_jaxpr, fwd, bwd, num_consts, name):
    _check_closed_over_tangents(f"custom_vjp function {name}", tangents[:num_consts])
    primals, tangents = primals[num_consts:], tangents[num_consts:]
    outs, residuals = fwd(primals)
    res_leaves, res_tree = tree_util.tree_flatten(residuals)
    tangents = [ad.instantiate_zeros(t) for t in tangents]
    out_avals = tuple(ad.tangent_aval(get_aval(o)) for o in outs)
    in_avals = tuple(ad.tangent_aval(get_aval(p)) for p in primals)
    tangent_outs = custom_lin_p.bind(*res_leaves, *tangents, num_res=len(res_leaves),
                                     res_tree=res_tree, bwd=bwd, out_avals=out_avals,
                                     in_avals=in_avals, name=name)
    return list(outs), list(tangent_outs)


ad.primitive_jvps[custom_vjp_call_p] = _custom_vjp_call_jvp
ad.primitive_transposes[custom_vjp_call_p] = _call_transpose


def _custom_lin_jvp(primals, tangents, *, name, **_):
    _custom_lin_impl(name=name)


ad.primitive_jvps[custom_lin_p] = _custom_lin_jvp


def _custom_lin_transpose(cts, *args, num_res, res_tree, bwd, out_avals, in_avals, name):
    residuals = tree_util.tree_unflatten(res_tree, args[:num_res])
    cts = [ad.instantiate_zeros(c) for c in cts]
    cts_in = bwd(residuals, cts)
    for ct, aval in zip(cts_in, in_avals):
        if ct is not None and get_aval(ct).shape != aval.shape:
            raise ValueError(f"custom_vjp bwd rule of {name} returned a cotangent of shape "
                             f"{get_aval(ct).shape} for an argument of shape {aval.shape}; "
                             "each cotangent must have its argument's shape.")
    cts_in = [Zero(aval) if c is None else c for c, aval in zip(cts_in, in_avals)]
    return [None] * num_res + cts_in


ad.primitive_transposes[custom_lin_p] = _custom_lin_transpose


class custom_vjp:  # noqa: N801 -- JAX's name
    """A function with a custom VJP: `f = custom_vjp(fun)`, then `f.defvjp(fwd, bwd)`."""

    def __init__(self, fun, nondiff_argnums=()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.fwd = self.bwd = None

    def defvjp(self, fwd, bwd, symbolic_zeros=False, optimize_remat=False):
        """Registers `fwd(*args) -> (out, residuals)` and `bwd(residuals, ct) -> tuple of
        cotangents, one per (differentiable) argument` (nondiff args come first in both)."""
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args, **kwargs):
        name = getattr(self.fun, "__name__", "custom_vjp")
        if self.fwd is None:
            raise AttributeError(f"No VJP defined for custom_vjp function {name} using defvjp.")
        args = _resolve_args(self.fun, args, kwargs)
        if core.trace_state.trace is core.eval_trace:
            return self.fun(*args)
        nondiff, leaves, in_tree, call_jaxpr, consts, out_tree = _stage(
            self.fun, self.nondiff_argnums, args)
        fwd, bwd = self._flat_rules(nondiff, in_tree, out_tree, name)
        outs = custom_vjp_call_p.bind(*consts, *leaves, call_jaxpr=call_jaxpr, fwd=fwd, bwd=bwd,
                                      num_consts=len(consts), name=name)
        return tree_util.tree_unflatten(out_tree, outs)

    def _flat_rules(self, nondiff, in_tree, out_tree, name):
        nd = self.nondiff_argnums

        def fwd(primals):
            args = _merge_nondiff(nd, nondiff, tree_util.tree_unflatten(in_tree, primals))
            result = self.fwd(*args)
            if not (isinstance(result, (tuple, list)) and len(result) == 2):
                raise TypeError(f"custom_vjp fwd rule of {name} must return a pair (output, "
                                f"residuals); got {type(result).__name__}.")
            out, res = result
            out_leaves, tree = tree_util.tree_flatten(out)
            if tree != out_tree:
                raise TypeError(f"custom_vjp fwd rule of {name} returned an output of "
                                f"structure {tree}, but the function returns {out_tree}.")
            return out_leaves, res

        def bwd(res, cts):
            ct = tree_util.tree_unflatten(out_tree, cts)
            result = self.bwd(*nondiff, res, ct) if nd else self.bwd(res, ct)
            if not isinstance(result, (tuple, list)):
                raise TypeError(f"custom_vjp bwd rule of {name} must return a tuple with one "
                                f"cotangent per differentiable argument; got "
                                f"{type(result).__name__}.")
            n_args = len(in_tree.children())
            if len(result) != n_args:
                raise TypeError(f"custom_vjp bwd rule of {name} returned {len(result)} "
                                f"cotangents for {n_args} differentiable argument(s).")
            flat = []
            for i, (sub_tree, ct_arg) in enumerate(zip(in_tree.children(), result)):
                if ct_arg is None:
                    flat.extend([None] * sub_tree.num_leaves)
                    continue
                leaves, tree = tree_util.tree_flatten(ct_arg, is_leaf=lambda x: x is None)
                if tree != sub_tree and len(leaves) != sub_tree.num_leaves:
                    raise TypeError(f"custom_vjp bwd rule of {name} returned a cotangent of "
                                    f"structure {tree} for argument {i}, whose structure is "
                                    f"{sub_tree}.")
                flat.extend(leaves)
            return flat
        return fwd, bwd



# ---------------------------------------------------------------------------------------------
# Batching: the traced function is batched; the user's rules are vmapped.

def _batch_call(axis_data, vals, dims, call_jaxpr):
    from jaxlike.interpreters import batching
    vals = [batching.bdim_at_front(v, d, axis_data.size) for v, d in zip(vals, dims)]
    batched, consts, out_dims = batching.batch_jaxpr(call_jaxpr, axis_data.size,
                                                     [0] * len(vals), axis_data.name)
    return vals, batched, consts, out_dims


def _vmapped(fun, axis_name):
    from jaxlike.vmap_api import vmap
    return vmap(fun, in_axes=0, out_axes=0, axis_name=axis_name)


def _custom_jvp_call_batch(axis_data, vals, dims, *, call_jaxpr, jvp, num_consts,
                           symbolic_zeros, name):
    vals, batched, consts, out_dims = _batch_call(axis_data, vals, dims, call_jaxpr)

    def batched_jvp(primals, tangents):
        tangents = [ad.instantiate_zeros(t) for t in tangents]
        outs, touts = _vmapped(lambda ps, ts: tuple(map(list, jvp(list(ps), list(ts)))),
                               axis_data.name)(tuple(primals), tuple(tangents))
        return outs, touts

    outs = custom_jvp_call_p.bind(*consts, *vals, call_jaxpr=batched, jvp=batched_jvp,
                                  num_consts=len(consts) + num_consts, symbolic_zeros=False,
                                  name=name)
    return outs, out_dims


def _custom_vjp_call_batch(axis_data, vals, dims, *, call_jaxpr, fwd, bwd, num_consts, name):
    vals, batched, consts, out_dims = _batch_call(axis_data, vals, dims, call_jaxpr)

    def batched_fwd(primals):
        return _vmapped(lambda ps: fwd(list(ps)), axis_data.name)(tuple(primals))

    def batched_bwd(res, cts):
        return _vmapped(lambda r, c: bwd(r, list(c)), axis_data.name)(res, tuple(cts))

    outs = custom_vjp_call_p.bind(*consts, *vals, call_jaxpr=batched, fwd=batched_fwd,
                                  bwd=batched_bwd, num_consts=len(consts) + num_consts,
                                  name=name)
    return outs, out_dims


def _register_batchers():
    from jaxlike.interpreters import batching
    batching.axis_primitive_batchers[custom_jvp_call_p] = _custom_jvp_call_batch
    batching.axis_primitive_batchers[custom_vjp_call_p] = _custom_vjp_call_batch


_register_batchers()
