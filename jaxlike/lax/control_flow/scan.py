"""`lax.scan`: the `scan` primitive, a loop of static length over the leading axis of its
`xs`, carrying a state and stacking per-step outputs.

`scan[jaxpr=... length=... num_carry=... num_consts=... reverse=... unroll=...]
*consts *init *xs` runs `carry, y = jaxpr(consts, carry, x)` for each slice x of xs (in
reverse order when `reverse`) and returns the final carry and the stacked ys. It lowers to
one XLA while loop, so the program does not grow with `length`.

Because the trip count is static, scan supports reverse mode: partial evaluation splits it
into a known scan that also emits the residuals each step needs (stacked as extra ys;
residuals depending only on consts are computed once, outside) and an unknown scan that
consumes them; the transpose of a scan is a scan in the opposite direction whose body is
the transposed body (carry cotangents flow backwards as carries, xs cotangents come out as
ys, cotangents of consts accumulate in extra carries).
"""
import operator

from jaxlike import core, tree_util
from jaxlike.core import (
    Jaxpr,
    Literal,
    Primitive,
    ShapedArray,
    Tracer,
    get_aval,
    set_current_trace,
)
from jaxlike.interpreters import ad, batching
from jaxlike.interpreters import partial_eval as pe
from jaxlike.interpreters.ad import UndefinedPrimal, Zero
from jaxlike.lax.control_flow import common as cf
from jaxlike.lax.control_flow.while_loop import promote_leaves

__all__ = ["scan", "scan_p"]

scan_p = Primitive("scan", multiple_results=True)


def _stacked(aval, length):
    return ShapedArray((length,) + aval.shape, aval.dtype, aval.weak_type)


def _scan_abstract_eval(*avals, jaxpr, length, reverse, num_consts, num_carry, unroll):
    consts, carry, xs = cf.split_list(avals, [num_consts, num_carry])
    for x in xs:
        if not x.shape or x.shape[0] != length:
            raise TypeError(f"scan: an xs operand of type {cf.type_str(x)} does not have the "
                            f"leading axis of length {length}")
    slices = [x.update(shape=x.shape[1:]) for x in xs]
    given = [a.strip_weak_type() for a in consts + carry + slices]
    if [a.strip_weak_type() for a in jaxpr.in_avals] != given:
        raise TypeError(f"scan: the body takes {jaxpr.in_avals}, given {given}")
    outs = jaxpr.out_avals
    if [a.strip_weak_type() for a in outs[:num_carry]] != [a.strip_weak_type() for a in carry]:
        raise TypeError(f"scan: the body returns the carry {outs[:num_carry]} for a carry of "
                        f"{carry}")
    # As JAX: the carry's weak types as the body leaves them.
    return list(outs[:num_carry]) + [_stacked(y, length) for y in outs[num_carry:]]


scan_p.def_abstract_eval(_scan_abstract_eval)


# ---------------------------------------------------------------------------------------------
# The user API.

def _pair(out):
    # A scan body returns (new_carry, y).
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(f"scan: the body function must return a pair (new_carry, y), got "
                        f"{type(out).__name__} {out!r:.80}")
    return tuple(out)


def _carry_part(out_tree):
    return tree_util.treedef_children(out_tree)[0]


def _sizes_str(sizes):
    return ", ".join(f"{path or 'xs'}: {n}" for path, n in sizes)


def _scan_length(xs, length):
    # Returns the number of steps: the common leading size of the xs leaves, or `length`.
    sizes = []
    for path, x in tree_util.tree_flatten_with_path(xs)[0]:
        aval = get_aval(x)
        if not aval.shape:
            raise ValueError(f"scan: the xs leaf at path {tree_util.keystr(path)} is a scalar "
                             f"({cf.type_str(aval)}); scan loops over the leading axis of "
                             "every xs leaf.")
        sizes.append((tree_util.keystr(path), aval.shape[0]))
    if length is not None:
        if isinstance(length, Tracer):
            raise TypeError("scan: `length` must be a static Python int, not a traced value")
        length = operator.index(length)
        if any(n != length for _, n in sizes):
            raise ValueError(f"scan: length={length} disagrees with the leading axis sizes of "
                             f"xs: {_sizes_str(sizes)}")
        return length
    if not sizes:
        raise ValueError("scan: xs has no arrays (it is None or empty), so the number of "
                         "steps must be given as `length=`.")
    if len({n for _, n in sizes}) > 1:
        raise ValueError("scan: the leaves of xs have different leading axis sizes: "
                         f"{_sizes_str(sizes)}. Every xs leaf "
                         "must have the same length along axis 0.")
    return sizes[0][1]


