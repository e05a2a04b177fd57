"""jaxlike.scipy: SciPy's API on jaxlike arrays (`jaxlike.scipy.linalg`, ...)."""
from jaxlike.scipy import linalg  # noqa: F401
