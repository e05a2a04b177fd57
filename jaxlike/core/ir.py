"""The jaxpr IR: variables, literals, equations, jaxprs; a printer in JAX's format and a checker."""
import itertools

import numpy as np

from jaxlike.core.avals import ShapedArray

_var_ids = itertools.count()


class Var:
    """A variable of a jaxpr, typed by an abstract value. Identity is the object itself."""

    __slots__ = ("aval", "id")

    def __init__(self, aval):
        self.aval = aval
        self.id = next(_var_ids)

    def __repr__(self):
        return f"Var({self.id}:{self.aval.str_short()})"


class DropVar(Var):
    """An equation output that nothing uses (printed `_`)."""


class Literal:
    """A scalar constant written inline in a jaxpr, e.g. `2.0:f32[]`."""

    __slots__ = ("val", "aval")

    def __init__(self, val, aval):
        self.val = val
        self.aval = aval

    def __repr__(self):
        return f"{_format_literal(self.val)}:{self.aval.str_short()}"


def _format_literal(val):
    val = np.asarray(val)
    if val.dtype == np.bool_:
        return str(bool(val))
    if np.issubdtype(val.dtype, np.integer):
        return str(int(val))
    if np.issubdtype(val.dtype, np.complexfloating):
        return str(complex(val))
    return repr(float(val))


class JaxprEqn:
    """One equation: `outvars = primitive[params] invars`."""

    __slots__ = ("primitive", "invars", "outvars", "params")

    def __init__(self, primitive, invars, outvars, params):
        self.primitive = primitive
        self.invars = list(invars)
        self.outvars = list(outvars)
        self.params = params

    def __repr__(self):
        return pp_eqn(self, _Namer(), 0)


class Jaxpr:
    """A typed, closed-over-nothing program: constvars and invars in, outvars out."""

    __slots__ = ("constvars", "invars", "outvars", "eqns")

    def __init__(self, constvars, invars, outvars, eqns):
        self.constvars = list(constvars)
        self.invars = list(invars)
        self.outvars = list(outvars)
        self.eqns = list(eqns)

    @property
    def in_avals(self):
        return [v.aval for v in self.invars]

    @property
    def out_avals(self):
        return [v.aval for v in self.outvars]

    def __str__(self):
        return pp_jaxpr(self, _Namer(), 0)

    __repr__ = __str__

    def pretty_print(self):
        """Returns the printed form (the same as `str`)."""
        return str(self)


class ClosedJaxpr:
    """A jaxpr together with the values of its constvars."""

    __slots__ = ("jaxpr", "consts", "__weakref__")

    def __init__(self, jaxpr, consts):
        assert len(jaxpr.constvars) == len(consts)
        self.jaxpr = jaxpr
        self.consts = list(consts)

    @property
    def in_avals(self):
        return self.jaxpr.in_avals

    @property
    def out_avals(self):
        return self.jaxpr.out_avals

    @property
    def eqns(self):
        return self.jaxpr.eqns

    def __str__(self):
        return str(self.jaxpr)

    __repr__ = __str__

    def pretty_print(self):
        """Returns the printed form (the same as `str`)."""
        return str(self)


# ---------------------------------------------------------------------------------------------
# Printing, in JAX's format.

def _alphabetic(n):
    letters = ""
    while True:
        letters = chr(ord("a") + n % 26) + letters
        n //= 26
        if n == 0:
            return letters


class _Namer:
    """Names variables a, b, ..., z, ba, bb, ... in order of first appearance."""

    def __init__(self):
        self.names = {}
        self.unused = set()  # equation outputs nothing reads: printed `_`, as JAX does

    def __call__(self, atom):
        if isinstance(atom, Literal):
            return repr(atom)
        if isinstance(atom, DropVar) or atom in self.unused:
            return "_"
        name = self.names.get(atom)
        if name is None:
            name = self.names[atom] = _alphabetic(len(self.names))
        return name

    def binder(self, var):
        return f"{self(var)}:{var.aval.str_short()}"


