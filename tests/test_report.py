"""Tests for siting.report: the plan report and the comparison of two runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from _plan_output import write_plan_output

from siting.errors import InputError
from siting.report import (
    ASSUMPTION_SOURCES,
    compare_runs,
    flatten_scenario,
    format_status,
    labels,
    source_of,
    write_report,
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("report")
    return write_plan_output(base / "a"), write_plan_output(base / "b", variant="b")


@pytest.fixture(scope="module")
def report_zh(runs: tuple[Path, Path]) -> tuple[str, str]:
    md, html = write_report(runs[0])
    return md.read_text(encoding="utf-8"), html.read_text(encoding="utf-8")


def test_files_written(runs: tuple[Path, Path], report_zh: tuple[str, str]) -> None:
    assert (runs[0] / "report.md").is_file()
    assert (runs[0] / "report.html").is_file()
    assert (runs[0] / "report_slots_per_1000.svg").is_file()
    md = report_zh[0]
    assert md.startswith("# 婴幼儿托育设施规划报告：广元示例")
    assert "](report_slots_per_1000.svg)" in md


def test_html_is_self_contained(report_zh: tuple[str, str]) -> None:
    _, html = report_zh
    # no external reference at all: the SVG namespace is written without a scheme check below
    without_ns = html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in without_ns and "https://" not in without_ns
    assert "<script" not in html
    assert "<link" not in html
    assert html.count("<svg") == 2
    assert "<style>" in html


@pytest.mark.parametrize("which", [0, 1], ids=["md", "html"])
def test_headline_numbers(report_zh: tuple[str, str], which: int) -> None:
    doc = report_zh[which]
    assert "400 / 208" in doc  # planned / required
    assert "10,800,000" in doc  # total cost
    assert "92.5%" in doc  # affordable share
    assert "15.38" in doc  # 400 slots for 26,000 residents
    assert "可行解，未证明最优（间隙 1.23%）" in doc  # honest status


@pytest.mark.parametrize("which", [0, 1], ids=["md", "html"])
def test_district_values(report_zh: tuple[str, str], which: int) -> None:
    doc = report_zh[which]
    for value in ("利州区 (510802)", "13.24", "8.59", "昭化区 (510811)", "19.44", "6.83"):
        assert value in doc
    assert "8,700,000" in doc and "2,100,000" in doc


def test_district_row_in_markdown(report_zh: tuple[str, str]) -> None:
    md, _ = report_zh
    row = next(line for line in md.splitlines() if line.startswith("| 利州区"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells == [
        "利州区 (510802)",
        "17,000",
        "146",
        "225",
        "13.24",
        "8.59",
        "是",
        "1",
        "12",
        "225",
        "8,700,000",
        "180",
    ]


@pytest.mark.parametrize("which", [0, 1], ids=["md", "html"])
def test_cost_by_mode(report_zh: tuple[str, str], which: int) -> None:
    doc = report_zh[which]
    for mode, cost in (("新建", "3,200,000"), ("购置", "5,500,000"), ("利用公共设施", "2,100,000")):
        assert re.search(rf"{mode} \(\w+\)\s*(\||</td><td class=\"num\">)\s*{cost}", doc), mode


def test_shortfall_rows(report_zh: tuple[str, str]) -> None:
    md, html = report_zh
    rows = [line for line in md.splitlines() if line.startswith(("| 老城片区", "| 宝轮村"))]
    assert len(rows) == 2
    assert rows[0].startswith("| 老城片区 (A2)") and "| 16 |" in rows[0] and "容量不足" in rows[0]
    assert rows[1].startswith("| 宝轮村 (A3)") and "| 14 |" in rows[1]
    assert "服务半径内无可用用地" in rows[1]
    assert "东坝小区" not in md.split("## 托位缺口")[1].split("##")[0]
    assert "<td>老城片区 (A2)</td>" in html


def test_assumptions_with_sources(report_zh: tuple[str, str]) -> None:
    """The Chinese report gives each source in Chinese, a Chinese document by its Chinese
    title (before, every source was English: 'GB 50180; JGJ 39 §3.1.3 (300 m, 5-minute
    life circle)'); a foreign source keeps its own title."""
    md, _ = report_zh
    rows = {
        cells[0]: cells[2]
        for line in md.split("## 参数假设及来源")[1].split("\n## ")[0].splitlines()
        if line.startswith("| ")
        and len(cells := [c.strip() for c in line.strip("|").split("|")]) == 3
    }
    assert rows["ratios.new"] == (
        "《关于促进3岁以下婴幼儿照护服务发展的实施意见》（广府办发〔2020〕17号）"
        "（R1：新建居住区每千人不少于10个托位）"
    )
    assert rows["radii.urban_m"] == (
        "《城市居住区规划设计规范》GB 50180-93；《托儿所、幼儿园建筑设计规范》JGJ 39 "
        "第3.1.3条（300米，5分钟生活圈）"
    )
    assert rows["facility.floor_m2_per_slot"] == "由厦门市每万人900平方米推算"
    assert rows["facility.options[medium].toddler"].startswith("《托育机构设置标准（试行）》")
    assert rows["policy.budget"] == "情景设置"
    assert rows["accessibility.band_weights"].startswith(
        "E2SFCA 分段权重：Luo & Qi (2009), An enhanced two-step floating catchment area"
    )
    # no English word but names, codes and the foreign title
    names = {"DOMAIN", "EPSG", "CGCS", "PySAL", "tobler", "WorldPop", "dasymetric", "TD"}
    for key, source in rows.items():
        if key != "accessibility.band_weights":
            assert set(re.findall(r"[A-Za-z]{2,}", source)) <= names | {"GB", "JGJ", "WS", "md"}, (
                key
            )
    assert "| policy.budget | – |" in md
    assert "| facility.options[medium].toddler | 2 |" in md


