"""Tensor contractions: dot, vdot, matmul, inner, outer, tensordot and einsum.

Every contraction becomes `lax.dot_general` (with the result dtype as its
`preferred_element_type`, as JAX does) plus the transposes, broadcasts and reductions needed
around it. einsum lets opt_einsum choose the order of pairwise contractions from the shapes.
"""
import numpy as np
import opt_einsum

from jaxlike import dtypes, lax
from jaxlike.core import get_aval
from jaxlike.numpy import shapes
from jaxlike.numpy._util import broadcast_shapes, check_arraylike, promote_dtypes, shape_of
from jaxlike.numpy.ufuncs import _as_array, _kind, multiply

__all__ = ["dot", "vdot", "matmul", "inner", "outer", "tensordot", "einsum", "einsum_path",
           "vecdot", "matvec", "vecmat"]


def _prepare(name, a, b, preferred_element_type):
    """Returns (a, b, preferred dtype): the operands checked and promoted to their common
    dtype, and the dtype of the result (the common dtype unless the caller prefers one)."""
    check_arraylike(name, a, b)
    a, b = (_as_array(x) for x in promote_dtypes(a, b))
    dtype = get_aval(a).dtype
    if preferred_element_type is not None:
        dtype = dtypes.canonicalize_dtype(dtypes.dtype(preferred_element_type))
    return a, b, dtype


def _check_sizes(name, a, b, a_axes, b_axes):
    """Raises TypeError naming both shapes unless the contracted axes have equal sizes."""
    a_shape, b_shape = shape_of(a), shape_of(b)
    a_sizes = tuple(a_shape[i] for i in a_axes)
    b_sizes = tuple(b_shape[i] for i in b_axes)
    if a_sizes != b_sizes:
        raise TypeError(f"jnp.{name}: incompatible shapes {tuple(a_shape)} and "
                        f"{tuple(b_shape)}: contracting axes {tuple(a_axes)} of the first "
                        f"(sizes {a_sizes}) with axes {tuple(b_axes)} of the second (sizes "
                        f"{b_sizes}).")


def _dot_general(a, b, contract, batch, dtype, precision):
    return lax.dot_general(a, b, (contract, batch), precision=precision,
                           preferred_element_type=dtype)


def _scalar_product(a, b, dtype):
    # A rank-0 operand scales the other: an elementwise product.
    return lax.convert_element_type(multiply(a, b), dtype)


def dot(a, b, *, precision=None, preferred_element_type=None, out_sharding=None):
    """Returns the dot product of a and b: for 1-D and 2-D operands the inner or matrix
    product; in general a sum over a's last axis and b's second-to-last (or only) axis.
    A rank-0 operand multiplies the other elementwise."""
    del out_sharding  # single-device arrays only
    a, b, dtype = _prepare("dot", a, b, preferred_element_type)
    a_ndim, b_ndim = len(shape_of(a)), len(shape_of(b))
    if a_ndim == 0 or b_ndim == 0:
        return _scalar_product(a, b, dtype)
    contract = ((a_ndim - 1,), (max(b_ndim - 2, 0),))
    _check_sizes("dot", a, b, *contract)
    return _dot_general(a, b, contract, ((), ()), dtype, precision)


def vdot(a, b, *, precision=None, preferred_element_type=None):
    """Returns the dot product of a and b flattened, conjugating a if it is complex."""
    a, b, dtype = _prepare("vdot", a, b, preferred_element_type)
    if _kind(a) == "complex":
        a = lax.conj(a)
    a, b = _ravel(a), _ravel(b)
    _check_sizes("vdot", a, b, (0,), (0,))
    return _dot_general(a, b, ((0,), (0,)), ((), ()), dtype, precision)


def _ravel(x):
    return lax.reshape(x, (int(np.prod(shape_of(x), dtype=np.int64)),))


def inner(a, b, *, precision=None, preferred_element_type=None):
    """Returns the inner product of a and b: a sum over the last axis of each."""
    a, b, dtype = _prepare("inner", a, b, preferred_element_type)
    a_ndim, b_ndim = len(shape_of(a)), len(shape_of(b))
    if a_ndim == 0 or b_ndim == 0:
        return _scalar_product(a, b, dtype)
    contract = ((a_ndim - 1,), (b_ndim - 1,))
    _check_sizes("inner", a, b, *contract)
    return _dot_general(a, b, contract, ((), ()), dtype, precision)


