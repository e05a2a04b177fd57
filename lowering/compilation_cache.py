"""The persistent compilation cache: serialized executables on disk, keyed by everything
that changes the executable (module text, compile options, jaxlib version, platform and
devices). A corrupt or unreadable entry is ignored and overwritten, never trusted blindly:
each file carries a checksum of its payload.
"""
import hashlib
import os
import tempfile

from jaxlike.config import config

_MAGIC = b"JAXLIKE-XLA-CACHE-1\n"


def _directory():
    if not config.jax_enable_compilation_cache:
        return None
    return config.jax_compilation_cache_dir or None


def cache_key(module_text, compile_options_bytes, backend_fingerprint):
    """Returns the hex key for one compilation."""
    h = hashlib.sha256()
    for part in (module_text.encode(), compile_options_bytes, backend_fingerprint.encode()):
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


def load(key):
    """Returns the cached serialized executable for `key`, or None if absent or corrupt."""
    directory = _directory()
    if directory is None:
        return None
    path = os.path.join(directory, key)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    header = len(_MAGIC) + 32
    if len(data) < header or not data.startswith(_MAGIC):
        return None
    digest, payload = data[len(_MAGIC):header], data[header:]
    if hashlib.sha256(payload).digest() != digest:
        return None
    return payload


def store(key, payload):
    """Writes `payload` for `key` atomically; returns True if it was written. Failures (a
    read-only or full disk) are silent: the cache is an optimisation."""
    directory = _directory()
    if directory is None:
        return False
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(_MAGIC + hashlib.sha256(payload).digest() + payload)
        os.replace(tmp, os.path.join(directory, key))
        return True
    except OSError:
        return False


def invalidate(key):
    """Removes the entry for `key` if present (after it failed to load)."""
    directory = _directory()
    if directory is not None:
        try:
            os.remove(os.path.join(directory, key))
        except OSError:
            pass