def test_english_report(runs: tuple[Path, Path], tmp_path: Path) -> None:
    md, html = write_report(runs[1], language="en")
    text = md.read_text(encoding="utf-8")
    assert "Solver status: proven optimal" in text
    assert "Every residential area is fully served." not in text  # A2 still short in B
    assert "| Planned slots / required slots | 425 / 208 |" in text
    assert "Slots per 1,000 by district against target" in html.read_text(encoding="utf-8")


def test_status_lines_are_honest() -> None:
    assert format_status({"status": "optimal", "gap": 0.0}, language="en") == "proven optimal"
    assert format_status({"status": "optimal", "gap": 0.004}, language="en") == (
        "proven optimal within the tolerance (gap 0.40%)"
    )
    assert format_status({"status": "feasible", "gap": 0.05}, language="en") == (
        "feasible, not proven optimal (gap 5.00%)"
    )
    assert format_status({"status": "feasible", "gap": None}, language="en") == (
        "feasible, not proven optimal (gap unknown)"
    )
    assert format_status({"status": "infeasible"}, language="en").startswith("infeasible")
    assert format_status({"status": "timed_out"}, language="zh") == "达到时间上限，未找到可行解"
    assert format_status({"status": "weird"}, language="en") == "status: weird"


def test_flatten_and_sources() -> None:
    flat = flatten_scenario(
        {
            "ratios": {"new": 10.0},
            "facility": {"options": [{"name": "s", "infant": 1}]},
            "hazards": {"enabled": ["petrol_station", "power_line"]},
        }
    )
    assert flat == {
        "ratios.new": "10",
        "facility.options[s].infant": "1",
        "hazards.enabled": "petrol_station, power_line",
    }
    assert source_of("facility.options[s].infant").startswith("托育机构设置标准")
    assert source_of("costs.construction_per_m2") == "assumption (local cost data)"
    assert source_of("unknown.key") == "scenario setting"
    from siting.report._assumptions import ASSUMPTION_SOURCES_ZH

    assert source_of("costs.construction_per_m2", language="zh") == "假设（请用当地造价数据）"
    assert ASSUMPTION_SOURCES_ZH.keys() == ASSUMPTION_SOURCES.keys()


def test_compare_runs(runs: tuple[Path, Path]) -> None:
    text = compare_runs(*runs, language="en")
    only_b = text.split("## Facilities only in B")[1].split("##")[0]
    assert "| P5 | 文化馆托育点 | small | 45 |" in only_b
    only_a = text.split("## Facilities only in A")[1].split("##")[0]
    assert "none" in only_a
    changed = text.split("## Facilities in both with a different size")[1].split("##")[0]
    assert "| P2 | 利州示范托育中心 | demonstration | large | 145 | 125 |" in changed
    assert "| planned_slots | 400 | 425 | +25 |" in text
    assert "| cost_by_acquisition.reuse | 2,100,000 | 3,000,000 | +900,000 |" in text
    assert "| 昭化区 (510811) | 19.44 | 24.44 | +5.00 | 1 | 1 |" in text
    assert "| 宝轮村 (A3) | 14 | 0 | -14 | no site within reach | – |" in text
    assert "老城片区" not in text.split("## Areas whose shortfall changed")[1]
    scenario = text.split("## Scenario settings that differ")[1]
    assert "| policy.budget | – | 9,000,000 |" in scenario
    assert "ratios.new" not in scenario


