"""jaxlike.scipy: SciPy's API on jaxlike arrays (`jaxlike.scipy.linalg`, ...)."""
from jaxlike.scipy import linalg  # noqa: F401
from jaxlike.scipy import special, stats, optimize  # noqa: F401
