"""lax.fft and jnp.fft: against numpy.fft eagerly and under jit (float32/complex64 and, with
x64, float64/complex128), every `norm`, cropping and padding; derivatives to second order
with check_grads (JAX's non-conjugating convention, pinned by values from JAX); vmap against
a Python loop; errors naming the function, the axes and the shapes."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike import lax
from jaxlike.test_util import check_grads
from tests.helpers import assert_allclose, check_eager_and_jit
from tests.vmap_helpers import loop

seeds = st.integers(0, 2**31 - 1)
_TOL = {"rtol": 1e-4, "atol": 1e-5}


def _real(seed, shape=(2, 4), dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _complex(seed, shape=(2, 4), dtype=np.complex64):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def _expected(value, like):
    """numpy computes in 64 bits: round the reference to jaxlike's result dtype."""
    complex_out = np.iscomplexobj(value)
    wide = like in (np.float64, np.complex128)
    dtype = (np.complex128 if wide else np.complex64) if complex_out else (
        np.float64 if wide else np.float32)
    return np.asarray(value).astype(dtype)


# ---------------------------------------------------------------------------------------------
# Against numpy.

@given(seeds)
@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"])
def test_1d_transforms_match_numpy(name, seed):
    x = _real(seed) if name in ("rfft", "ihfft") else _complex(seed)
    check_eager_and_jit(getattr(jnp.fft, name), (x,),
                        _expected(getattr(np.fft, name)(x), x.dtype), **_TOL)


@pytest.mark.parametrize("norm", [None, "ortho", "forward"])
@pytest.mark.parametrize("name, n, axis", [("fft", 3, 1), ("ifft", 5, 0), ("rfft", 6, 1),
                                           ("irfft", 5, 1)])
def test_lengths_axes_and_norms(name, n, axis, norm):
    x = _real(0) if name == "rfft" else _complex(0)
    fun = getattr(jnp.fft, name)
    expected = getattr(np.fft, name)(x, n=n, axis=axis, norm=norm)
    assert_allclose(fun(x, n=n, axis=axis, norm=norm), _expected(expected, x.dtype), **_TOL)


_ND = [("fftn", {}), ("ifftn", {"axes": (0, 2)}), ("fftn", {"s": (3, 5), "axes": (2, 0)}),
       ("rfftn", {}), ("rfftn", {"axes": (2, 0)}), ("irfftn", {}),
       ("irfftn", {"s": (4, 6), "axes": (1, 2)}), ("fft2", {}), ("ifft2", {"s": (2, 2)}),
       ("rfft2", {}), ("irfft2", {"axes": (0, 1)})]


@given(seeds)
@pytest.mark.parametrize("name, kwargs", _ND)
def test_nd_transforms_match_numpy(name, kwargs, seed):
    x = _real(seed, (2, 3, 4)) if name.startswith("rfft") else _complex(seed, (2, 3, 4))
    expected = getattr(np.fft, name)(x, **kwargs)
    check_eager_and_jit(lambda a: getattr(jnp.fft, name)(a, **kwargs), (x,),
                        _expected(expected, x.dtype), **_TOL)


def test_more_than_three_axes_run_in_several_transforms():
    x = _real(1, (2, 2, 3, 2, 2))
    assert_allclose(jnp.fft.fftn(x), _expected(np.fft.fftn(x), x.dtype), **_TOL)
    assert_allclose(jnp.fft.rfftn(x), _expected(np.fft.rfftn(x), x.dtype), **_TOL)
    spectrum = np.fft.rfftn(x).astype(np.complex64)
    assert_allclose(jnp.fft.irfftn(spectrum, s=x.shape), x, **_TOL)
    assert jax.make_jaxpr(jnp.fft.fftn)(x).pretty_print().count("fft[") == 2


def test_x64_dtypes_match_numpy_tightly(x64):
    x, c = _real(2, dtype=np.float64), _complex(2, dtype=np.complex128)
    check_eager_and_jit(jnp.fft.fft, (c,), np.fft.fft(c), rtol=1e-12, atol=1e-12)
    check_eager_and_jit(jnp.fft.rfft, (x,), np.fft.rfft(x), rtol=1e-12, atol=1e-12)
    check_eager_and_jit(jnp.fft.irfft, (c,), np.fft.irfft(c), rtol=1e-12, atol=1e-12)
    assert jnp.fft.fft(x).dtype == np.complex128
    assert jnp.fft.fft(np.float32(x)).dtype == np.complex64