def _unroll(unroll, length):
    if isinstance(unroll, bool):
        return max(length, 1) if unroll else 1
    unroll = operator.index(unroll)
    if unroll < 1:
        raise ValueError(f"scan: unroll must be a positive int or a bool, got {unroll}")
    return unroll


def _python_scan(f, init, xs, length, reverse):
    # The loop run step by step in Python (jax_disable_jit, for debugging).
    from jaxlike import lax
    carry, ys = init, []
    for i in (reversed(range(length)) if reverse else range(length)):
        x = tree_util.tree_map(lambda a, i=i: lax.index_in_dim(a, i, keepdims=False), xs)
        carry, y = _pair(f(carry, x))
        ys.append(y)
    ys = ys[::-1] if reverse else ys
    return carry, tree_util.tree_map(
        lambda *leaves: lax.concatenate([lax.expand_dims(leaf, (0,)) for leaf in leaves], 0),
        *ys)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1,
         _split_transpose=False):  # JAX's signature; `_split_transpose` has no effect
    """Returns `(final_carry, stacked_ys)` of the loop `carry, y = f(carry, x)` over the
    slices x of `xs` along their leading axis (from the last when `reverse`), starting
    at `init`; staged as one `scan` primitive. `xs` may be None (then `length` gives the
    step count, and f receives x=None); carry, xs and ys are pytrees. The carry must keep
    its structure, shapes and dtypes."""
    if not callable(f):
        raise TypeError(f"scan: f must be callable, got {type(f).__name__}")
    length = _scan_length(xs, length)
    if cf.python_control_flow() and length:
        return _python_scan(f, init, xs, length, reverse)
    xs_leaves = tree_util.tree_leaves(xs)
    init_leaves, carry_tree = tree_util.tree_flatten(init)
    init_avals = [get_aval(x) for x in init_leaves]
    x_avals = [get_aval(x).update(shape=get_aval(x).shape[1:]) for x in xs_leaves]
    in_tree = tree_util.tree_structure((init, xs))
    jaxpr, consts, out_tree, avals = cf.trace_loop_body(
        "scan", f, in_tree, init_avals + x_avals, carry_tree, _pair, _carry_part)
    n = len(init_leaves)
    init_leaves = promote_leaves(init_leaves, init_avals, avals[:n])
    outs = scan_p.bind(*consts, *init_leaves, *xs_leaves, jaxpr=jaxpr, length=length,
                       reverse=bool(reverse), num_consts=len(consts), num_carry=n,
                       unroll=_unroll(unroll, length))
    y_tree = tree_util.treedef_children(out_tree)[1]
    return (tree_util.tree_unflatten(carry_tree, outs[:n]),
            tree_util.tree_unflatten(y_tree, outs[n:]))


# ---------------------------------------------------------------------------------------------
# Forward mode: const and xs tangents enter as consts and xs, carry tangents as carries
# (those nonzero once the body has run any number of times), ys tangents leave as ys.

@cf.memoize
def _jvp_body(jaxpr, nc, nk, const_nz, init_nz, xs_nz):
    # Returns (the JVP body in scan's layout, its closed-over values, which carries and
    # which outputs have nonzero tangents).
    ny = len(jaxpr.out_avals) - nk
    const_nz, xs_nz = list(const_nz), list(xs_nz)
    carry_nz = cf.fixpoint(
        lambda nz: cf.jvp_jaxpr(jaxpr, const_nz + nz + xs_nz, [False] * (nk + ny))[2][:nk],
        list(init_nz))
    body, jvp_consts, out_nz = cf.jvp_jaxpr(jaxpr, const_nz + carry_nz + xs_nz,
                                            carry_nz + [False] * ny)
    sizes = [len(jvp_consts), nc, nk, len(xs_nz), sum(const_nz), sum(carry_nz), sum(xs_nz)]
    # jvp_jaxpr's layout: (jvp consts, consts, carry, xs, their tangents) -> (carry, ys,
    # their tangents); scan's: consts, carries, xs -> carries, ys.
    body = cf.permute(body, cf.groups_order(sizes, [0, 1, 4, 2, 5, 3, 6]),
                      cf.groups_order([nk, ny, sum(carry_nz), sum(out_nz[nk:])], [0, 2, 1, 3]))
    return body, jvp_consts, carry_nz, out_nz


