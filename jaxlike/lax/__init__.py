"""jaxlike.lax: the primitives, with JAX's names and signatures."""
from jaxlike.lax.elementwise import *  # noqa: F401,F403
from jaxlike.lax.elementwise import abs, max, min  # noqa: F401,A004
from jaxlike.lax.structural import *  # noqa: F401,F403
from jaxlike.lax.reductions import *  # noqa: F401,F403
from jaxlike.lax.parallel import *  # noqa: F401,F403
from jaxlike.lax.sorting import sort, sort_key_val, sort_p  # noqa: F401
from jaxlike.lax.slicing import *  # noqa: F401,F403
from jaxlike.lax.control_flow import *  # noqa: F401,F403
from jaxlike.lax.fft import *  # noqa: F401,F403
from jaxlike.lax.cumulative import *  # noqa: F401,F403
from jaxlike.lax.sorting_extra import *  # noqa: F401,F403
from jaxlike.lax.windowed import *  # noqa: F401,F403
from jaxlike.lax.convolution import *  # noqa: F401,F403
from jaxlike.lax import linalg  # noqa: F401 -- lax.linalg.cholesky, ...