def test_dtypes_of_integer_and_half_inputs():
    assert jnp.fft.fft(np.arange(4)).dtype == np.complex64
    assert jnp.fft.rfft(np.arange(4)).dtype == np.complex64
    assert jnp.fft.irfft(np.arange(3)).dtype == np.float32
    assert jnp.fft.fft(np.ones(4, np.float16)).dtype == np.complex64
    assert_allclose(jnp.fft.fft(np.arange(4)), np.fft.fft(np.arange(4)).astype(np.complex64),
                    **_TOL)


def test_frequencies_and_shifts():
    assert_allclose(jnp.fft.fftfreq(5), np.fft.fftfreq(5).astype(np.float32))
    assert_allclose(jnp.fft.fftfreq(4, 0.5), np.fft.fftfreq(4, 0.5).astype(np.float32))
    assert_allclose(jnp.fft.rfftfreq(6, 0.1), np.fft.rfftfreq(6, 0.1).astype(np.float32))
    assert jnp.fft.rfftfreq(5, dtype=jnp.float16).dtype == np.float16
    x = _real(3, (2, 3, 4))
    check_eager_and_jit(jnp.fft.fftshift, (x,), np.fft.fftshift(x))
    check_eager_and_jit(lambda a: jnp.fft.ifftshift(a, axes=1), (x,),
                        np.fft.ifftshift(x, axes=1))
    assert_allclose(jnp.fft.ifftshift(jnp.fft.fftshift(x, (0, 2)), (0, 2)), x)


def test_jaxprs_use_jax_params():
    x = np.zeros(8, np.float32)
    text = str(jax.make_jaxpr(jnp.fft.rfft)(x))
    assert "fft[fft_lengths=(8,) fft_type=2]" in text
    text = str(jax.make_jaxpr(lambda a: lax.fft(a, "irfft", (8,)))(np.zeros(5, np.complex64)))
    assert "fft[fft_lengths=(8,) fft_type=3]" in text
    assert lax.fft(x, lax.FftType.FFT, (8,)).dtype == np.complex64  # real input converted


# ---------------------------------------------------------------------------------------------
# Derivatives.

_GRAD_CASES = [
    ("fft", lambda c: jnp.fft.fft(c), True),
    ("ifftn", lambda c: jnp.fft.ifftn(c, axes=(0, 1)), True),
    ("fft of real", lambda x: jnp.fft.fft(x, n=5), False),
    ("rfft", lambda x: jnp.fft.rfft(x), False),
    ("rfft odd", lambda x: jnp.fft.rfft(x, n=3), False),
    ("rfft2", lambda x: jnp.fft.rfft2(x, norm="ortho"), False),
    ("irfft", lambda c: jnp.fft.irfft(c), True),
    ("irfft odd", lambda c: jnp.fft.irfft(c, n=5), True),
    ("irfftn", lambda c: jnp.fft.irfftn(c, norm="forward"), True),
]


@pytest.mark.parametrize("name, fun, complex_input", _GRAD_CASES, ids=[c[0] for c in _GRAD_CASES])
def test_check_grads_second_order(x64, name, fun, complex_input):
    x = _complex(4, (2, 3), np.complex128) if complex_input else _real(4, (2, 3), np.float64)
    check_grads(fun, (x,), order=2)


def test_gradients_equal_jax(x64):
    # Values from JAX 0.10.2: they pin the convention for complex cotangents.
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    c = x[:, :2] + 1j * x[:, 1:]
    grad_irfft = jax.grad(lambda c: jnp.sum(jnp.fft.irfft(c, n=3) ** 3))(c)
    assert_allclose(grad_irfft, np.array([[0.6, 1.01333333 - 0.10666667j],
                                          [0.92, -0.26666667 + 0.53333333j]]), rtol=1e-7)
    weights = jnp.arange(2)
    grad_rfft = jax.grad(lambda x: jnp.sum(jnp.abs(jnp.fft.rfft(x)) ** 2 * weights))(x)
    assert_allclose(grad_rfft, np.array([[-1.2, 0.0, 1.2]] * 2), atol=1e-12, rtol=1e-7)
    grad_fft = jax.grad(lambda c: jnp.sum(jnp.fft.fft(c) ** 2).real)(c)
    assert_allclose(grad_fft, np.array([[-4 - 2.4j, -2.4 - 0.8j], [0.8 + 2.4j, 2.4 + 4j]]),
                    rtol=1e-7)


