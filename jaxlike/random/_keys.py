"""PRNG keys: typed key arrays, seeding, `split`, `fold_in` and the raw bit stream.

A key of the default implementation (Threefry-2x32, tag `fry`) is two uint32 words. JAX
code holds keys either as *typed* key arrays (`key(seed)`: dtype `key<fry>`, shape without
the words) or as *raw* uint32 arrays whose last axis holds the two words (`PRNGKey(seed)`).
Every function here accepts both and returns keys of the kind it was given.

Typed key arrays are pytree nodes whose one child is the uint32 word array, so `jit`,
`vmap` and the other transformations only ever see uint32 arrays and rebuild the key array
around their results. (So vmap's in_axes/out_axes for key arrays count the word axis:
non-negative axes mean what they mean in JAX, negative ones do not.)

Bits follow JAX's default ("partitionable") Threefry scheme: the n-th element (row-major) of
a requested shape is hashed from the 64-bit counter n, split into (high, low) words; 32-bit
draws xor the two output words, narrower ones truncate that, 64-bit ones concatenate the
words. `split(key, shape)` hashes the counters 0..n-1 and keeps both words as the new keys;
`fold_in(key, d)` hashes the counter d.
"""
import math

import numpy as np

from jaxlike import dtypes, lax, tree_util
from jaxlike.api import jit
from jaxlike.config import config
from jaxlike.core import Tracer, get_aval
from jaxlike.lax.prng import threefry2x32
from jaxlike.random import _common as C

_IMPL_NAME = "threefry2x32"
_IMPLS = (None, "threefry2x32", "threefry")


class PRNGKeyDtype:
    """The dtype of typed key arrays of the Threefry implementation, printed `key<fry>`."""

    name = "key<fry>"
    itemsize = 8  # two uint32 words
    kind = "V"

    def __repr__(self):
        return self.name

    __str__ = __repr__

    def __eq__(self, other):
        return isinstance(other, PRNGKeyDtype) or other == self.name

    def __hash__(self):
        return hash(self.name)


key_dtype = PRNGKeyDtype()


def _key_op_error(op, *others):
    names = ", ".join(["key<fry>"] + [_dtype_name(o) for o in others])
    return TypeError(f"{op} does not accept dtypes {names}. Typed PRNG keys support no "
                     "arithmetic; use jaxlike.random.key_data(key) to get the underlying "
                     "uint32 words, or random.split / random.fold_in to derive new keys.")


def _dtype_name(x):
    if isinstance(x, PRNGKeyArray):
        return "key<fry>"
    try:
        return get_aval(x).dtype.name
    except TypeError:
        return type(x).__name__


def _binary_error(op):
    def method(self, other):
        raise _key_op_error(op, other)
    return method


def _unary_error(op):
    def method(self):
        raise _key_op_error(op)
    return method


