"""The seed programs print what JAX 0.10.2 prints for them (compared by compare.py)."""
import os
import subprocess
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "examples")
SEEDS = sorted(f[:-3] for f in os.listdir(EXAMPLES) if f.startswith("seed_")
               and f.endswith(".py")) if os.path.isdir(EXAMPLES) else []


@pytest.mark.skipif(not SEEDS, reason="../shared/examples is not beside this checkout")
@pytest.mark.parametrize("seed", SEEDS)
def test_seed_program_matches_jax(seed, tmp_path):
    plot = tmp_path / "plot.png"
    run = subprocess.run([sys.executable, os.path.join(EXAMPLES, seed + ".py"), str(plot)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    out = tmp_path / "out.txt"
    out.write_text(run.stdout)
    cmp = subprocess.run([sys.executable, os.path.join(EXAMPLES, "compare.py"),
                          os.path.join(EXAMPLES, seed + ".expected"), str(out)],
                         capture_output=True, text=True)
    assert cmp.returncode == 0, cmp.stdout
    if "plot" in seed:
        assert plot.exists() and plot.stat().st_size > 1000, "the plot was not saved"
