"""Everything that speaks MLIR, XLA and PJRT: StableHLO emission per primitive, module
building, compilation, the executable caches and the backends.

Importing this package registers every lowering rule.
"""
import os

# Quiet XLA's C++ info logs and GSPMD warnings; must be set before jaxlib's libraries load.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from lowering import ad, call, elementwise, structural, reductions  # noqa: F401 -- registers rules
from lowering import prng, sorting  # noqa: F401
from lowering import slicing  # noqa: F401
from lowering import control_flow  # noqa: F401
from lowering import fft, cumulative, sorting_extra  # noqa: F401
from lowering import windowed, convolution  # noqa: F401
from lowering import linalg  # noqa: F401
from lowering.mlir import rules  # noqa: F401