class PRNGKeyArray:
    """An array of PRNG keys (dtype `key<fry>`) over a uint32 array of shape (*shape, 2)."""

    __slots__ = ("_base_array",)
    __array_priority__ = 100
    __hash__ = None  # unhashable, like arrays

    def __init__(self, base_array):
        self._base_array = base_array

    # -- array-like attributes --------------------------------------------------------------
    @property
    def shape(self):
        """The shape of the key array (the word axis excluded)."""
        return tuple(get_aval(self._base_array).shape[:-1])

    @property
    def dtype(self):
        """The key dtype, printed `key<fry>`."""
        return key_dtype

    @property
    def ndim(self):
        """The number of axes of the key array."""
        return len(self.shape)

    @property
    def size(self):
        """The number of keys."""
        return math.prod(self.shape)

    @property
    def itemsize(self):
        """The size of one key in bytes."""
        return key_dtype.itemsize

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d key array")
        return (self[i] for i in range(self.shape[0]))

    def __getitem__(self, index):
        """Returns the keys at `index` (basic indexing over the key axes)."""
        if not isinstance(index, tuple):
            index = (index,)
        return PRNGKeyArray(self._base_array[index + (slice(None),)])

    def reshape(self, *shape):
        """Returns the keys reshaped to `shape`."""
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = tuple(shape[0])
        data = self._base_array
        if -1 in shape:
            known = math.prod(s for s in shape if s != -1)
            shape = tuple(self.size // max(known, 1) if s == -1 else s for s in shape)
        return PRNGKeyArray(lax.reshape(data, tuple(shape) + (2,)))

    def ravel(self):
        """Returns the keys as a 1-D key array."""
        return self.reshape(self.size)

    flatten = ravel

    def transpose(self, *axes):
        """Returns the key array with its axes permuted (reversed by default)."""
        if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
            axes = tuple(axes[0])
        axes = tuple(axes) or tuple(reversed(range(self.ndim)))
        perm = tuple(a % self.ndim for a in axes) + (self.ndim,)
        return PRNGKeyArray(lax.transpose(self._base_array, perm))

    @property
    def T(self):  # noqa: N802 -- numpy's name
        """The key array with its axes reversed."""
        return self.transpose()

    def squeeze(self, axis=None):
        """Returns the key array without its size-1 axes (or the given ones)."""
        if axis is None:
            axis = tuple(i for i, s in enumerate(self.shape) if s == 1)
        axis = (axis,) if isinstance(axis, int) else tuple(axis)
        return PRNGKeyArray(lax.squeeze(self._base_array, tuple(a % self.ndim for a in axis)))

    # -- comparisons (keys are equal when their words are) ----------------------------------
    def __eq__(self, other):
        if not isinstance(other, PRNGKeyArray):
            raise _key_op_error("eq", other)
        return lax.reduce_and(lax.eq(self._base_array, other._base_array), (self.ndim,))

    def __ne__(self, other):
        if not isinstance(other, PRNGKeyArray):
            raise _key_op_error("ne", other)
        return lax.reduce_or(lax.ne(self._base_array, other._base_array), (self.ndim,))

    # -- no arithmetic, no conversion (the operators are installed below) ----------------

    def __array__(self, dtype=None, copy=None):
        raise TypeError("A typed PRNG key array cannot be converted to a NumPy array. Use "
                        "jaxlike.random.key_data(keys) to get its uint32 words.")

    def __bool__(self):
        raise TypeError("A typed PRNG key array has no truth value.")

    def block_until_ready(self):
        """Waits for the key data; returns self."""
        block = getattr(self._base_array, "block_until_ready", None)
        if block is not None:
            block()
        return self

    def __repr__(self):
        if isinstance(self._base_array, Tracer):  # printed like the tracer of its words
            dims = ",".join(map(str, self.shape))
            return f"Traced<key<fry>[{dims}]>" + repr(self._base_array).partition(">")[2]
        return (f"Array({self.shape}, dtype=key<fry>) overlaying:\n"
                f"{np.asarray(self._base_array)}")

    __str__ = __repr__


_BINARY_OPS = (("add", "add"), ("radd", "add"), ("sub", "sub"), ("rsub", "sub"),
               ("mul", "mul"), ("rmul", "mul"), ("truediv", "div"), ("rtruediv", "div"),
               ("floordiv", "floor_divide"), ("rfloordiv", "floor_divide"), ("mod", "rem"),
               ("rmod", "rem"), ("pow", "pow"), ("rpow", "pow"), ("matmul", "dot_general"),
               ("rmatmul", "dot_general"), ("and", "and"), ("rand", "and"), ("or", "or"),
               ("ror", "or"), ("xor", "xor"), ("rxor", "xor"), ("lshift", "shift_left"),
               ("rlshift", "shift_left"), ("rshift", "shift_right"),
               ("rrshift", "shift_right"), ("lt", "lt"), ("le", "le"), ("gt", "gt"),
               ("ge", "ge"))
for _name, _op in _BINARY_OPS:
    setattr(PRNGKeyArray, f"__{_name}__", _binary_error(_op))
for _name, _op in (("neg", "neg"), ("pos", "pos"), ("abs", "abs"), ("invert", "not")):
    setattr(PRNGKeyArray, f"__{_name}__", _unary_error(_op))
del _name, _op

tree_util.register_pytree_node(
    PRNGKeyArray, lambda k: ((k._base_array,), None),
    lambda _, children: PRNGKeyArray(children[0]))


# ---------------------------------------------------------------------------------------------
# Checking key arguments.

def _check_impl(fname, impl):
    if impl not in _IMPLS:
        raise NotImplementedError(f"{fname}: jaxlike implements only the default PRNG "
                                  f"implementation ('threefry2x32'), got impl={impl!r}.")


def _check_words(fname, data):
    """Raises TypeError unless `data` is uint32 with a trailing axis of 2 key words."""
    try:
        aval = get_aval(data)
    except TypeError:
        raise TypeError(f"{fname}: expected a PRNG key (from jaxlike.random.key or "
                        f"PRNGKey), got {type(data).__name__} {data!r:.80}.") from None
    if aval.dtype != np.uint32:
        raise TypeError(f"{fname}: invalid PRNG key data: expected dtype uint32, got "
                        f"{aval.dtype.name} (a raw key is a uint32 array whose last axis holds "
                        "2 words; a typed key comes from jaxlike.random.key).")
    if aval.shape[-1:] != (2,):
        raise TypeError(f"{fname}: invalid PRNG key data: expected a shape ending with (2,) "
                        f"(the two uint32 words of a threefry2x32 key), got shape "
                        f"{tuple(aval.shape)}.")


def key_words(fname, key):
    """Returns (uint32 words of shape (*key_shape, 2), key_shape, typed) for a key argument."""
    if isinstance(key, PRNGKeyArray):
        return key._base_array, key.shape, True
    _check_words(fname, key)
    return key, tuple(get_aval(key).shape[:-1]), False


def single_key(fname, key):
    """Returns (uint32[2] words, typed) for an argument that must be a single key."""
    data, shape, typed = key_words(fname, key)
    if shape:
        raise ValueError(f"{fname} accepts a single key, but was given a key array of shape "
                         f"{shape} != (). Use jax.vmap for batching.")
    return data, typed


def _rewrap(data, typed):
    return PRNGKeyArray(data) if typed else data


# ---------------------------------------------------------------------------------------------
# The Threefry stream.

def words(data):
    """Returns the two uint32 word arrays (shape `batch`) of key words `data` (batch + (2,))."""
    shape = tuple(get_aval(data).shape)
    batch, nd = shape[:-1], len(shape)
    first = lax.slice(data, (0,) * nd, batch + (1,))
    second = lax.slice(data, (0,) * (nd - 1) + (1,), batch + (2,))
    return lax.reshape(first, batch), lax.reshape(second, batch)


def hash_counters(data, shape):
    """Returns the two uint32 arrays of shape batch + `shape` hashing the row-major counters
    0..n-1 of `shape` under each key of the key words `data` (shape batch + (2,))."""
    n = math.prod(shape)
    if n >= 2 ** 32:
        raise NotImplementedError(f"jaxlike.random: drawing {n} values at once (shape {shape}) "
                                  "is not supported; draw at most 2**32 - 1 per call.")
    k1, k2 = words(data)
    batch = tuple(get_aval(data).shape[:-1])
    if shape:
        counts = lax.reshape(lax.iota(np.uint32, n), (1,) * len(batch) + tuple(shape))
    else:
        counts = np.zeros((), np.uint32)
    if batch and shape:  # keys along the leading axes, counters along the trailing ones
        k1 = lax.reshape(k1, batch + (1,) * len(shape))
        k2 = lax.reshape(k2, batch + (1,) * len(shape))
    return threefry2x32(k1, k2, np.zeros((), np.uint32), counts)


def random_bits(data, bit_width, shape):
    """Returns unsigned integers of `bit_width` bits and `shape` drawn with key words `data`
    (for key words of shape batch + (2,): shape batch + `shape`, one draw per key)."""
    y1, y2 = hash_counters(data, shape)
    if bit_width == 64:
        u64 = np.dtype(np.uint64)
        high = lax.convert_element_type(y1, u64)
        return lax.bitwise_or(lax.shift_left(high, np.uint64(32)),
                              lax.convert_element_type(y2, u64))
    bits = lax.bitwise_xor(y1, y2)
    if bit_width == 32:
        return bits
    return lax.convert_element_type(bits, C.UINT_OF_BITS[bit_width])


def _stack_words(y1, y2):
    shape = get_aval(y1).shape
    return lax.concatenate([lax.reshape(y1, shape + (1,)), lax.reshape(y2, shape + (1,))],
                           len(shape))


@jit
def _fold_in_words(data, value):
    k1, k2 = words(data)
    return _stack_words(*threefry2x32(k1, k2, np.zeros((), np.uint32), value))


def split_words_impl(data, shape):
    """Returns the words (batch + shape + (2,)) of the keys split from each key of `data`
    (batch + (2,)) (traced body)."""
    return _stack_words(*hash_counters(data, shape))


_split_words = jit(split_words_impl, static_argnums=1)


def split_words(data, shape):
    """Returns the uint32 words (shape (*shape, 2)) of the keys split from key words `data`."""
    return _split_words(data, tuple(shape))


def split_n(data, m):
    """Returns the words of the m keys split from key words `data` (shape batch + (2,); each
    key is split), as a list of m arrays shaped like `data` (traced body)."""
    keys = split_words_impl(data, (m,))  # batch + (m, 2)
    shape = tuple(get_aval(keys).shape)
    nd = len(shape)
    out = []
    for j in range(m):
        start = (0,) * (nd - 2) + (j, 0)
        limit = shape[:-2] + (j + 1, 2)
        out.append(lax.reshape(lax.slice(keys, start, limit), shape[:-2] + (2,)))
    return out


# ---------------------------------------------------------------------------------------------
# Seeding.

_MASK32 = 0xFFFFFFFF


def _host_seed_words(seed):
    """Returns the uint32[2] words for a concrete integer seed: the high word is non-zero
    only for 64-bit seeds (Python ints count as int64 when x64 is on)."""
    if isinstance(seed, (bool, np.bool_)):
        seed = int(seed)
    if isinstance(seed, int):
        if not -2 ** 63 <= seed < 2 ** 63:
            raise OverflowError(f"PRNG seed {seed} does not fit in int64.")
        wide = config.jax_enable_x64
    else:
        wide = config.jax_enable_x64 and np.dtype(seed.dtype).itemsize == 8
        seed = int(seed)
    value = seed % 2 ** 64 if wide else seed % 2 ** 32
    return np.array([value >> 32, value & _MASK32], np.uint32)


def _traced_seed_words(seed):
    aval = get_aval(seed)
    low = lax.convert_element_type(seed, np.uint32)
    if aval.dtype.itemsize == 8:
        shift = np.asarray(32, aval.dtype)
        high = lax.convert_element_type(lax.shift_right_logical(seed, shift), np.uint32)
    else:
        high = np.zeros((), np.uint32)
    return _stack_words(high, low)


def _seed_words(fname, seed):
    if isinstance(seed, PRNGKeyArray):
        raise TypeError(f"{fname}: the seed must be an integer, got a PRNG key array; to derive "
                        "keys from a key use jaxlike.random.split or fold_in.")
    if isinstance(seed, (int, np.integer, bool, np.bool_)):
        return _host_seed_words(seed)
    aval = get_aval(seed)
    if aval.shape:
        raise TypeError(f"{fname} accepts a scalar seed, but was given an array of shape "
                        f"{aval.shape} != (). Use jax.vmap for batching")
    if not (dtypes.is_int(aval.dtype) or aval.dtype == np.bool_):
        raise TypeError(f"PRNG key seed must be an integer; got {seed!r} of dtype "
                        f"{aval.dtype.name} ({fname}).")
    if aval.dtype == np.bool_:
        seed = lax.convert_element_type(seed, np.int32)
    if isinstance(seed, Tracer):
        return _traced_seed_words(seed)
    return _host_seed_words(np.asarray(seed)[()])


def _device_words(words):
    from jaxlike import numpy as jnp
    return jnp.asarray(words) if isinstance(words, np.ndarray) else words


def key(seed, *, impl=None, dtype=None):
    """Returns a typed PRNG key (shape (), dtype key<fry>) made from the integer `seed`."""
    _check_impl("key", impl)
    return PRNGKeyArray(_device_words(_seed_words("key", seed)))


def PRNGKey(seed, *, impl=None):  # noqa: N802 -- JAX's name
    """Returns a raw PRNG key: the uint32[2] words of the key made from the integer `seed`."""
    _check_impl("PRNGKey", impl)
    return _device_words(_seed_words("PRNGKey", seed))


def key_data(keys):
    """Returns the uint32 words (shape (*keys.shape, 2)) underlying a key array; raw keys are
    returned as they are."""
    data, _, _ = key_words("key_data", keys)
    return data


def wrap_key_data(key_bits_array, *, impl=None, dtype=None):
    """Returns the typed key array whose words are `key_bits_array` (uint32, last axis 2)."""
    _check_impl("wrap_key_data", impl)
    if isinstance(key_bits_array, PRNGKeyArray):
        raise TypeError("wrap_key_data: expected uint32 key data, got a typed key array.")
    if isinstance(key_bits_array, np.ndarray):
        key_bits_array = _device_words(key_bits_array)
    _check_words("wrap_key_data", key_bits_array)
    return PRNGKeyArray(key_bits_array)


def key_impl(keys):
    """Returns the name of the keys' PRNG implementation ('threefry2x32')."""
    key_words("key_impl", keys)
    return _IMPL_NAME


# ---------------------------------------------------------------------------------------------
# Deriving keys.

def split(key, num=2):
    """Returns `num` new keys (an int, or a shape tuple) split from the single key `key`,
    as a key array of shape `num` (typed keys) or uint32[*num, 2] (raw keys)."""
    data, typed = single_key("split", key)
    return _rewrap(split_words(data, C.shape_arg("split", num, "num")), typed)


def _fold_in_value(data):
    if isinstance(data, (bool, np.bool_)):
        data = int(data)
    if isinstance(data, int):
        if not 0 <= data < 2 ** 32:
            raise OverflowError(f"fold_in: Python integer {data} out of bounds for uint32.")
        return np.uint32(data)
    aval = get_aval(data)
    if aval.shape:
        raise TypeError(f"fold_in accepts a scalar, but was given an array of shape "
                        f"{aval.shape} != (). Use jax.vmap for batching.")
    if not (dtypes.is_int(aval.dtype) or aval.dtype == np.bool_):
        raise TypeError(f"fold_in: data must be an integer, got dtype {aval.dtype.name}.")
    if isinstance(data, (np.ndarray, np.generic)):
        return np.asarray(data).astype(np.uint32)  # wraps modulo 2**32, as XLA converts
    return lax.convert_element_type(data, np.uint32)


def fold_in(key, data):
    """Returns a new key derived from the single key `key` and the integer `data` (a uint32
    after conversion); distinct `data` give independent keys."""
    words_, typed = single_key("fold_in", key)
    return _rewrap(_fold_in_words(words_, _fold_in_value(data)), typed)
