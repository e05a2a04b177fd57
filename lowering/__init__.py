"""Everything that speaks MLIR, XLA and PJRT: StableHLO emission per primitive, module
building, compilation, the executable caches and the backends.

Importing this package registers every lowering rule.
"""
from lowering import call, elementwise  # noqa: F401 -- registers rules
from lowering.mlir import rules  # noqa: F401