def outer(a, b, out=None):
    """Returns the outer product of a and b flattened: out[i, j] = a[i] * b[j]."""
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.outer is not supported.")
    a, b, _ = _prepare("outer", a, b, None)
    a, b = _ravel(a), _ravel(b)
    shape = shape_of(a) + shape_of(b)
    return multiply(lax.broadcast_in_dim(a, shape, (0,)), lax.broadcast_in_dim(b, shape, (1,)))


def _normalize_axes(name, axes, ndim, which):
    out = []
    for axis in axes:
        axis = int(axis)
        if not -ndim <= axis < ndim:
            raise ValueError(f"jnp.{name}: axis {axis} is out of bounds for {which} operand "
                             f"of dimension {ndim}.")
        out.append(axis % ndim)
    return tuple(out)


def tensordot(a, b, axes=2, *, precision=None, preferred_element_type=None,
              out_sharding=None):
    """Returns the sum of products of a and b over the given axes: `axes=n` pairs a's last n
    axes with b's first n; `axes=(a_axes, b_axes)` pairs them explicitly. The result's axes
    are a's remaining axes, then b's."""
    del out_sharding
    a, b, dtype = _prepare("tensordot", a, b, preferred_element_type)
    a_ndim, b_ndim = len(shape_of(a)), len(shape_of(b))
    if isinstance(axes, (int, np.integer)):
        if not 0 <= axes <= min(a_ndim, b_ndim):
            raise TypeError(f"jnp.tensordot: axes={axes} must be between 0 and the smaller "
                            f"number of dimensions, {min(a_ndim, b_ndim)} (shapes "
                            f"{shape_of(a)} and {shape_of(b)}).")
        a_axes, b_axes = tuple(range(a_ndim - axes, a_ndim)), tuple(range(axes))
    elif isinstance(axes, (tuple, list)) and len(axes) == 2:
        a_axes, b_axes = ((ax,) if isinstance(ax, (int, np.integer)) else tuple(ax)
                          for ax in axes)
        if len(a_axes) != len(b_axes):
            raise TypeError(f"jnp.tensordot: the two sequences of axes must have the same "
                            f"length, got {axes!r}.")
        a_axes = _normalize_axes("tensordot", a_axes, a_ndim, "the first")
        b_axes = _normalize_axes("tensordot", b_axes, b_ndim, "the second")
    else:
        raise TypeError(f"jnp.tensordot: axes must be an int or a pair of sequences of ints, "
                        f"got {axes!r}.")
    _check_sizes("tensordot", a, b, a_axes, b_axes)
    return _dot_general(a, b, (a_axes, b_axes), ((), ()), dtype, precision)


# ---------------------------------------------------------------------------------------------
# matmul and the array API's vector products.

def matmul(a, b, *, precision=None, preferred_element_type=None, out_sharding=None):
    """Returns the matrix product a @ b. Leading (batch) axes broadcast; a 1-D a is a row
    vector and a 1-D b a column vector, whose axis is dropped from the result."""
    del out_sharding
    check_arraylike("matmul", a, b)
    for i, x in enumerate((a, b)):
        if not shape_of(x):
            raise ValueError(f"matmul input operand {i} must have ndim at least 1, but it "
                             "has ndim 0")
    a, b, dtype = _prepare("matmul", a, b, preferred_element_type)
    a_shape, b_shape = shape_of(a), shape_of(b)
    a_k, b_k = len(a_shape) - 1, max(len(b_shape) - 2, 0)
    _check_sizes("matmul", a, b, (a_k,), (b_k,))
    a_batch, b_batch = a_shape[:-2], b_shape[:-2]
    try:
        batch = broadcast_shapes(a_batch, b_batch)
    except ValueError:
        raise ValueError(f"jnp.matmul: batch dimensions of shapes {a_shape} and {b_shape} "
                         "do not broadcast.") from None
    # Label the axes as einsum would ("...rk,...kc->...rc"): batch axes shared with size 1 on
    # one side are squeezed there, and dot_general batches only the axes both sides have.
    batch_labels = _BATCH_LABELS[:len(batch)]
    a_labels = batch_labels[len(batch) - len(a_batch):] + ("rk" if len(a_shape) > 1 else "k")
    b_labels = batch_labels[len(batch) - len(b_batch):] + ("kc" if len(b_shape) > 1 else "k")
    out_labels = "".join(c for c in batch_labels + "rc" if c in a_labels + b_labels)
    out, labels = _contract_pair(a, a_labels, b, b_labels, out_labels, dtype, precision)
    return _transpose_to(out, labels, out_labels)