def _scan_jvp(primals, tangents, *, jaxpr, length, reverse, num_consts, num_carry, unroll):
    nc, nk = num_consts, num_carry
    ny = len(jaxpr.out_avals) - nk
    consts, init, xs = cf.split_list(primals, [nc, nk])
    const_t, init_t, xs_t = cf.split_list(tangents, [nc, nk])
    const_nz, xs_nz = cf.nonzero_tangents(const_t), cf.nonzero_tangents(xs_t)
    body, jvp_consts, carry_nz, out_nz = _jvp_body(
        jaxpr, nc, nk, tuple(const_nz), tuple(cf.nonzero_tangents(init_t)), tuple(xs_nz))
    nj, n_ct, n_it = len(jvp_consts), sum(const_nz), sum(carry_nz)
    init_t = [ad.instantiate_zeros(t) for t, nz in zip(init_t, carry_nz) if nz]
    outs = scan_p.bind(
        *jvp_consts, *consts, *cf.pick(const_t, const_nz), *init, *init_t, *xs,
        *cf.pick(xs_t, xs_nz), jaxpr=body, length=length, reverse=reverse,
        num_consts=nj + nc + n_ct, num_carry=nk + n_it, unroll=unroll)
    carry, carry_t, ys, ys_t = cf.split_list(outs, [nk, n_it, ny])[:4]
    zeros = [Zero(ad.tangent_aval(get_aval(o))) for o in carry + ys]
    return carry + ys, (cf.merge(carry_nz, carry_t, zeros[:nk])
                        + cf.merge(out_nz[nk:], ys_t, zeros[nk:]))


ad.primitive_jvps[scan_p] = _scan_jvp


# ---------------------------------------------------------------------------------------------
# Partial evaluation.

def _invariant(jaxpr, n_consts):
    # Returns which outputs of `jaxpr` depend only on its first `n_consts` inputs.
    inv = set(jaxpr.invars[:n_consts])
    for eqn in jaxpr.eqns:
        if all(isinstance(a, Literal) or a in inv for a in eqn.invars):
            inv.update(eqn.outvars)
    return [isinstance(v, Literal) or v in inv for v in jaxpr.outvars]


class _ScanSplit:
    """A scan split by partial evaluation: the known scan (with the residuals it stacks and
    those hoisted out of it) and the body of the unknown scan."""

    __slots__ = (
        "carry_uk",
        "hoisted",
        "in_uk",
        "known_body",
        "known_consts",
        "n_invariant",
        "n_known_out",
        "out_uk",
        "res_inv",
        "stacked_from",
        "unknown_body",
    )


