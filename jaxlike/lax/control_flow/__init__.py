"""Structured control flow: `cond`, `switch`, `while_loop`, `fori_loop`, `scan`, `map` and
`associative_scan`. Loops and branches stay inside one compiled program; their bodies are
carried by the `cond`, `while` and `scan` primitives as jaxprs, and every interpreter (JVP,
linearization and transposition, batching, lowering) transforms those jaxprs."""
from jaxlike.lax.control_flow.conditionals import cond, cond_p, switch
from jaxlike.lax.control_flow.loops import associative_scan, fori_loop, map
from jaxlike.lax.control_flow.scan import scan, scan_p
from jaxlike.lax.control_flow.while_loop import while_loop, while_p

__all__ = ["associative_scan", "cond", "cond_p", "fori_loop", "map", "scan", "scan_p", "switch",
           "while_loop", "while_p"]
