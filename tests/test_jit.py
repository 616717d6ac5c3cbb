"""siting.jit: numba's cache falls back to a writable folder, or to none; never a crash."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import logging
logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
import siting.jit
from siting.jit import compiled
{setup}

def add(a, b):
    return a + b

print("result", compiled(add)(2, 3))
"""


def _run(tmp_path: Path, *, tmpdir: Path, setup: str = "") -> subprocess.CompletedProcess[str]:
    script = tmp_path / "kernel.py"
    script.write_text(SCRIPT.format(setup=setup), encoding="utf-8")
    # A file where a folder is expected cannot be written even by root, who ignores
    # read-only modes; a non-root user also gets a read-only folder.
    blocked = tmp_path / "home-is-a-file"
    blocked.write_text("")
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o500)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HOME": str(blocked if os.geteuid() == 0 else readonly),
        "XDG_CACHE_HOME": str(blocked / "cache"),
        "NUMBA_CACHE_DIR": str(blocked / "numba"),
        # as in a read-only site-packages: no __pycache__ beside the source
        "NUMBA_CACHE_LOCATOR_CLASSES": "UserProvidedCacheLocator,UserWideCacheLocator",
        "TMPDIR": str(tmpdir),
    }
    return subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX only")
def test_unwritable_home_caches_in_the_temporary_folder(tmp_path: Path) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    done = _run(tmp_path, tmpdir=tmpdir)
    assert done.returncode == 0, done.stderr
    assert "result 5" in done.stdout
    assert "Traceback" not in done.stderr
    assert "caching in" in done.stderr
    cached = list((tmpdir).glob("siting-numba-*/**/*.nbi"))
    assert cached, list(tmpdir.rglob("*"))


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX only")
def test_nowhere_to_cache_compiles_without_a_cache(tmp_path: Path) -> None:
    nowhere = tmp_path / "tmp-is-a-file"
    nowhere.write_text("")
    # tempfile falls back to /tmp when TMPDIR is unusable: take the fallback away instead
    done = _run(tmp_path, tmpdir=nowhere, setup="siting.jit._fallback_cache_dir = lambda: None")
    assert done.returncode == 0, done.stderr
    assert "result 5" in done.stdout
    assert "Traceback" not in done.stderr
    assert "compiling without one" in done.stderr