_WIDTH = 80  # JAX prints an inner jaxpr on one line when it fits in this width


def _pp_inner_jaxpr(jaxpr, namer, indent, column):
    # A jaxpr param starting at `column`: `{ lambda ; a:f32[]. let b:f32[] = sin a in (b,) }`
    # when that fits in the width, else one equation per line below `indent`.
    if isinstance(jaxpr, ClosedJaxpr):
        jaxpr = jaxpr.jaxpr
    consts = " ".join(namer.binder(v) for v in jaxpr.constvars)
    args = " ".join(namer.binder(v) for v in jaxpr.invars)
    eqns = [pp_eqn(e, namer, 0) for e in jaxpr.eqns]
    if not any("\n" in e for e in eqns):
        outs = ", ".join(namer(v) for v in jaxpr.outvars)
        comma = "," if len(jaxpr.outvars) == 1 else ""
        line = f"{{ lambda {consts}; {args}. let {'; '.join(eqns)} in ({outs}{comma}) }}"
        if column + len(line) <= _WIDTH:
            return line
    return pp_jaxpr(jaxpr, namer, indent)


def _format_param(value, namer, indent, column=0):
    if isinstance(value, (Jaxpr, ClosedJaxpr)):
        return _pp_inner_jaxpr(value, namer, indent + 2, column)
    if isinstance(value, np.dtype):
        return value.name
    if isinstance(value, tuple) and any(isinstance(v, (Jaxpr, ClosedJaxpr)) for v in value):
        pad = " " * (indent + 4)
        items = [pad + _pp_inner_jaxpr(v, namer, indent + 4, indent + 4) for v in value]
        return "(\n" + "\n".join(items) + f"\n{' ' * (indent + 2)})"
    if callable(value) and hasattr(value, "__name__"):
        return value.__name__
    return str(value)


# Primitive name -> function(params) returning the params to print, for primitives whose
# printed form hides some params as JAX's does (broadcast_in_dim's shape is the output type).
param_printers = {}


def pp_eqn(eqn, namer, indent):
    """Returns one equation printed as JAX does (multi-line when a param holds a jaxpr)."""
    ins = " ".join(namer(v) for v in eqn.invars)
    outs = " ".join(namer.binder(v) for v in eqn.outvars)
    name = eqn.primitive.name
    printer = param_printers.get(name)
    params = eqn.params if printer is None else printer(eqn.params)
    if not params:
        return f"{outs} = {name} {ins}"
    items = sorted(params.items())
    multiline = any(isinstance(v, (Jaxpr, ClosedJaxpr)) or
                    (isinstance(v, tuple) and any(isinstance(x, (Jaxpr, ClosedJaxpr)) for x in v))
                    for _, v in items)
    if not multiline:
        params = " ".join(f"{k}={_format_param(v, namer, indent)}" for k, v in items)
        return f"{outs} = {name}[{params}] {ins}"
    pad = " " * (indent + 2)
    lines = [f"{outs} = {name}["]
    for k, v in items:
        lines.append(f"{pad}{k}={_format_param(v, namer, indent, indent + 3 + len(k))}")
    lines.append(f"{' ' * indent}] {ins}")
    return "\n".join(lines)


def pp_jaxpr(jaxpr, namer, indent):
    """Returns a whole jaxpr printed as JAX does: `{ lambda consts ; args. let ... in (outs) }`."""
    consts = " ".join(namer.binder(v) for v in jaxpr.constvars)
    args = " ".join(namer.binder(v) for v in jaxpr.invars)
    body_pad = " " * (indent + 4)
    lines = [f"{{ lambda {consts}; {args}. let"]
    used = {a for eqn in jaxpr.eqns for a in eqn.invars if not isinstance(a, Literal)}
    used.update(a for a in jaxpr.outvars if not isinstance(a, Literal))
    namer.unused.update(v for eqn in jaxpr.eqns for v in eqn.outvars if v not in used)
    for eqn in jaxpr.eqns:
        lines.append(body_pad + pp_eqn(eqn, namer, indent + 4))
    outs = " ".join(namer(v) for v in jaxpr.outvars)
    lines.append(f"{' ' * (indent + 2)}in ({outs}{',' if len(jaxpr.outvars) == 1 else ''}) }}")
    if len(jaxpr.outvars) > 1:
        lines[-1] = f"{' ' * (indent + 2)}in ({', '.join(namer(v) for v in jaxpr.outvars)}) }}"
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Checking.