@cf.memoize
def _split_scan(jaxpr, nc, nk, const_uk, init_uk, xs_uk):
    # A carry is unknown if its init is or if the body makes it so. Residuals computed from
    # the consts alone are the same at every step: computed once, outside the loop, rather
    # than stacked; residuals that are slices of a known xs or ys are that array, not stacked
    # again.
    ny = len(jaxpr.out_avals) - nk
    const_uk, xs_uk = list(const_uk), list(xs_uk)
    out = _ScanSplit()
    out.carry_uk = cf.fixpoint(
        lambda uk: cf.partial_eval_jaxpr(jaxpr, const_uk + uk + xs_uk).out_unknowns[:nk],
        list(init_uk))
    split = cf.partial_eval_jaxpr(jaxpr, const_uk + out.carry_uk + xs_uk,
                                  out.carry_uk + [False] * ny)
    out.out_uk, out.known_consts = split.out_unknowns, split.known_consts
    known = split.known.jaxpr
    out.n_known_out = n_out = len(known.outvars) - len(split.residual_avals)
    n_consts = len(split.known_consts) + const_uk.count(False)
    res_vars = known.outvars[n_out:]
    out.res_inv = _invariant(known, n_consts)[n_out:]
    out.n_invariant = sum(out.res_inv)
    out.in_uk = const_uk + out.carry_uk + xs_uk
    n_known_carry = out.carry_uk.count(False)
    # Where each stacked residual comes from: a known xs, a known ys, or an extra ys.
    sources = {v: ("xs", i) for i, v in enumerate(known.invars[n_consts + n_known_carry:])}
    sources.update((v, ("ys", i)) for i, v in enumerate(known.outvars[n_known_carry:n_out])
                   if not isinstance(v, Literal) and v not in sources)
    computed = [v for v, inv in zip(res_vars, out.res_inv) if not inv and v not in sources]
    out.stacked_from = [sources.get(v) or ("res", computed.index(v))
                        for v in cf.pick(res_vars, out.res_inv, False)]
    out.hoisted, _ = pe.dce_jaxpr(Jaxpr([], known.invars[:n_consts],
                                        cf.pick(res_vars, out.res_inv), known.eqns))
    body, _ = pe.dce_jaxpr(Jaxpr([], known.invars, known.outvars[:n_out] + computed,
                                 known.eqns))
    out.known_body = cf.no_consts(body) if body.outvars else None
    unknown = split.unknown.jaxpr
    n_res = len(split.residual_avals)
    res_in, rest = unknown.invars[:n_res], unknown.invars[n_res:]
    u_consts, u_carry, u_xs = cf.split_list(rest, [sum(const_uk), sum(out.carry_uk)])
    out.unknown_body = cf.no_consts(unknown, cf.pick(res_in, out.res_inv) + u_consts + u_carry
                                    + cf.pick(res_in, out.res_inv, False) + u_xs)
    return out


def _run_split(sp, params, args, unknowns):
    # Runs the known scan of a split under the current trace. Returns (known carries, known
    # ys, the operands of the unknown scan).
    nc, nk = params["num_consts"], params["num_carry"]
    const_uk, _, xs_uk = cf.split_list(unknowns, [nc, nk])
    consts, init, xs = cf.split_list(args, [nc, nk])
    known_xs = cf.pick(xs, xs_uk, False)
    known_args = (sp.known_consts + cf.pick(consts, const_uk, False)
                  + cf.pick(init, sp.carry_uk, False) + known_xs)
    n_consts = len(sp.known_consts) + const_uk.count(False)
    n_known_carry = sp.carry_uk.count(False)
    invariant = core.eval_jaxpr(sp.hoisted, [], *known_args[:n_consts])
    outs = [] if sp.known_body is None else scan_p.bind(*known_args, **dict(
        params, jaxpr=sp.known_body, num_consts=n_consts, num_carry=n_known_carry))
    sources = {"xs": known_xs, "ys": outs[n_known_carry:sp.n_known_out],
               "res": outs[sp.n_known_out:]}
    stacked = [sources[where][i] for where, i in sp.stacked_from]
    unknown_args = [*invariant, *cf.pick(consts, const_uk), *cf.pick(init, sp.carry_uk),
                    *stacked, *cf.pick(xs, xs_uk)]
    return outs[:n_known_carry], outs[n_known_carry:sp.n_known_out], unknown_args


def _unknown_params(sp, params):
    # The params of the unknown scan: its consts are the invariant residuals, then the
    # unknown consts.
    n_unknown_consts = sum(sp.in_uk[:params["num_consts"]])
    return dict(params, jaxpr=sp.unknown_body, num_consts=sp.n_invariant + n_unknown_consts,
                num_carry=sum(sp.carry_uk))


def _split_by(params, flags):
    # The memoized split of a scan whose operands flagged True are unknown.
    nc, nk = params["num_consts"], params["num_carry"]
    const_f, init_f, xs_f = cf.split_list(flags, [nc, nk])
    return _split_scan(params["jaxpr"], nc, nk, tuple(const_f), tuple(init_f), tuple(xs_f))


