"""The IR and the tracing machinery; depends on nothing else in jaxlike but errors."""
from jaxlike.core.avals import ShapedArray, short_dtype_name, get_aval, is_literalable
from jaxlike.core.ir import (Var, DropVar, Literal, JaxprEqn, Jaxpr, ClosedJaxpr, check_jaxpr,
                             eval_jaxpr, literal_value, JaxprTypeError)
from jaxlike.core.primitive import Primitive, abstract_eval, all_primitives, abstract_eval_rules
from jaxlike.core.trace import (Trace, EvalTrace, Tracer, current_trace, set_current_trace,
                                trace_state, eval_trace, escaped_tracer_error)
