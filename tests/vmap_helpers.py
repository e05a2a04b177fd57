"""Helpers shared by the vmap tests: the Python-loop reference and a guard for rules that
other primitive families have not registered yet."""
import contextlib
import re

import numpy as np
import pytest

from jaxlike import tree_util


def loop(f, *args, in_axes=0, out_axes=0):
    """Returns f applied to each example in a Python loop, the results stacked (np.stack) along
    `out_axes` (pytree outputs are stacked leaf by leaf): the reference for vmap."""
    axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
    size = next(np.shape(a)[ax] for a, ax in zip(args, axes) if ax is not None)
    outs = [f(*[a if ax is None else np.take(a, i, axis=ax) for a, ax in zip(args, axes)])
            for i in range(size)]
    return tree_util.tree_map(lambda *xs: np.stack([np.asarray(x) for x in xs], out_axes),
                              *outs)


@contextlib.contextmanager
def needs_batching_rules(*own):
    """Skips the test when vmap reaches a primitive whose batching rule is not registered yet,
    unless that primitive is one of `own` (names of the primitives under test, whose missing
    rule is a failure)."""
    try:
        yield
    except NotImplementedError as e:
        missing = re.match(r"Batching rule for '(\w+)' not implemented", str(e))
        if missing is None or missing.group(1) in own:
            raise
        pytest.skip(f"needs the batching rule of '{missing.group(1)}'")