def _scan_partial_eval(trace, args, params):
    nk = params["num_carry"]
    unknowns = [trace.is_own(x) for x in args]
    sp = _split_by(params, unknowns)
    with set_current_trace(trace.parent):
        known_carry, known_ys, unknown_args = _run_split(sp, params, args, unknowns)
    if not any(sp.out_uk):
        return known_carry + known_ys
    atoms = [trace.to_atom(x) for x in unknown_args]
    u_params = _unknown_params(sp, params)
    out_avals = _scan_abstract_eval(*[a.aval for a in atoms], **u_params)
    tracers = trace.record(scan_p, atoms, out_avals, u_params)
    n_uk_carry = sum(sp.carry_uk)
    return (cf.merge(sp.carry_uk, tracers[:n_uk_carry], known_carry)
            + cf.merge(sp.out_uk[nk:], tracers[n_uk_carry:], known_ys))


pe.partial_eval_rules[scan_p] = _scan_partial_eval


# ---------------------------------------------------------------------------------------------
# Transposition: a scan in the opposite direction. Its consts are the non-linear consts
# (residuals); its carries the accumulated cotangents of the linear consts, then the
# carries' cotangents; its xs the per-step residuals, then the ys' cotangents; its ys the
# cotangents of the linear xs.

@cf.memoize
def _transposed_body(jaxpr, nc, nk, const_lin, xs_lin, ys_nz):
    const_lin, xs_lin, ys_nz = list(const_lin), list(xs_lin), list(ys_nz)
    const_avals, carry_avals, x_avals = cf.split_list(jaxpr.in_avals, [nc, nk])
    y_avals = jaxpr.out_avals[nk:]
    sizes = [const_lin.count(False), sum(const_lin), nk, xs_lin.count(False)]

    def undefined(avals):
        return [UndefinedPrimal(a) for a in avals]

    def backward(*args):
        res_c, acc, ct_carry, res_x, ct_y = cf.split_list(args, sizes)
        full = (cf.merge(const_lin, undefined(cf.pick(const_avals, const_lin)), res_c)
                + undefined(carry_avals)
                + cf.merge(xs_lin, undefined(cf.pick(x_avals, xs_lin)), res_x))
        cts = list(ct_carry) + cf.merge(ys_nz, ct_y, [Zero(a) for a in
                                                      cf.pick(y_avals, ys_nz, False)])
        out = ad.backward_pass(jaxpr.jaxpr, jaxpr.consts, full, cts)
        ct_consts, ct_c, ct_x = cf.split_list(out, [nc, nk])
        acc = [ad.add_tangents(a, c) for a, c in zip(acc, cf.pick(ct_consts, const_lin))]
        return [ad.instantiate_zeros(c) for c in acc + ct_c + cf.pick(ct_x, xs_lin)]

    avals = (cf.pick(const_avals, const_lin, False) + cf.pick(const_avals, const_lin)
             + carry_avals + cf.pick(x_avals, xs_lin, False) + cf.pick(y_avals, ys_nz))
    return cf.trace(backward, avals)


def _transpose_nonlinear_part(cts, args, params):
    # A scan whose carries are not all linear (a linear program staged without splitting
    # the scan, e.g. by jit's partial evaluation): its non-linear part runs forward as a
    # known scan, and the linear part is transposed.
    nc, nk = params["num_consts"], params["num_carry"]
    linear = [ad.is_undefined_primal(a) for a in args]
    const_lin, _, xs_lin = cf.split_list(linear, [nc, nk])
    sp = _split_by(params, linear)
    _, _, unknown_args = _run_split(sp, params, args, linear)
    u_params = _unknown_params(sp, params)
    u_cts = cf.pick(cts[:nk], sp.carry_uk) + cf.pick(cts[nk:], sp.out_uk[nk:])
    u_out = _transpose_linear(u_cts, unknown_args, **u_params)
    n_inv, n_lin_c = sp.n_invariant, sum(const_lin)
    ct_consts, ct_init, _, ct_xs = cf.split_list(u_out[n_inv:], [n_lin_c, sum(sp.carry_uk),
                                                                 len(sp.stacked_from)])
    _, init, xs = cf.split_list(args, [nc, nk])
    ct_init = cf.merge(sp.carry_uk, ct_init, [None] * nk)
    return (cf.merge(const_lin, ct_consts, [None] * nc)
            + [c if ad.is_undefined_primal(x) else None for x, c in zip(init, ct_init)]
            + cf.merge(xs_lin, ct_xs, [None] * len(xs)))


