"""Shared fixtures and helpers for the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The team's shared real data folder, or skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared real data not found at {SHARED_DATA}")
    return SHARED_DATA