def test_compare_runs_in_chinese(runs: tuple[Path, Path]) -> None:
    text = compare_runs(*runs)
    assert "## 仅在方案B中的机构" in text
    assert "| P5 |" in text


def test_missing_output_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "run.json").write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match=r"areas\.geojson is missing"):
        write_report(tmp_path)


def _in_currency(folder: Path, currency: str) -> Path:
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    run["scenario"]["currency"] = currency
    run["scenario"]["name"] = "示例"  # 广元 has a 元 of its own
    (folder / "run.json").write_text(json.dumps(run, ensure_ascii=False), encoding="utf-8")
    return folder


def test_costs_are_labelled_in_the_plans_currency(tmp_path: Path) -> None:
    a = _in_currency(write_plan_output(tmp_path / "a"), "EUR")
    b = _in_currency(write_plan_output(tmp_path / "b", variant="b"), "EUR")
    for language, total in (("zh", "总费用（EUR）"), ("en", "Total cost (EUR)")):
        md, html = write_report(a, language=language)
        for doc in (md.read_text(encoding="utf-8"), html.read_text(encoding="utf-8")):
            assert total in doc
            # 广元, named in the Chinese sources, has a 元 of its own
            assert "CNY" not in doc and "元" not in doc.replace("广元", "")
        compared = compare_runs(a, b, language=language)
        assert "EUR" in compared
        assert "CNY" not in compared and "元" not in compared
    # runs in two currencies say both; older runs without the key are in CNY
    mixed = compare_runs(a, _in_currency(b, "USD"), language="en")
    assert "Cost (EUR / USD)" in mixed
    assert labels("zh")["unit_10k_cny"] == "万元"
    assert labels("zh", currency="EUR")["unit_10k_cny"] == "万EUR"
    assert labels("en", currency="EUR")["cost"] == "Cost (EUR)"


@pytest.mark.parametrize("which", [0, 1], ids=["md", "html"])
def test_population_accounting_and_rounding(report_zh: tuple[str, str], which: int) -> None:
    doc = report_zh[which]
    # the run's accounting: 26,222.4 people in the study area, 26,000 held, 222.4 residual
    assert "人口核算" in doc
    assert "26,000 (99.2%)" in doc and "(0.8%)" in doc
    assert "按居住区分配（dasymetric）" in doc
    # the raw requirement is served; districts round once (208), per area it would be 214
    assert "合计 208（逐区取整则为 214，实际需求 205.3）" in doc


def test_population_accounting_in_english(runs: tuple[Path, Path], tmp_path: Path) -> None:
    md, _ = write_report(runs[0], language="en")
    text = md.read_text(encoding="utf-8")
    assert "## Population accounted for" in text
    assert "| Residents | dasymetric | 26,222 | 26,000 (99.2%) | 222 (0.8%) | 0 | 0 |" in text
    assert "208 in all (214 if every area were rounded up; 205.3 raw)" in text


def _with_totals(folder: Path, totals: dict[str, object]) -> Path:
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    run["totals"] = totals
    (folder / "run.json").write_text(json.dumps(run, ensure_ascii=False), encoding="utf-8")
    return folder


