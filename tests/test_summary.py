"""Tests for siting.summary: the workplaces' shortfall, worked out by hand."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pandas as pd
import pytest

from siting.inputs import Inputs
from siting.scenario import Scenario
from siting.summary import _workplace_rows, workplace_shortfall

# an area's resident and migrant items, and three workplaces': W1 needs 10 slots and gets
# 4 + 2, W2 needs 4 and gets 5 (more than it needs: no shortfall, and no credit to W1),
# W3 needs 3 and gets none; W4 is in the layer but needs nothing
ITEMS = pd.DataFrame(
    {
        "required": [20.0, 2.0, 10.0, 4.0, 3.0],
        "area_id": ["A1", "A1", None, None, None],
        "workplace_id": [None, None, "W1", "W2", "W3"],
    },
    index=pd.Index(["A1", "A1/migrant", "W1/migrant", "W2/migrant", "W3/migrant"]),
)
ASSIGNMENTS = pd.DataFrame(
    {
        "demand_id": ["A1", "W1/migrant", "W1/migrant", "W2/migrant"],
        "workplace_id": [None, "W1", "W1", "W2"],
        "slots": [15.0, 4.0, 2.0, 5.0],
    }
)


def test_workplace_shortfall_is_each_workplaces_need_less_what_serves_it() -> None:
    # W1: 10 - 6 = 4, W2: 4 - 5 < 0 -> 0, W3: 3 - 0 = 3 (A1's 5 short are not a workplace's)
    assert workplace_shortfall(ITEMS, ASSIGNMENTS) == pytest.approx(7.0)
    assert workplace_shortfall(ITEMS.iloc[:2], ASSIGNMENTS.iloc[:1]) == 0.0


def test_workplace_rows_give_the_same_shortfall_by_workplace() -> None:
    places = pd.DataFrame(
        {"district_id": ["D1", "D2", None, "D1"]}, index=pd.Index(["W1", "W2", "W3", "W4"])
    )
    inputs = cast(Inputs, SimpleNamespace(workplaces=places))
    rows = _workplace_rows(inputs, ASSIGNMENTS, scenario=cast(Scenario, None), items=ITEMS)
    assert rows.index.tolist() == ["W1", "W2", "W3", "W4"]
    assert rows["district_id"].tolist() == ["D1", "D2", "(none)", "D1"]
    assert rows["required"].tolist() == [10.0, 4.0, 3.0, 0.0]
    assert rows["served"].tolist() == [6.0, 5.0, 0.0, 0.0]
    assert rows["shortfall"].tolist() == [4.0, 0.0, 3.0, 0.0]