def _scan_transpose(cts, *args, **params):
    linear = [ad.is_undefined_primal(a) for a in args]
    if not all(_split_by(params, linear).carry_uk):  # some carries do not depend on linear ones
        return _transpose_nonlinear_part(cts, args, params)
    return _transpose_linear(cts, args, **params)


def _transpose_linear(cts, args, *, jaxpr, length, reverse, num_consts, num_carry, unroll):
    nc, nk = num_consts, num_carry
    consts, init, xs = cf.split_list(args, [nc, nk])
    const_lin = [ad.is_undefined_primal(c) for c in consts]
    xs_lin = [ad.is_undefined_primal(x) for x in xs]
    ct_carry, ct_ys = cts[:nk], cts[nk:]
    ys_nz = [type(c) is not Zero for c in ct_ys]
    body, body_consts = _transposed_body(jaxpr, nc, nk, tuple(const_lin), tuple(xs_lin),
                                         tuple(ys_nz))
    acc = [ad.zeros_like_aval(a) for a in cf.pick(jaxpr.in_avals[:nc], const_lin)]
    res_consts, res_xs = cf.pick(consts, const_lin, False), cf.pick(xs, xs_lin, False)
    n_consts = len(body_consts) + len(res_consts)
    outs = scan_p.bind(
        *body_consts, *res_consts, *acc, *map(ad.instantiate_zeros, ct_carry), *res_xs,
        *cf.pick(ct_ys, ys_nz), jaxpr=body, length=length, reverse=not reverse,
        num_consts=n_consts, num_carry=len(acc) + nk, unroll=unroll)
    ct_consts, ct_init, ct_xs = cf.split_list(outs, [len(acc), nk])
    return (cf.merge(const_lin, ct_consts, [None] * nc)
            + [c if ad.is_undefined_primal(x) else None for x, c in zip(init, ct_init)]
            + cf.merge(xs_lin, ct_xs, [None] * len(xs)))


ad.primitive_transposes[scan_p] = _scan_transpose


# ---------------------------------------------------------------------------------------------
# Batching: batched xs put their batch axis at 1 (axis 0 is the scan axis), so each slice
# has it first; carries are batched (at 0) when their init is or the body makes them so.

@cf.memoize
def _batch_body(jaxpr, nk, size, const_d, init_d, slice_d, name):
    # Returns (batched body, its closed-over values, which carries and outputs are batched).
    ny = len(jaxpr.out_avals) - nk
    const_d, slice_d = list(const_d), list(slice_d)
    carry_b = cf.fixpoint(
        lambda b: cf.batch_jaxpr(jaxpr, size, const_d + cf.carry_dims(b) + slice_d, name)[2][:nk],
        [d is not batching.not_mapped for d in init_d])
    body, consts, out_b = cf.batch_jaxpr(jaxpr, size, const_d + cf.carry_dims(carry_b) + slice_d,
                                         name, carry_b + [None] * ny)
    return body, consts, carry_b, out_b


def _scan_batch(axis_data, vals, dims, *, jaxpr, length, reverse, num_consts, num_carry,
                unroll):
    size, nc, nk = axis_data.size, num_consts, num_carry
    const_d, init_d, xs_d = cf.split_list(dims, [nc, nk])
    consts, init, xs = cf.split_list(vals, [nc, nk])
    xs = [x if d is batching.not_mapped else batching.moveaxis(x, d, 1)
          for x, d in zip(xs, xs_d)]
    slice_d = [batching.not_mapped if d is batching.not_mapped else 0 for d in xs_d]
    body, body_consts, carry_b, out_b = _batch_body(
        jaxpr, nk, size, tuple(const_d), tuple(init_d), tuple(slice_d), axis_data.name)
    init = [batching.move_to(x, d, size, 0) if b else x
            for x, d, b in zip(init, init_d, carry_b)]
    outs = scan_p.bind(*body_consts, *consts, *init, *xs, jaxpr=body, length=length,
                       reverse=reverse, num_consts=len(body_consts) + nc, num_carry=nk,
                       unroll=unroll)
    return outs, cf.carry_dims(carry_b) + [1 if b else batching.not_mapped for b in out_b[nk:]]


batching.axis_primitive_batchers[scan_p] = _scan_batch