def test_compare_prints_each_total_to_the_decimals_it_needs(tmp_path: Path) -> None:
    # the totals of two real runs (Guangyuan demo, budget 200 million and ratio old 7),
    # cut down: A buys one site, B none; fractional slots, ratios and shares
    a = _with_totals(
        write_plan_output(tmp_path / "a"),
        {
            "required_slots": 1072.9802339881687,
            "planned_slots": 6156.0,
            "served_slots": 993.761,
            "shortfall_slots": 79.208,
            "affordable_share": 0.9166666666666666,
            "cost": 234754000.0,
            "planned_per_1000": 13.497,
            "served_per_1000": 14.475,
            "facilities_new": 178,
            "cost_by_acquisition": {"new_build": 224590000.0, "purchase": 10164000.0},
        },
    )
    b = _with_totals(
        write_plan_output(tmp_path / "b", variant="b"),
        {
            "required_slots": 1072.9802339881267,
            "planned_slots": 5339.0,
            "served_slots": 994.458,
            "shortfall_slots": 78.512,
            "affordable_share": 0.9072860086158456,
            "cost": 107596000.0,
            "planned_per_1000": 11.706,
            "served_per_1000": 14.743,
            "facilities_new": 148,
            "cost_by_acquisition": {"new_build": 107596000.0},
        },
    )
    text = compare_runs(a, b, language="en")
    table = text.split("## Totals")[1].split("##")[0]
    rows = {line.split("|")[1].strip(): line for line in table.splitlines() if line[:2] == "| "}
    # the difference is that of the values as printed, never -0
    assert rows["required_slots"] == "| required_slots | 1,073.0 | 1,073.0 | 0.0 |"
    assert rows["planned_slots"] == "| planned_slots | 6,156 | 5,339 | -817 |"
    assert rows["served_slots"] == "| served_slots | 993.8 | 994.5 | +0.7 |"
    assert rows["shortfall_slots"] == "| shortfall_slots | 79.2 | 78.5 | -0.7 |"
    assert rows["affordable_share"] == "| affordable_share | 91.7% | 90.7% | -1.0 pp |"
    assert rows["planned_per_1000"] == "| planned_per_1000 | 13.50 | 11.71 | -1.79 |"
    assert rows["served_per_1000"] == "| served_per_1000 | 14.47 | 14.74 | +0.27 |"
    assert rows["facilities_new"] == "| facilities_new | 178 | 148 | -30 |"
    # a mode B does not use costs B nothing: the modes' differences add up to the total's
    assert rows["cost_by_acquisition.purchase"] == (
        "| cost_by_acquisition.purchase | 10,164,000 | 0 | -10,164,000 |"
    )
    assert rows["cost_by_acquisition.new_build"] == (
        "| cost_by_acquisition.new_build | 224,590,000 | 107,596,000 | -116,994,000 |"
    )
    assert rows["cost"] == "| cost | 234,754,000 | 107,596,000 | -127,158,000 |"
    assert "–" not in "".join(v for k, v in rows.items() if k.startswith("cost"))


def test_counties_measuring_walks_differently_are_named_in_the_reports_language(
    tmp_path: Path,
) -> None:
    """A partitioned run whose counties measure on streets and in straight lines has
    distance_method "network, straight_line" (province.merge); the Chinese report printed
    those English keys."""
    folder = write_plan_output(tmp_path / "a")
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    run["distance_method"] = "network, straight_line"
    (folder / "run.json").write_text(json.dumps(run, ensure_ascii=False), encoding="utf-8")
    zh = write_report(folder)[0].read_text(encoding="utf-8")
    assert "距离计算方式：各区县不同：步行路网距离、直线距离（乘绕行系数）" in zh
    assert "network, straight_line" not in zh
    en = write_report(folder, language="en")[0].read_text(encoding="utf-8")
    assert (
        "Distances: walking distance on the street network or straight line × detour "
        "factor, by county" in en
    )


def _with_run(folder: Path, **changes: object) -> Path:
    """``folder``'s run.json with ``changes``."""
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    run.update(changes)
    (folder / "run.json").write_text(json.dumps(run, ensure_ascii=False), encoding="utf-8")
    return folder


def _status_line(md: Path) -> str:
    return next(line for line in md.read_text(encoding="utf-8").splitlines() if "求解" in line)