_BATCH_LABELS = "ABDEFGHIJLMNOPQSTUVWXYZabdefghijlmnopqstuvwxyz"  # anything but r, k, c


def vecdot(x1, x2, /, *, axis=-1, precision=None, preferred_element_type=None):
    """Returns the conjugated dot product of x1 and x2 along `axis`, batched over the other
    (broadcast) axes."""
    x1, x2, _ = _prepare("vecdot", x1, x2, None)
    if _kind(x1) == "complex":
        x1 = lax.conj(x1)
    x1, x2 = shapes.moveaxis(x1, axis, -1), shapes.moveaxis(x2, axis, -1)
    return einsum("...i,...i->...", x1, x2, precision=precision,
                  preferred_element_type=preferred_element_type)


def matvec(x1, x2, /):
    """Returns the batched matrix-vector product: x1[..., i, j] x2[..., j]."""
    return einsum("...ij,...j->...i", x1, x2)


def vecmat(x1, x2, /):
    """Returns the batched vector-matrix product: conj(x1[..., i]) x2[..., i, j]."""
    x1, x2, _ = _prepare("vecmat", x1, x2, None)
    if _kind(x1) == "complex":
        x1 = lax.conj(x1)
    return einsum("...i,...ij->...j", x1, x2)


# ---------------------------------------------------------------------------------------------
# einsum.

def _parse_einsum(subscripts, operands):
    """Returns (input label strings, output labels, operands) for either einsum calling form:
    a subscripts string, or interleaved operands and sublists."""
    if isinstance(subscripts, str):
        arrays = list(operands)
        check_arraylike("einsum", *arrays)
        spec = [subscripts, *(shape_of(x) for x in arrays)]
    else:
        items = [subscripts, *operands]
        n_arrays = len(items) - len(items) % 2  # a trailing odd item is the output sublist
        arrays = items[0:n_arrays:2]
        check_arraylike("einsum", *arrays)
        spec = [shape_of(x) if i % 2 == 0 and i < n_arrays else x for i, x in enumerate(items)]
    ins, out, _ = opt_einsum.parser.parse_einsum_input(spec, shapes=True)
    return ins.split(","), out, arrays


def einsum_path(subscripts, /, *operands, optimize="auto"):
    """Returns (path, description): the contraction order opt_einsum chooses for these
    operands' shapes, and its printed report."""
    ins, out, arrays = _parse_einsum(subscripts, operands)
    spec = ",".join(ins) + "->" + out
    return opt_einsum.contract_path(spec, *(shape_of(x) for x in arrays), shapes=True,
                                    optimize=optimize)


def einsum(subscripts, /, *operands, out=None, optimize="auto", precision=None,
           preferred_element_type=None, out_sharding=None):
    """Returns the Einstein summation of the operands described by `subscripts` (e.g.
    "ij,jk->ik"; ellipses and the interleaved operand/sublist form work too). opt_einsum
    picks the order of pairwise contractions (`optimize`: "auto", "greedy", "optimal",
    True, False or an explicit path); each is one dot_general."""
    del out_sharding
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.einsum is not supported.")
    ins, out_labels, arrays = _parse_einsum(subscripts, operands)
    arrays = [_as_array(x) for x in promote_dtypes(*arrays)]
    dtype = get_aval(arrays[0]).dtype if arrays else dtypes.default_float_dtype()
    if preferred_element_type is not None:
        dtype = dtypes.canonicalize_dtype(dtypes.dtype(preferred_element_type))
    spec = ",".join(ins) + "->" + out_labels
    _, steps = opt_einsum.contract_path(spec, *(shape_of(x) for x in arrays), shapes=True,
                                        einsum_call=True,
                                        optimize="auto" if optimize is True else optimize)
    terms = list(zip(arrays, ins))
    for positions, _, step_spec, _, _ in steps:
        picked = [terms.pop(p) for p in sorted(positions, reverse=True)]
        result_labels = step_spec.split("->")[1]
        later = "".join(labels for _, labels in terms)
        terms.append(_contract_terms(picked, result_labels, later, dtype, precision))
    result, labels = terms[0]
    result = _transpose_to(result, labels, out_labels)
    return lax.convert_element_type(result, dtype, weak_type=get_aval(result).weak_type)


