"""The persistent compilation cache: hits across processes, keys, corrupt entries."""
import contextlib
import os
import subprocess
import sys
import textwrap

import numpy as np

from lowering import compilation_cache

PROGRAM = textwrap.dedent("""
    import time, numpy as np
    import jaxlike as jax, jaxlike.numpy as jnp
    f = jax.jit(lambda x: jnp.sin(x) * 3.0 + 0.25)
    print(float(f(np.float32(0.5))))
""")


def _run(cache_dir, env_extra=None):
    env = dict(os.environ, JAXLIKE_COMPILATION_CACHE_DIR=str(cache_dir))
    env.update(env_extra or {})
    out = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True,
                         text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _entries(cache_dir):
    return sorted(p for p in os.listdir(cache_dir) if not p.startswith(".tmp"))


def test_second_process_hits_the_cache(tmp_path):
    expected = np.float32(np.sin(np.float32(0.5)) * 3 + 0.25)
    assert np.isclose(_run(tmp_path), expected)
    entries = _entries(tmp_path)
    assert entries, "nothing was written to the cache"
    stamps = {p: os.path.getmtime(tmp_path / p) for p in entries}
    assert np.isclose(_run(tmp_path), expected)
    assert _entries(tmp_path) == entries
    assert {p: os.path.getmtime(tmp_path / p) for p in entries} == stamps  # nothing rewritten


def test_corrupt_entries_are_recompiled_and_replaced(tmp_path):
    expected = np.float32(np.sin(np.float32(0.5)) * 3 + 0.25)
    _run(tmp_path)
    for name in _entries(tmp_path):
        data = bytearray((tmp_path / name).read_bytes())
        data[-10] ^= 0xFF  # flip bits in the payload: the checksum no longer matches
        (tmp_path / name).write_bytes(bytes(data))
    assert np.isclose(_run(tmp_path), expected)
    with _cache_dir(tmp_path):
        for name in _entries(tmp_path):
            assert compilation_cache.load(name) is not None, "corrupt entry was not replaced"


@contextlib.contextmanager
def _cache_dir(path):
    from jaxlike.config import config
    previous = config.jax_compilation_cache_dir
    config.update("jax_compilation_cache_dir", str(path))
    try:
        yield
    finally:
        config.update("jax_compilation_cache_dir", previous)


def test_truncated_entry_is_not_trusted(tmp_path):
    with _cache_dir(tmp_path):
        assert compilation_cache.store("k", b"payload")
        assert compilation_cache.load("k") == b"payload"
        (tmp_path / "k").write_bytes((tmp_path / "k").read_bytes()[:-3])
        assert compilation_cache.load("k") is None
        (tmp_path / "k").write_bytes(b"garbage")
        assert compilation_cache.load("k") is None


def test_keys_cover_module_options_and_backend():
    base = compilation_cache.cache_key("module", b"opts", "cpu|0.10.2")
    assert compilation_cache.cache_key("module2", b"opts", "cpu|0.10.2") != base
    assert compilation_cache.cache_key("module", b"opts2", "cpu|0.10.2") != base
    assert compilation_cache.cache_key("module", b"opts", "gpu|0.10.2") != base
    assert compilation_cache.cache_key("module", b"opts", "cpu|0.10.2") == base


def test_disabled_cache_writes_nothing(tmp_path):
    _run(tmp_path, {"JAXLIKE_DISABLE_COMPILATION_CACHE": "1"})
    assert _entries(tmp_path) == []