def test_the_chinese_status_line_says_the_stages_from_their_codes(tmp_path: Path) -> None:
    """run.json's message is English (a machine record: solve._message); the Chinese report
    printed it as it was. It now says each stage's status and gap from the stages' codes,
    and the English report still gives the message."""
    message = (
        "feasible, not proven optimal (shortfall: optimal; cost: feasible, gap 1.23%; "
        "distance: feasible, gap unknown)"
    )
    folder = _with_run(
        write_plan_output(tmp_path / "a"),
        message=message,
        stages=[
            {"name": "shortfall", "status": "optimal", "gap": 0.0, "message": "Optimal"},
            {"name": "cost", "status": "feasible", "gap": 0.0123, "message": "Time limit"},
            {"name": "distance", "status": "feasible", "gap": None, "message": "Time limit"},
        ],
    )
    assert _status_line(write_report(folder)[0]) == (
        "求解状态：可行解，未证明最优（间隙 1.23%） — 缺口最小化：已证明最优；"
        "费用最小化：可行解，间隙 1.23%；距离最小化：可行解，间隙未知"
    )
    en = write_report(folder, language="en")[0].read_text(encoding="utf-8")
    # the stages' part of the message, not the status said twice
    assert (
        "Solver status: feasible, not proven optimal (gap 1.23%) — shortfall: optimal; "
        "cost: feasible, gap 1.23%; distance: feasible, gap unknown\n"
    ) in en
    # a message that does not begin with the status's words is given whole
    partial = {"status": "feasible", "message": "partial: 1 of 2 counties planned (510811)"}
    from siting.report._format import status_detail

    assert status_detail(partial, language="en") == partial["message"]
    # the fixture's own message, with no stage recorded: nothing after the status
    bare = write_plan_output(tmp_path / "b")
    assert _status_line(write_report(bare)[0]) == "求解状态：可行解，未证明最优（间隙 1.23%）"


def test_a_partitioned_runs_counties_are_said_in_chinese(tmp_path: Path) -> None:
    """A partitioned run's message (province.merge: 'partial: 1 of 2 counties planned; no
    plan for 510811 (no candidate parcel and no existing facility)'), its counties'
    statuses ('optimal', 'no_sites'), their reasons and 'local' were English in the
    Chinese report; so were the cost search's parts in the solver line."""
    counties = [
        {
            "district_id": "510802",
            "status": "feasible",
            "reason": None,
            "gap": 0.0123,
            "seconds": 2.0,
            "worker": "local",
            "facilities": 3,
            "cost": 8_700_000.0,
        },
        {
            "district_id": "510811",
            "status": "no_sites",
            "reason": "no candidate parcel and no existing facility",
            "gap": None,
            "seconds": 0.1,
            "worker": "tcp://10.0.0.2:4001",
            "facilities": 0,
            "cost": 0.0,
        },
    ]
    folder = _with_run(
        write_plan_output(tmp_path / "a"),
        status="partial",
        message="partial: 1 of 2 counties planned; no plan for 510811 (no candidate parcel "
        "and no existing facility)",
        counties=counties,
        solver="highs 1.16.0, highs 1.16.0 + local search + lagrangian + regions",
    )
    md = write_report(folder)[0].read_text(encoding="utf-8")
    assert md.splitlines()[2] == (
        "求解状态：部分区县无规划 — 1/2 个区县有规划；"
        "无规划：510811（无候选用地，也无现有托育机构）"
    )
    assert "求解器：highs 1.16.0、highs 1.16.0 + 局部搜索 + 拉格朗日松弛 + 分区搜索" in md
    assert "| 510802 | 可行解 | 1.23% | 2.0 | 本机 | 3 | 8,700,000 |  |" in md
    assert (
        "| 510811 | 无候选用地 | – | 0.1 | tcp://10.0.0.2:4001 | 0 | 0 | "
        "无候选用地，也无现有托育机构 |"
    ) in md
    assert "求解状态：可行解，间隙 1.23%，用时 2.0 秒（本机）。" in md
    for english in ("partial", "no candidate", "local", "no_sites", "feasible", "lagrangian"):
        assert english not in md.split("## 参数假设及来源")[0], english
    en = write_report(folder, language="en")[0].read_text(encoding="utf-8")
    assert "| 510811 | no_sites | – | 0.1 |" in en
    assert "highs 1.16.0 + local search + lagrangian + regions" in en


def test_a_partitioned_runs_outcomes_in_chinese() -> None:
    """The other messages of province.merge and province.border, from the codes."""
    from siting.report._format import status_detail

    optimal = {"status": "optimal", "gap": 0.0}
    run = {"status": "optimal", "counties": [optimal, optimal], "gap": 0.0}
    assert status_detail(run) == "2 个区县均已证明最优"
    run = {"counties": [optimal, {"status": "feasible", "gap": 0.004}], "gap": 0.004}
    assert status_detail(run) == "各区县最大间隙 0.40%"
    border = {"status": "feasible", "parts": 5, "parts_optimal": 4, "parts_changed": 2}
    run = {"status": "feasible", "counties": [optimal, optimal], "border": border}
    assert status_detail(run) == (
        "各区县均已证明最优；跨界服务：5 个部分中 4 个已证明最优，2 个为降低缺口作了调整，"
        "其余保持各区县的方案"
    )


