"""Gamma-family samplers: `gamma`, `loggamma`, `beta`, `dirichlet`.

Gamma(alpha) samples use Marsaglia and Tsang's rejection method ("A simple method for
generating gamma variables", ACM TOMS 2000): with d = alpha - 1/3 and c = 1 / sqrt(9 d),
draw x ~ N(0, 1) until v = (1 + c x)^3 > 0, and accept d * v when
log(u) < x^2 / 2 + d (1 - v + log v) for u ~ U(0, 1) (with the cheap squeeze
u < 1 - 0.0331 x^4 tried first). For alpha < 1 the sample for alpha + 1 is scaled by
u^(1 / alpha); `loggamma` works in log space so that tiny alphas do not underflow.

Each element of the parameter array gets its own key (the sampler's key split once per
element) and its own rejection loop. The loops of all elements run together: one `while`
whose carried state is per-element and frozen once an element is accepted (a `select`), so
each element's result is exactly that of its own loop.
"""
import functools
import math

import numpy as np

from jaxlike import lax
from jaxlike.api import jit
from jaxlike.core import Primitive, get_aval
from jaxlike.interpreters import ad, batching
from jaxlike.interpreters import partial_eval as pe
from jaxlike.random import _common as C
from jaxlike.random._continuous import exponential_impl, normal_real, uniform_impl
from jaxlike.random._keys import single_key, split_n, split_words_impl


def _while_loop():
    from jaxlike.lax.control_flow import while_loop
    return while_loop


def _any(pred):
    return lax.reduce_or(pred, (0,))


def _where(mask, new, old):
    """Returns `new` where the per-element `mask` holds, `old` elsewhere (keys included)."""
    shape = tuple(get_aval(new).shape)
    if len(shape) > 1:
        mask = lax.broadcast_in_dim(mask, shape, (0,))
    return lax.select(mask, new, old)


def _full(value, like):
    aval = get_aval(like)
    return lax.broadcast_in_dim(np.asarray(value, aval.dtype), tuple(aval.shape), ())


def _standard_normal_until_positive(keys, c, dtype):
    """Returns (x, v) per element: x ~ N(0, 1) redrawn until v = 1 + c x > 0."""
    def cond(state):
        return _any(lax.le(state[2], np.asarray(0, dtype)))

    def body(state):
        key, x, v = state
        next_key, subkey = split_n(key, 2)
        x_new = normal_real(subkey, (), dtype)
        v_new = lax.add(np.asarray(1, dtype), lax.mul(x_new, c))
        redraw = lax.le(v, np.asarray(0, dtype))
        return _where(redraw, next_key, key), _where(redraw, x_new, x), _where(redraw, v_new, v)

    _, x, v = _while_loop()(cond, body, (keys, _full(0, c), _full(-1, c)))
    return x, v


def _marsaglia_tsang(keys, d, c, dtype):
    """Returns the accepted V = (1 + c x)^3 per element (the sample is d * V)."""
    one = np.asarray(1, dtype)

    def rejected(X, V, U):
        squeeze = lax.ge(U, lax.sub(one, lax.mul(np.asarray(0.0331, dtype), lax.mul(X, X))))
        bound = lax.add(lax.mul(X, np.asarray(0.5, dtype)),
                        lax.mul(d, lax.add(lax.sub(one, V), lax.log(V))))
        return lax.bitwise_and(squeeze, lax.ge(lax.log(U), bound))

    def cond(state):
        return _any(rejected(*state[1:]))

    def body(state):
        key, X, V, U = state
        next_key, x_key, u_key = split_n(key, 3)
        x, v = _standard_normal_until_positive(x_key, c, dtype)
        X_new, V_new = lax.mul(x, x), lax.mul(lax.mul(v, v), v)
        U_new = uniform_impl(u_key, (), dtype, np.asarray(0, dtype), one)
        again = rejected(X, V, U)
        return (_where(again, next_key, key), _where(again, X_new, X),
                _where(again, V_new, V), _where(again, U_new, U))

    # The initial state is rejected, so every element draws at least once.
    _, _, V, _ = _while_loop()(cond, body, (keys, _full(0, d), _full(1, d), _full(2, d)))
    return V


