"""Three cases of the sweep of registers placed by address
(``benchmarks.handover_addresses``), written as it writes them and placed as ``siting
validate`` places them. The counts are the generator's, by hand: a03's 56 rows each name
one 小区 beside a 社区; a06's 24 rows are three pairs of twins, 4 rows each, one of the 4
naming neither district; a07's 30 rows are in threes, one naming another 区县, one with
another 区县代码, one where both agree."""

from __future__ import annotations

from pathlib import Path

import pytest

import benchmarks.handover_addresses as sweep


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("handover-addresses")
    kept, sweep.OUT = sweep.OUT, out
    try:
        sweep.write_cases()
    finally:
        sweep.OUT = kept
    return out


@pytest.mark.parametrize(
    ("case", "right", "refused", "said"),
    [
        ("a03_community_before", 56, 0, ""),
        (
            "a06_two_of_one_name",
            18,
            6,
            "6 rows without coordinates name a 小区 that several residential areas are called",
        ),
        (
            "a07_county_disagrees",
            10,
            20,
            "20 rows without coordinates name a 小区 of another district than the row's "
            "district_id, or than the 区县 its address names",
        ),
    ],
)
def test_the_sweeps_rows_are_placed_right_or_refused(
    cases: Path, case: str, right: int, refused: int, said: str
) -> None:
    counts, first = sweep.counted(cases / case)
    assert counts == {
        "rows": right + refused,
        "coords": 0,
        "right": right,
        "WRONG": 0,
        "none": 0,
        "ambiguous": refused,
        "missed": 0,
    }
    assert first.startswith(said)