def test_a_county_finding_renders_from_its_record_in_both_languages(tmp_path: Path) -> None:
    """The Chinese report said run.json's English findings; it renders each from its code
    and numbers, with the county named, and the English report keeps the sentence."""
    from siting._said import said_records
    from siting.demand import _findings

    # 73,581 of 158,068 people in the areas: 46.55 %, shown as 47 %; 84,487 outside them
    accounting = {"population": {"total": 158068.0, "held": 73581.0, "residual": 84487.0}}
    accounting["population"]["held_share"] = 73581.0 / 158068.0
    (finding,) = _findings(accounting)
    folder = write_plan_output(tmp_path / "a")
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    run["findings"] = [f"district 510811: {finding}"]
    run["finding_records"] = [
        {**record, "district_id": "510811"} for record in said_records([finding]) if record
    ]
    run["notes"] = [
        "areas: read column 'NAME' as name",
        "working CRS: EPSG:4544 (x) from the scenario",
    ]
    run["note_records"] = [None, {"code": "crs_from_scenario", "crs": "EPSG:4544", "crs_name": "x"}]
    (folder / "run.json").write_text(json.dumps(run, ensure_ascii=False), encoding="utf-8")
    zh = write_report(folder)[0].read_text(encoding="utf-8")
    assert (
        "- 昭化区（510811）：居住区仅容纳常住人口栅格研究区内158,068人中的47%（另有84,487人"
        "所在栅格不与任何居住区相交）" in zh
    )
    assert "## 技术说明（英文）\n\n- areas: read column 'NAME' as name\n" in zh  # no code
    assert "- 工作坐标系：EPSG:4544，取自情景设置\n" in zh
    en = write_report(folder, language="en")[0].read_text(encoding="utf-8")
    assert (
        "- district 510811: the residential areas hold only 47% of the population raster's "
        "158,068 people in the study area (84,487 live in cells no area touches)" in en
    )


def test_a_feature_named_by_its_id_is_written_once(tmp_path: Path) -> None:
    """A feature without a name is named by its id (an OSM area, osm/way/468699278; the
    district "(none)" of a run without districts), and the report and the comparison wrote
    it twice: "osm/way/468699278 (osm/way/468699278)", "(none) ((none))"."""
    import geopandas as gpd
    import pandas as pd

    folders = []
    for variant in ("a", "b"):
        folder = write_plan_output(tmp_path / variant, variant=variant)
        areas = gpd.read_file(folder / "areas.geojson")
        areas["name"] = areas["name"].astype(object)
        areas.loc[areas["area_id"] == "A2", "name"] = "A2"  # named by its id
        areas.loc[areas["area_id"] == "A3", "name"] = None
        areas.to_file(folder / "areas.geojson", driver="GeoJSON")
        table = pd.read_csv(folder / "districts.csv", dtype={"district_id": str})
        table.loc[table["district_id"] == "510811", "name"] = "510811"
        table.to_csv(folder / "districts.csv", index=False)
        outlines = gpd.read_file(folder / "districts.geojson")
        outlines.loc[outlines["district_id"] == "510811", "name"] = "510811"
        outlines.to_file(folder / "districts.geojson", driver="GeoJSON")
        folders.append(folder)
    md = write_report(folders[0])[0].read_text(encoding="utf-8")
    shortfall = md.split("## 托位缺口")[1].split("##")[0]
    assert "| A2 | " in shortfall and "| A3 | " in shortfall
    assert "(A2)" not in shortfall and "(A3)" not in shortfall
    assert "| 510811 | " in md and "510811 (510811)" not in md
    assert "| 利州区 (510802) | " in md  # a name of its own is still written with the id
    text = compare_runs(*folders, language="en")
    assert "| 510811 | 19.44 | 24.44 | +5.00 | 1 | 1 |" in text
    assert "| A3 | 14 | 0 | -14 | no site within reach | – |" in text
    from siting.maps import save_map

    page = save_map(folders[0], basemap="none").read_text(encoding="utf-8")
    assert "A2 (A2)" not in page and "510811 (510811)" not in page
    assert ">510811<\\/option>" in page  # the district filter, written as JSON