class JaxprTypeError(TypeError):
    """A jaxpr is malformed: a variable is used before definition, or types disagree."""


def check_jaxpr(jaxpr):
    """Checks that every variable is defined once before use and that every equation's output
    types equal its primitive's abstract evaluation. Returns None or raises JaxprTypeError."""
    from jaxlike.core.primitive import abstract_eval

    defined = set()

    def define(var):
        if var in defined:
            raise JaxprTypeError(f"variable {var} defined twice")
        if not isinstance(var.aval, ShapedArray):
            raise JaxprTypeError(f"variable {var} has a non-ShapedArray aval {var.aval!r}")
        defined.add(var)

    def read(atom):
        if isinstance(atom, Literal):
            return atom.aval
        if atom not in defined:
            raise JaxprTypeError(f"variable {atom} used before it is defined")
        return atom.aval

    for v in jaxpr.constvars + jaxpr.invars:
        define(v)
    for eqn in jaxpr.eqns:
        in_avals = [read(a) for a in eqn.invars]
        out_avals = abstract_eval(eqn.primitive, in_avals, eqn.params)
        if len(out_avals) != len(eqn.outvars):
            raise JaxprTypeError(f"{eqn.primitive.name}: {len(eqn.outvars)} outvars, "
                                 f"abstract eval gives {len(out_avals)}")
        for var, aval in zip(eqn.outvars, out_avals):
            if var.aval != aval:
                raise JaxprTypeError(f"{eqn.primitive.name}: outvar typed {var.aval!r} but "
                                     f"abstract eval gives {aval!r}")
            define(var)
        for value in eqn.params.values():
            inner = value.jaxpr if isinstance(value, ClosedJaxpr) else value
            if isinstance(inner, Jaxpr):
                check_jaxpr(inner)
    for atom in jaxpr.outvars:
        read(atom)


# ---------------------------------------------------------------------------------------------
# Evaluation.

def literal_value(literal):
    """Returns the value to compute with for a Literal. A weakly typed literal must stay weak
    (`x * 2.0` keeps x's dtype), so it becomes a Python scalar, converted to its dtype if that
    is not the scalar's default."""
    if not literal.aval.weak_type:
        return literal.val
    from jaxlike.core.avals import get_aval
    from jaxlike.core.primitive import all_primitives
    value = literal.val.item()
    if get_aval(value) == literal.aval:
        return value
    return all_primitives["convert_element_type"].bind(
        value, new_dtype=literal.aval.dtype, weak_type=True, sharding=None)


def eval_jaxpr(jaxpr, consts, *args):
    """Evaluates `jaxpr` by binding each equation's primitive under the current trace (so it
    runs eagerly, or is re-staged/transformed); returns the list of outputs."""
    env = {}
    for v, x in zip(jaxpr.constvars, consts):
        env[v] = x
    for v, x in zip(jaxpr.invars, args):
        env[v] = x

    def read(atom):
        return literal_value(atom) if isinstance(atom, Literal) else env[atom]

    for eqn in jaxpr.eqns:
        outs = eqn.primitive.bind(*map(read, eqn.invars), **eqn.params)
        if eqn.primitive.multiple_results:
            env.update(zip(eqn.outvars, outs))
        else:
            env[eqn.outvars[0]] = outs
    return [read(v) for v in jaxpr.outvars]
