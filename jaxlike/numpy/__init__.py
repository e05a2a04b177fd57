"""jaxlike.numpy: NumPy's API on jaxlike arrays, traceable and differentiable."""
from jaxlike.numpy import array_methods as _array_methods  # noqa: F401 -- installs operators
from jaxlike.numpy.ufuncs import *  # noqa: F401,F403
from jaxlike.numpy.creation import *  # noqa: F401,F403
from jaxlike.numpy.shapes import *  # noqa: F401,F403
from jaxlike.numpy.indexing import *  # noqa: F401,F403
from jaxlike.numpy.indexing_ops import *  # noqa: F401,F403
from jaxlike.numpy.reductions import *  # noqa: F401,F403
from jaxlike.numpy.contractions import *  # noqa: F401,F403
from jaxlike.numpy._dtypes import *  # noqa: F401,F403,A004
from jaxlike.numpy.signal import *  # noqa: F401,F403
from jaxlike.numpy.sorting import *  # noqa: F401,F403
from jaxlike.numpy.math_extra import *  # noqa: F401,F403
from jaxlike.numpy import fft  # noqa: F401 -- jnp.fft.fft, ...
from jaxlike.numpy import linalg  # noqa: F401 -- jnp.linalg.solve, ...

# numpy's constants.
newaxis = None
pi = 3.141592653589793
e = 2.718281828459045
inf = float("inf")
nan = float("nan")
euler_gamma = 0.5772156649015329