def test_a_layer_the_plan_never_wrote_is_not_said_to_be_missing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Every plan without districts (central Nanjing from OSM) logged, from its map and its
    report, "/…/.out.partial-8ff46abd/districts.geojson not found; its layer is left out":
    a file the plan never writes, in a staging folder the planner never sees. Only a layer
    the plan wrote (run.json's files) and someone removed is said missing."""
    import logging

    folder = write_plan_output(tmp_path / "a")
    (folder / "districts.geojson").unlink()
    run_json = folder / "run.json"
    run = json.loads(run_json.read_text(encoding="utf-8"))
    run.pop("files", None)  # a staging folder's run.json, before the files are listed
    run_json.write_text(json.dumps(run, ensure_ascii=False), encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="siting"):
        write_report(folder)
    assert not [r for r in caplog.records if "not found" in r.getMessage()]
    run["files"] = ["areas.geojson", "districts.geojson", "run.json"]
    run_json.write_text(json.dumps(run, ensure_ascii=False), encoding="utf-8")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="siting"):
        write_report(folder)
    (said,) = {r.getMessage() for r in caplog.records if "not found" in r.getMessage()}
    assert said == f"{folder / 'districts.geojson'} not found; its layer is left out"


@pytest.mark.parametrize(
    ("status", "gap", "message", "detail"),
    [
        ("optimal", 0.0, "optimal in all 3 counties", "in all 3 counties"),
        ("feasible", 0.0046, "feasible, largest county gap 0.46%", "largest county gap 0.46%"),
        (
            "optimal",
            0.0,
            "optimal in every county; the border pass: 2 of 2 parts proven optimal",
            "in every county; the border pass: 2 of 2 parts proven optimal",
        ),
    ],
    ids=["optimal", "feasible", "border pass"],
)
def test_a_partitioned_runs_english_status_line_says_the_status_once(
    status: str, gap: float, message: str, detail: str
) -> None:
    """A province's line read 'feasible, not proven optimal (gap 0.46%) — feasible,
    largest county gap 0.46%' and 'proven optimal — optimal in all 3 counties', the
    status said twice, as a single run's did before ef533c0."""
    from siting.report._format import status_detail

    run = {"status": status, "gap": gap, "message": message, "partition": "district"}
    assert status_detail(run, language="en") == detail


def test_what_the_demonstration_facilities_cost_is_said_and_compared(tmp_path: Path) -> None:
    """The report said nothing of what the demonstration rule (R5) costs: run.json's
    totals now hold the new demonstration facilities' cost and the tier's part of it
    (siting.summary.demonstration_cost), said under the costs, and compare_runs sets a
    plan with them beside one without (the rule's price)."""
    demo = {"count": 2, "cost": 13_840_000.0, "premium": 3_400_000.0}
    a = _with_run(write_plan_output(tmp_path / "a"))
    run = json.loads((a / "run.json").read_text(encoding="utf-8"))
    run["totals"]["demonstration"] = demo
    (a / "run.json").write_text(json.dumps(run, ensure_ascii=False), encoding="utf-8")
    md, _ = write_report(a, language="en")
    assert (
        "Demonstration facilities (R5): 2 new, costing 13,840,000 CNY, of which 3,400,000 CNY "
        "is the demonstration tier's extra over a plain facility of the same size on the same "
        "site. The rule's whole price also holds the sites chosen for it; a plan without it "
        "measures that: siting robust SCENARIO.toml --vary policy.demonstration_per_district=0,1"
    ) in md.read_text(encoding="utf-8")
    md, _ = write_report(a, language="zh")
    assert "示范性托育机构（R5）：新建2个，费用13,840,000元，其中3,400,000元为示范性的额外费用" in (
        md.read_text(encoding="utf-8")
    )
    b = write_plan_output(tmp_path / "b", variant="b")  # written before the block: "–"
    compared = compare_runs(a, b, language="en")
    assert "| demonstration.cost | 13,840,000 | – | – |" in compared
    none = {"count": 0, "cost": 0.0, "premium": 0.0}  # a plan without the rule: 0
    run = json.loads((b / "run.json").read_text(encoding="utf-8"))
    run["totals"]["demonstration"] = none
    (b / "run.json").write_text(json.dumps(run, ensure_ascii=False), encoding="utf-8")
    compared = compare_runs(a, b, language="en")
    assert "| demonstration.cost | 13,840,000 | 0 | -13,840,000 |" in compared
    assert "| demonstration.premium | 3,400,000 | 0 | -3,400,000 |" in compared
