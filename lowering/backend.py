"""The one module that speaks jaxlib's private Python surface (`jaxlib._jax`, `xla_client`):
clients and devices, host<->device transfers, compilation and execution.

Everything else in jaxlike uses the small API below, so a jaxlib upgrade changes this file.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # XLA's info logs and GSPMD warnings

import numpy as np  # noqa: E402
import jaxlib  # noqa: E402
import jaxlib._jax as _jx  # noqa: E402
from jaxlib import xla_client as _xc  # noqa: E402

from jaxlike.config import config  # noqa: E402
from lowering import compilation_cache  # noqa: E402

ArrayImpl = _jx.ArrayImpl
XlaRuntimeError = _jx.JaxRuntimeError if hasattr(_jx, "JaxRuntimeError") else RuntimeError
_ZERO_COPY_UNSAFE = _jx.HostBufferSemantics.IMMUTABLE_ONLY_DURING_CALL

# ---------------------------------------------------------------------------------------------
# Clients and devices.

_clients = {}


def _make_client(platform):
    if platform == "cpu":
        return _xc.make_cpu_client(asynchronous=True,
                                   num_devices=max(1, int(config.jax_num_cpu_devices)))
    from lowering import plugins
    return plugins.make_client(platform)


def _requested_platforms():
    requested = config.jax_platforms
    if not requested:
        return None
    return [p.strip().lower() for p in requested.split(",") if p.strip()]


def client(platform=None):
    """Returns the PJRT client for `platform` (default: the configured or best available)."""
    if platform is None:
        platform = default_platform()
    c = _clients.get(platform)
    if c is None:
        c = _clients[platform] = _make_client(platform)
    return c


_default_platform = None


def default_platform():
    """Returns the name of the default platform: the first of `jax_platforms` that works, or
    a GPU/TPU when its plugin is installed, else "cpu". A requested but absent platform is an
    error, never a silent CPU fallback."""
    global _default_platform
    if _default_platform is None:
        requested = _requested_platforms()
        if requested:
            errors = []
            for p in requested:
                p = "gpu" if p == "cuda" else p
                try:
                    client(p)
                    _default_platform = p
                    break
                except Exception as e:  # noqa: BLE001 -- report every platform's failure
                    errors.append(f"{p}: {e}")
            else:
                raise RuntimeError("Unable to initialize any of the requested platforms "
                                   f"{requested}: " + "; ".join(errors))
        else:
            from lowering import plugins
            _default_platform = plugins.best_available_platform()
    return _default_platform


def devices(platform=None):
    """Returns the list of devices of a platform."""
    return client(platform).devices()


def default_device():
    """Returns the first device of the default platform."""
    return devices()[0]


_shardings = {}


def single_device_sharding(device):
    """Returns the (cached) sharding that puts a whole array on one device."""
    s = _shardings.get(device)
    if s is None:
        s = _shardings[device] = _jx.GSPMDSharding(_xc.DeviceList((device,)),
                                                   _xc.HloSharding.replicate())
    return s


# ---------------------------------------------------------------------------------------------
# Transfers.

def device_put(value, aval, device=None):
    """Copies host data (a numpy array already of `aval.dtype`) to a device and returns an
    ArrayImpl whose `.aval` is `aval`."""
    if device is None:
        device = default_device()
    return _jx.batched_device_put(aval, single_device_sharding(device), [value], [device],
                                  True, False, _ZERO_COPY_UNSAFE, True)


_NO_BUFFER_PROTOCOL = frozenset(["bfloat16", "float8_e4m3fn", "float8_e5m2", "int4", "uint4"])


def to_numpy(array):
    """Returns the host value of an ArrayImpl as a read-only numpy array (cached on it)."""
    value = array._npy_value
    if value is None:
        if array.aval.dtype.name in _NO_BUFFER_PROTOCOL:
            value = array._single_device_array_to_np_array_did_copy()[0]
        else:
            value = np.asarray(array)
        value.flags.writeable = False
        array._npy_value = value
    return value


def block_until_ready(arrays):
    """Waits until every array in the list is computed; returns the list."""
    _jx.batched_block_until_ready(arrays)
    return arrays


def copy_to_device(array, device):
    """Returns a copy of `array` on `device`."""
    sharding = single_device_sharding(device)
    return _jx.batched_copy_array_to_devices_with_sharding(
        [array], [_xc.DeviceList((device,))], [sharding],
        [_xc.ArrayCopySemantics.ALWAYS_COPY])[0]


def sharding_device(sharding):
    """Returns the (first) device of a sharding made by `single_device_sharding`."""
    return sharding._devices[0]


def array_device(array):
    """Returns the device that holds a single-device array."""
    return sharding_device(array._sharding)


# ---------------------------------------------------------------------------------------------
# Compilation and execution.

class Executable:
    """A loaded XLA executable for one device, called with a list of ArrayImpls; returns
    the list of output ArrayImpls (each carrying its aval)."""

    __slots__ = ("loaded", "handlers", "out_avals", "device", "__weakref__")

    def __init__(self, loaded, out_avals, device):
        self.loaded = loaded
        self.out_avals = out_avals
        self.device = device
        sharding = single_device_sharding(device)
        self.handlers = [_xc.array_result_handler(a, sharding, True, _skip_checks=True)
                         for a in out_avals]

    def __call__(self, args):
        return self.loaded.execute_sharded(args).consume_with_handlers(self.handlers)

    def as_text(self):
        """Returns the optimized HLO text of the compiled program."""
        return self.loaded.hlo_modules()[0].to_string()

    def cost_analysis(self):
        """Returns XLA's cost analysis (flops, bytes accessed, ...)."""
        return self.loaded.cost_analysis()


def _backend_fingerprint(c, device):
    return "|".join([jaxlib.__version__, c.platform, c.platform_version,
                     getattr(device, "device_kind", ""), str(len(c.devices()))])


def compile(module_text, out_avals, device=None):
    """Compiles StableHLO text for one device, consulting the persistent cache first;
    returns an Executable."""
    if device is None:
        device = default_device()
    c = device.client
    device_list = _xc.DeviceList((device,))
    options = _xc.CompileOptions()
    # Without it the program's one replica is assigned to device 0, whatever device_list
    # says; it also puts the device in the persistent cache key.
    options.device_assignment = _xc.DeviceAssignment.create(
        np.array([[device.id]], dtype=np.int32))
    key = compilation_cache.cache_key(module_text, options.SerializeAsString(),
                                      _backend_fingerprint(c, device))
    blob = compilation_cache.load(key)
    loaded = None
    if blob is not None:
        try:
            loaded = c.deserialize_executable(blob, device_list, None)
        except Exception:  # noqa: BLE001 -- a bad entry is recompiled and replaced
            compilation_cache.invalidate(key)
    if loaded is None:
        loaded = c.compile_and_load(module_text, device_list, options)
        try:
            compilation_cache.store(key, c.serialize_executable(loaded))
        except Exception:  # noqa: BLE001 -- some executables cannot be serialized
            pass
    return Executable(loaded, out_avals, device)


def jaxlib_version():
    """Returns jaxlib's version string."""
    return jaxlib.__version__
