"""jaxlike.numpy: NumPy's API on jaxlike arrays, traceable and differentiable."""
from jaxlike.numpy import array_methods as _array_methods  # noqa: F401 -- installs operators
from jaxlike.numpy.ufuncs import *  # noqa: F401,F403