def _contract_terms(terms, result_labels, later, dtype, precision):
    """Contracts the (array, labels) terms of one einsum step into one term labelled
    `result_labels`, folding pairwise when a step has more than two operands."""
    x, labels = terms[0]
    for i, (y, y_labels) in enumerate(terms[1:], 1):
        rest = "".join(lab for _, lab in terms[i + 1:]) + later + result_labels
        keep = "".join(dict.fromkeys(c for c in labels + y_labels if c in rest))
        x, labels = _contract_pair(x, labels, y, y_labels, keep, dtype, precision)
    x, labels = _reduce_term(x, labels, result_labels)
    return _transpose_to(x, labels, result_labels), result_labels


def _contract_pair(x, x_labels, y, y_labels, keep, dtype, precision):
    """Returns (dot_general of x and y, its labels): labels in both and in `keep` are batch
    axes, labels in both and not kept are contracted."""
    x, x_labels = _drop_broadcast_axes(x, x_labels, y, y_labels)
    y, y_labels = _drop_broadcast_axes(y, y_labels, x, x_labels)
    x, x_labels = _reduce_term(x, x_labels, keep + y_labels)
    y, y_labels = _reduce_term(y, y_labels, keep + x_labels)
    batch = [c for c in x_labels if c in y_labels and c in keep]
    contract = [c for c in x_labels if c in y_labels and c not in keep]
    dims = ((tuple(x_labels.index(c) for c in contract),
             tuple(y_labels.index(c) for c in contract)),
            (tuple(x_labels.index(c) for c in batch), tuple(y_labels.index(c) for c in batch)))
    out = lax.dot_general(x, y, dims, precision=precision, preferred_element_type=dtype)
    free_x = "".join(c for c in x_labels if c not in batch and c not in contract)
    free_y = "".join(c for c in y_labels if c not in batch and c not in contract)
    return out, "".join(batch) + free_x + free_y


def _drop_broadcast_axes(x, labels, other, other_labels):
    """Squeezes x's size-1 axes whose label has a larger size in `other`: numpy's einsum
    broadcasts them."""
    shape, other_shape = shape_of(x), shape_of(other)
    drop = [i for i, c in enumerate(labels)
            if shape[i] == 1 and c in other_labels and other_shape[other_labels.index(c)] != 1]
    if not drop:
        return x, labels
    return lax.squeeze(x, drop), "".join(c for i, c in enumerate(labels) if i not in drop)


def _reduce_term(x, labels, keep):
    """Returns x with repeated labels reduced to their diagonal and labels not in `keep`
    summed out."""
    x, labels = _take_diagonals(x, labels)
    axes = tuple(i for i, c in enumerate(labels) if c not in keep)
    if not axes:
        return x, labels
    return lax.reduce_sum(x, axes), "".join(c for c in labels if c in keep)


def _take_diagonals(x, labels):
    """Returns x restricted to the diagonal of each repeated label (e.g. "ii" -> "i")."""
    for c in dict.fromkeys(labels):
        while labels.count(c) > 1:
            first = labels.index(c)
            second = labels.index(c, first + 1)
            shape = shape_of(x)
            on_diagonal = lax.eq(lax.broadcasted_iota(np.int32, shape, first),
                                 lax.broadcasted_iota(np.int32, shape, second))
            zeros = lax.broadcast_in_dim(np.array(0, get_aval(x).dtype), shape, ())
            x = lax.reduce_sum(lax.select(on_diagonal, x, zeros), (second,))
            labels = labels[:second] + labels[second + 1:]
    return x, labels


def _transpose_to(x, labels, target):
    if labels == target:
        return x
    return lax.transpose(x, tuple(labels.index(c) for c in target))
