"""siting._heap.give_back: glibc's malloc_trim where there is one, nothing elsewhere."""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Iterator
from typing import Any

import pytest

from siting import _heap


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    """The C library's trim is looked up once per process: look it up again per test."""
    _heap._malloc_trim.cache_clear()
    yield
    _heap._malloc_trim.cache_clear()


class _NoTrim:
    """A C library without malloc_trim (macOS's libSystem, musl)."""

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)


def test_a_c_library_without_malloc_trim_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ctypes, "CDLL", lambda name: _NoTrim())
    assert _heap._malloc_trim() is None
    _heap.give_back()  # no error


def test_no_c_library_found_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows: find_library("c") is None, and CDLL(None) is a TypeError there."""

    def refuse(name: object) -> None:
        raise TypeError("expected str, bytes or os.PathLike object, not NoneType")

    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    monkeypatch.setattr(ctypes, "CDLL", refuse)
    assert _heap._malloc_trim() is None
    _heap.give_back()


def test_glibc_s_trim_is_called_with_no_padding(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    class _Glibc:
        def malloc_trim(self, pad: int) -> int:
            calls.append(pad)
            return 1

    monkeypatch.setattr(ctypes, "CDLL", lambda name: _Glibc())
    _heap.give_back()
    _heap.give_back()
    assert calls == [0, 0]