def _gamma_flat(keys, alpha, log_space):
    """Returns one Gamma(alpha) sample (or its log) per element of 1-D alpha, with keys."""
    dtype = get_aval(alpha).dtype
    one, third = np.asarray(1, dtype), np.asarray(1 / 3, dtype)
    boost_mask = lax.ge(alpha, one)
    boosted = lax.select(boost_mask, alpha, lax.add(alpha, one))
    d = lax.sub(boosted, third)
    c = lax.div(third, lax.sqrt(d))
    key, subkey = split_n(keys, 2)
    V = _marsaglia_tsang(key, d, c, dtype)
    zero = lax.broadcast_in_dim(np.asarray(0, dtype), tuple(get_aval(alpha).shape), ())
    if log_space:
        log_u = lax.neg(exponential_impl(subkey, (), dtype))
        log_boost = lax.select(lax.bitwise_or(boost_mask, lax.eq(log_u, zero)), zero,
                               lax.mul(log_u, lax.div(one, alpha)))
        return lax.add(lax.add(lax.log(d), lax.log(V)), log_boost)
    u = uniform_impl(subkey, (), dtype, np.asarray(0, dtype), one)
    boost = lax.select(boost_mask, lax.add(zero, one),
                       lax.pow(lax.sub(one, u), lax.div(one, alpha)))
    return lax.mul(lax.mul(d, V), boost)


def _gamma_keys_impl(keys, a, log_space):
    """Returns Gamma(a) samples (logs when `log_space`): keys has shape K + (2,) and `a`
    shape K + S; each key is split into one key per element of S."""
    batch, shape = tuple(get_aval(keys).shape[:-1]), tuple(get_aval(a).shape)
    n, total = math.prod(shape[len(batch):]), math.prod(shape)
    if total == 0:
        return a
    keys = lax.reshape(split_words_impl(keys, (n,)), (total, 2))
    return lax.reshape(_gamma_flat(keys, lax.reshape(a, (total,)), log_space), shape)


# `random_gamma` (as in JAX) samples with one key per leading batch of `a`. It is a
# primitive so that its vmap rule can flatten the batch into the per-element loops, as JAX
# does: XLA evaluates log/exp/pow with vectorized or scalar code depending on the shapes it
# loops over, so matching JAX's bits under vmap needs JAX's shapes. It carries the jaxpr of
# its implementation (consts made leading operands), which lowering/prng.py emits inline.
random_gamma_p = Primitive("random_gamma")


@functools.lru_cache(maxsize=256)
def _gamma_jaxpr(key_aval, a_aval, log_space):
    closed = pe.trace_to_jaxpr(lambda k, a: [_gamma_keys_impl(k, a, log_space)],
                               [key_aval, a_aval])
    return pe.convert_constvars_to_invars(closed)


def random_gamma(keys, a, log_space):
    """Returns Gamma(a) samples (or their logs) for key words `keys` (shape K + (2,)) and
    `a` (shape K + S)."""
    aval = lambda x: get_aval(x).strip_weak_type()
    jaxpr, consts = _gamma_jaxpr(aval(keys), aval(a), bool(log_space))
    return random_gamma_p.bind(*consts, keys, a, log_space=bool(log_space), jaxpr=jaxpr)


random_gamma_p.def_abstract_eval(lambda *avals, log_space, jaxpr: jaxpr.out_avals[0])


def _random_gamma_batch(axis_data, vals, dims, *, log_space, jaxpr):
    if any(d is not batching.not_mapped for d in dims[:-2]):
        raise NotImplementedError("random_gamma: batched constants are not supported.")
    keys, a = (batching.bdim_at_front(v, d, axis_data.size) for v, d in zip(vals[-2:],
                                                                          dims[-2:]))
    return random_gamma(keys, a, log_space), 0


batching.axis_primitive_batchers[random_gamma_p] = _random_gamma_batch


def _random_gamma_jvp(primals, tangents, *, log_space, jaxpr):
    out = random_gamma_p.bind(*primals, log_space=log_space, jaxpr=jaxpr)
    if type(tangents[-1]) is not ad.Zero:
        raise NotImplementedError(
            "jaxlike.random: differentiating gamma, loggamma, beta or dirichlet samples with "
            "respect to their shape parameters is not supported yet; wrap the parameter in "
            "lax.stop_gradient.")
    return out, ad.Zero(get_aval(out))


ad.primitive_jvps[random_gamma_p] = _random_gamma_jvp


