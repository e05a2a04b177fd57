"""GPU and TPU through their PJRT plugins, when installed.

jaxlib discovers plugins as modules of the `jax_plugins` namespace package or entry points
of the `jax_plugins` group. Their own `initialize()` imports jax, so jaxlike repeats the
steps itself: find the plugin's shared library, load it, and make a C-API client.
"""
import glob
import importlib.util
import os

from jaxlib import xla_client as _xc

_PLUGIN_DIRS = {"gpu": ("xla_cuda13", "xla_cuda12"), "tpu": ()}


def _preload_nvidia_libraries():
    import ctypes
    spec = importlib.util.find_spec("nvidia")
    if spec is None or not spec.submodule_search_locations:
        return
    for root in spec.submodule_search_locations:
        for pattern in ("cuda_runtime/lib/libcudart.so*", "cublas/lib/libcublasLt.so*",
                        "cublas/lib/libcublas.so*", "cudnn/lib/libcudnn.so*",
                        "cufft/lib/libcufft.so*", "cusolver/lib/libcusolver.so*",
                        "cusparse/lib/libcusparse.so*", "nccl/lib/libnccl.so*",
                        "nvjitlink/lib/libnvJitLink.so*"):
            for path in sorted(glob.glob(os.path.join(root, pattern))):
                try:
                    ctypes.cdll.LoadLibrary(path)
                except OSError:
                    pass


def _find_cuda_plugin():
    spec = importlib.util.find_spec("jax_plugins")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        for name in _PLUGIN_DIRS["gpu"]:
            hits = glob.glob(os.path.join(root, name, "xla_cuda_plugin.so"))
            if hits:
                return hits[0]
    return None


def _find_tpu_library():
    spec = importlib.util.find_spec("libtpu")
    if spec is None or not spec.submodule_search_locations:
        return None
    hits = glob.glob(os.path.join(list(spec.submodule_search_locations)[0], "libtpu.so"))
    return hits[0] if hits else None


def make_client(platform):
    """Returns a PJRT client for "gpu" or "tpu"; raises RuntimeError naming what is missing."""
    if platform == "gpu":
        path = _find_cuda_plugin()
        if path is None:
            raise RuntimeError("no GPU plugin is installed: pip install 'jax-cuda12-pjrt==0.10.2'"
                               " 'jax-cuda12-plugin==0.10.2' to run on an NVIDIA GPU")
        _preload_nvidia_libraries()
        if not _xc.pjrt_plugin_loaded("cuda"):
            _xc.load_pjrt_plugin_dynamically("cuda", path)
            _xc.initialize_pjrt_plugin("cuda")
        return _xc.make_c_api_client("cuda", _xc.generate_pjrt_gpu_plugin_options())
    if platform == "tpu":
        path = _find_tpu_library()
        if path is None:
            raise RuntimeError("no TPU library is installed: pip install libtpu")
        if not _xc.pjrt_plugin_loaded("tpu"):
            _xc.load_pjrt_plugin_dynamically("tpu", path)
            _xc.initialize_pjrt_plugin("tpu")
        return _xc.make_c_api_client("tpu", {})
    raise RuntimeError(f"unknown platform {platform!r}: expected 'cpu', 'gpu' or 'tpu'")


def best_available_platform():
    """Returns "gpu" or "tpu" when a plugin is installed and starts, else "cpu"."""
    if _find_cuda_plugin() is not None:
        from lowering import backend
        try:
            backend.client("gpu")
            return "gpu"
        except Exception:  # noqa: BLE001 -- a broken plugin falls back to CPU when not requested
            pass
    return "cpu"