# ---------------------------------------------------------------------------------------------
# vmap.

@pytest.mark.parametrize("name, in_axes, out_axes", [("fft", 0, 0), ("fft", 2, -1),
                                                     ("rfft", 1, 0), ("irfft", -1, 1)])
def test_vmap_matches_loop(name, in_axes, out_axes):
    x = _real(5, (2, 3, 4)) if name == "rfft" else _complex(5, (2, 3, 4))
    fun = getattr(jnp.fft, name)
    out = jax.vmap(fun, in_axes=in_axes, out_axes=out_axes)(x)
    assert_allclose(out, loop(fun, x, in_axes=in_axes, out_axes=out_axes), **_TOL)
    eqns = jax.make_jaxpr(jax.vmap(fun, in_axes=in_axes, out_axes=out_axes))(x).jaxpr.eqns
    assert len(eqns) <= 3


def test_vmap_of_grad_matches_loop():
    x = _real(6, (3, 4))
    fun = jax.grad(lambda a: jnp.sum(jnp.abs(jnp.fft.rfft(a)) ** 2))
    batched = jax.jit(jax.vmap(fun))(x)
    assert_allclose(batched, loop(jax.jit(fun), x), **_TOL)
    assert_allclose(batched, jax.vmap(jax.jit(fun))(x), **_TOL)


# ---------------------------------------------------------------------------------------------
# Errors.

def test_axis_out_of_range_names_function_and_shape():
    with pytest.raises(ValueError, match=r"jnp.fft.fft: axis 2 is out of bounds .*\(2, 4\)"):
        jnp.fft.fft(_complex(0), axis=2)
    with pytest.raises(ValueError, match=r"jnp.fft.rfftn: axis -3 is out of bounds"):
        jnp.fft.rfftn(_real(0), axes=(-3, 0))
    with pytest.raises(ValueError, match="jnp.fft.fftn does not support repeated axes"):
        jnp.fft.fftn(_complex(0), axes=(0, 0))
    with pytest.raises(ValueError, match="axis -1 is out of bounds for array of dimension 0"):
        jnp.fft.fft(np.float32(1))


def test_bad_arguments():
    with pytest.raises(ValueError, match="jnp.fft.fft: invalid norm value 'bad'"):
        jnp.fft.fft(_complex(0), norm="bad")
    with pytest.raises(ValueError, match="only real valued inputs"):
        jnp.fft.rfft(_complex(0))
    with pytest.raises(ValueError, match=r"jnp.fft.fft: the lengths s=\(0,\) must be positive"):
        jnp.fft.fft(_complex(0), n=0)
    with pytest.raises(ValueError, match="must have the same length"):
        jnp.fft.fftn(_complex(0), s=(2, 2), axes=(0,))
    with pytest.raises(TypeError, match="requires ndarray or scalar"):
        jnp.fft.fft([1.0, 2.0])


def test_lax_fft_shape_errors():
    c = _complex(0)
    with pytest.raises(ValueError, match=r"FFT input shape \(2, 4\) must end in the dimensions "
                                         r"\(3,\)"):
        lax.fft(c, "fft", (3,))
    with pytest.raises(ValueError, match=r"IRFFT input shape \(2, 4\) must end in the "
                                         r"dimensions \(3,\)"):
        lax.fft(c, "irfft", (4,))
    with pytest.raises(ValueError, match="one to three trailing axes"):
        lax.fft(np.zeros((2, 2, 2, 2), np.complex64), "fft", (2, 2, 2, 2))
    with pytest.raises(ValueError, match="only real valued inputs are supported for rfft"):
        lax.fft(c, "rfft", (4,))
    with pytest.raises(ValueError, match="unknown fft_type 'dct'"):
        lax.fft(c, "dct", (4,))