def _gamma_jit_impl(data, shape, dtype, log_space, a):
    a = C.broadcast_to(lax.convert_element_type(a, dtype), shape)
    return random_gamma(data, a, log_space)


_gamma = jit(_gamma_jit_impl, static_argnums=(1, 2, 3))


def _gamma_args(fname, a, shape, dtype):
    dtype = C.float_dtype(fname, dtype)
    a = C.as_array(fname, "a", a)
    return a, C.sample_shape(fname, shape, C.shape_of(a)), dtype


def gamma(key, a, shape=None, dtype=None, *, out_sharding=None):
    """Returns Gamma(a, 1) samples of `dtype` and `shape` (default: a's shape)."""
    data, _ = single_key("gamma", key)
    a, shape, dtype = _gamma_args("gamma", a, shape, dtype)
    return _gamma(data, shape, dtype, False, a)


def loggamma(key, a, shape=None, dtype=None, *, out_sharding=None):
    """Returns the logs of Gamma(a, 1) samples, accurate even where the samples underflow
    (small a)."""
    data, _ = single_key("loggamma", key)
    a, shape, dtype = _gamma_args("loggamma", a, shape, dtype)
    return _gamma(data, shape, dtype, True, a)


# ---------------------------------------------------------------------------------------------
# beta, dirichlet.

def _beta_impl(data, shape, dtype, a, b):
    a = lax.convert_element_type(a, dtype)
    b = lax.convert_element_type(b, dtype)
    key_a, key_b = split_n(data, 2)
    log_a = random_gamma(key_a, C.broadcast_to(a, shape), True)
    log_b = random_gamma(key_b, C.broadcast_to(b, shape), True)
    # gamma_a / (gamma_a + gamma_b), scaled by the larger so that neither underflows.
    log_max = lax.max(log_a, log_b)
    scaled_a = lax.exp(lax.sub(log_a, log_max))
    scaled_b = lax.exp(lax.sub(log_b, log_max))
    return lax.div(scaled_a, lax.add(scaled_a, scaled_b))


_beta = jit(_beta_impl, static_argnums=(1, 2))


def beta(key, a, b, shape=None, dtype=None, *, out_sharding=None):
    """Returns Beta(a, b) samples of `dtype` and `shape` (default: the broadcast shape of a
    and b)."""
    data, _ = single_key("beta", key)
    dtype = C.float_dtype("beta", dtype)
    a = C.as_array("beta", "a", a)
    b = C.as_array("beta", "b", b)
    shape = C.sample_shape("beta", shape, C.shape_of(a), C.shape_of(b))
    return _beta(data, shape, dtype, a, b)


def _dirichlet_impl(data, shape, dtype, alpha):
    alpha = lax.convert_element_type(alpha, dtype)
    full_shape = shape + tuple(get_aval(alpha).shape[-1:])
    log_gamma = random_gamma(data, C.broadcast_to(alpha, full_shape), True)
    # A softmax over the last axis.
    last = len(full_shape) - 1
    peak = lax.max(np.asarray(-np.inf, dtype), lax.reduce_max(log_gamma, (last,)))
    peak = lax.stop_gradient(lax.broadcast_in_dim(peak, full_shape[:-1] + (1,),
                                                  tuple(range(last))))
    unnormalized = lax.exp(lax.sub(log_gamma, peak))
    total = lax.reduce_sum(unnormalized, (last,))
    return lax.div(unnormalized, lax.broadcast_in_dim(total, full_shape[:-1] + (1,),
                                                      tuple(range(last))))


_dirichlet = jit(_dirichlet_impl, static_argnums=(1, 2))


def dirichlet(key, alpha, shape=None, dtype=None, *, out_sharding=None):
    """Returns Dirichlet(alpha) samples (alpha's last axis holds the concentrations) of shape
    `shape + get_aval(alpha).shape[-1:]` (default shape: alpha's batch shape)."""
    data, _ = single_key("dirichlet", key)
    dtype = C.float_dtype("dirichlet", dtype)
    alpha = C.as_array("dirichlet", "alpha", alpha)
    ashape = C.shape_of(alpha)
    if len(ashape) < 1:
        raise ValueError(f"dirichlet: alpha must have at least one axis, got shape {ashape}.")
    shape = C.sample_shape("dirichlet", shape, ashape[:-1])
    return _dirichlet(data, shape, dtype, alpha)
