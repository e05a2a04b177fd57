"""Global configuration: `jaxlike.config.update("jax_enable_x64", True)` and friends.

Options are read on hot paths (dtype canonicalization, dispatch), so each one is
a plain attribute of the `config` object; `update` also calls the hooks that
other modules register to invalidate caches keyed on an option.
"""
import os


def _env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _default_cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "jaxlike", "xla")


_DEFAULTS = {
    # 64-bit types are canonicalized to 32-bit unless this is on (as in JAX).
    "jax_enable_x64": lambda: _env_flag("JAXLIKE_ENABLE_X64") or _env_flag("JAX_ENABLE_X64"),
    # Persistent compilation cache: a directory, or "" to disable it.
    "jax_compilation_cache_dir": lambda: os.environ.get(
        "JAXLIKE_COMPILATION_CACHE_DIR", _default_cache_dir()),
    "jax_enable_compilation_cache": lambda: not _env_flag("JAXLIKE_DISABLE_COMPILATION_CACHE"),
    # Platform to run on ("cpu", "gpu", "tpu"); None picks the best available.
    "jax_platforms": lambda: os.environ.get("JAXLIKE_PLATFORMS") or os.environ.get("JAX_PLATFORMS"),
    # Run every transformation eagerly (jit becomes a no-op), for debugging.
    "jax_disable_jit": lambda: _env_flag("JAXLIKE_DISABLE_JIT"),
    # Number of virtual CPU devices.
    "jax_num_cpu_devices": lambda: int(os.environ.get("JAXLIKE_NUM_CPU_DEVICES", "1")),
}


class Config:
    """Holds the options; read them as attributes, change them with `update`."""

    def __init__(self):
        self._hooks = []
        for name, default in _DEFAULTS.items():
            object.__setattr__(self, name, default())

    def update(self, name, value):
        """Sets option `name` to `value` and returns None; unknown names raise AttributeError."""
        if name not in _DEFAULTS:
            known = ", ".join(sorted(_DEFAULTS))
            raise AttributeError(f"jaxlike.config.update: unknown option {name!r}; known: {known}")
        object.__setattr__(self, name, value)
        for hook in self._hooks:
            hook(name, value)

    def read(self, name):
        """Returns the current value of option `name`."""
        return getattr(self, name)

    def add_hook(self, hook):
        """Registers `hook(name, value)`, called after every `update`."""
        self._hooks.append(hook)

    def __setattr__(self, name, value):
        if name in _DEFAULTS:
            raise AttributeError(f"use jaxlike.config.update({name!r}, value) to change an option")
        object.__setattr__(self, name, value)

    @property
    def x64_enabled(self):
        return self.jax_enable_x64


config = Config()
