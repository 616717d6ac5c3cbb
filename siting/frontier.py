r"""The cost–coverage frontier: the least shortfall a city can reach for each budget.

A budget buys coverage with diminishing returns; the frontier shows where. It is
traced with the full siting model (:mod:`siting.model`: every rule, every size,
the demonstration and affordable rules) at budgets :math:`B_0 = 0 < B_1 < \dots
< B_{N-1} = C^*`, where :math:`C^*` is the cost of the plan with no budget (the
unconstrained plan: least shortfall first, then least cost). Each point is
solved lexicographically like a plan (:func:`siting.solve.solve_siting`), in
two stages: the least weighted shortfall :math:`W \sum_d t_d + \sum_i s_i + u`
under the budget, then the least cost that keeps it. The third stage (walking
distance) changes neither number and is not run.

Monotone by construction
------------------------
The points are solved from the smallest budget up. A plan that fits budget
:math:`B_k` fits every larger budget, so each point starts from the plan of the
point before (and from the unconstrained plan once it fits), and the first
point from :func:`siting.start.existing_only_start`, which builds nothing and
fits a zero budget. The solver is given that start; if it returns a plan with a
larger weighted shortfall than the start (a solver stopped at a time limit, or
wrong about its own incumbent), the start is kept and the point says so in
``note``. So the weighted shortfall never grows with the budget, whatever the
solver does. A point whose stages were not all proven optimal has ``status``
``"feasible"`` and its ``gap`` (the largest of its stages; empty when unknown).

What is monotone is the model's stage-1 objective (``objective``): a missing
demonstration facility (R5) weighs more than every slot, and a missing
affordable slot (R8) as much as an unserved one. So ``shortfall_slots`` alone
can grow by a few slots where a larger budget first buys a district's
demonstration facility (``missing_demonstration`` falls) or affordable slots
(``affordable_short_slots`` falls); the table shows all three.

The frontier is one model for the whole study area: ``run.partition`` is not
applied (nor can a budget be split between counties).

Examples
--------
>>> from siting.frontier import trace
>>> curve = trace("data/sample/scenario.toml", points=4)  # doctest: +SKIP
>>> curve.table[["budget", "shortfall_slots", "status"]]  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import html
import json
import logging
import math
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from siting._said import said_records
from siting.errors import ScenarioError, SolverError
from siting.model import SitingModel, SitingProblem, build_model
from siting.scenario import Scenario, load_scenario
from siting.solve import SitingSolution, solve_siting
from siting.start import existing_only_start, is_feasible
from siting.status import Status

__all__ = ["COLUMNS", "Frontier", "frontier_svg", "trace", "trace_problem", "write_frontier"]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
Progress = Callable[[str], None]

COLUMNS = (
    "budget",
    "cost",
    "shortfall_slots",
    "served_slots",
    "coverage_share",
    "status",
    "gap",
    "missing_demonstration",
    "affordable_short_slots",
    "objective",
    "new_facilities",
    "shortfall_status",
    "solve_s",
    "note",
)
"""The columns of :attr:`Frontier.table` and ``frontier.csv``, in order."""


@dataclasses.dataclass(frozen=True)
class Frontier:
    """A traced frontier.

    Attributes
    ----------
    table
        One row per budget, smallest first (:data:`COLUMNS`): ``budget``; the
        point's plan's ``cost``; ``shortfall_slots`` (required minus served, per
        demand item, summed); ``served_slots``; ``coverage_share`` (served over
        required); ``status`` (``"optimal"`` only when every stage was proven) and
        ``gap``; ``missing_demonstration`` (R5) and ``affordable_short_slots`` (R8);
        ``objective`` (the weighted shortfall the model minimizes, which never grows
        with the budget); ``new_facilities``; ``shortfall_status`` (the first
        stage's own status: the shortfall is proven when it says ``"optimal"``);
        ``solve_s``; ``note`` (a start kept over a worse solver answer).
    required_slots
        The slots the city needs.
    unconstrained
        The plan with no budget: ``cost``, ``shortfall_slots``, ``status``, ``gap``.
    seconds
        Wall-clock seconds of the trace (solves and model builds, not preparing).
    findings
        What the inputs and the model show a planner must weigh, as a plan says it
        (:func:`siting.pipeline.plan_findings`; empty from :func:`trace_problem` alone).
    """

    table: pd.DataFrame
    required_slots: float
    unconstrained: dict[str, Any]
    seconds: float
    findings: tuple[str, ...] = ()


def _objective(model: SitingModel, values: FloatArray) -> float:
    return float(model.shortfall @ values)


def _tolerance(value: float) -> float:
    return 1e-6 * max(1.0, abs(value))


def _gap(solution: SitingSolution | None) -> float | None:
    """The largest gap of the stages; unknown (``None``) when an unproven stage has none."""
    if solution is None:
        return None
    stats = [stage.stats for stage in solution.stages]
    if any(st.status is not Status.OPTIMAL and st.gap is None for st in stats):
        return None
    return max((st.gap for st in stats if st.gap is not None), default=None)


def _point(
    model: SitingModel,
    values: FloatArray,
    *,
    budget: float,
    solution: SitingSolution | None,
    note: str,
) -> dict[str, Any]:
    ix = model.index
    served_by_item = np.bincount(ix.x_demand_code, weights=values[ix.x], minlength=len(ix.required))
    required = float(ix.required.sum())
    # slots beyond an item's requirement serve nobody (a facility may hold more)
    served = float(np.minimum(served_by_item, ix.required).sum())
    status = solution.status.value if solution is not None else Status.FEASIBLE.value
    first = solution.stages[0].stats.status.value if solution is not None else status
    return {
        "budget": float(budget),
        "cost": float(model.cost @ values),
        "shortfall_slots": float(np.clip(ix.required - served_by_item, 0.0, None).sum()),
        "served_slots": served,
        "coverage_share": served / required if required > 0 else 1.0,
        "status": status,
        "gap": _gap(solution),
        "missing_demonstration": float(values[ix.t].sum()),
        "affordable_short_slots": float(values[ix.u].sum()),
        "objective": _objective(model, values),
        "new_facilities": int(np.count_nonzero(values[ix.y] > 0.5)),
        "shortfall_status": first,
        "solve_s": round(solution.solve_s, 3) if solution is not None else 0.0,
        "note": note,
    }


def _check_options(*, points: int, time_limit_s: float | None, gap: float | None) -> None:
    """Refuse a frontier's ``points``, ``time_limit_s`` or ``gap`` it cannot trace with."""
    if points < 2:
        raise ScenarioError(
            "points (--points) must be 2 or more (a budget of zero and the unconstrained "
            f"plan's cost), got {points}"
        )
    if time_limit_s is not None and not (math.isfinite(time_limit_s) and time_limit_s >= 0):
        raise ScenarioError(
            f"time_limit_s (--time-limit) must be 0 seconds or more, got {time_limit_s}"
        )
    if gap is not None and not (math.isfinite(gap) and 0 <= gap < 1):
        raise ScenarioError(
            f"gap (--gap) must be a share in [0, 1) (0.005 for half a percent), got {gap}"
        )


def trace_problem(
    problem: SitingProblem,
    *,
    points: int = 10,
    solver: str = "highs",
    time_limit_s: float | None = 60.0,
    gap: float | None = 0.005,
    threads: int | None = None,
    progress: Progress | None = None,
) -> Frontier:
    """Trace the frontier of a model's data (no geometry needed).

    Parameters
    ----------
    problem
        The model's data; its ``budget`` is ignored (each point sets its own).
    points
        How many budgets, from zero to the unconstrained plan's cost (2 or more).
    solver, time_limit_s, gap, threads
        As in :func:`siting.solve.solve_siting`; the time limit is per stage and point.
    progress
        Called with a short message before each point.

    Returns
    -------
    Frontier
        The points, smallest budget first.

    Raises
    ------
    ScenarioError
        ``points`` below 2, a time limit below 0 or a gap outside [0, 1).
    SolverError
        The unconstrained plan could not be solved.
    """
    _check_options(points=points, time_limit_s=time_limit_s, gap=gap)
    say = progress or (lambda message: log.info(message))
    began = time.perf_counter()
    options = {"solver": solver, "time_limit_s": time_limit_s, "gap": gap, "threads": threads}

    say("solving the plan with no budget")
    free_model = build_model(dataclasses.replace(problem, budget=None))
    free = solve_siting(free_model, stages=2, **options)  # type: ignore[arg-type]
    if free.values is None:
        raise SolverError(f"no plan without a budget: the solver reports {free.message}")
    free_values = free.values
    top = float(free_model.cost @ free_values)
    budgets = np.linspace(0.0, top, points)

    rows: list[dict[str, Any]] = []
    previous: FloatArray | None = None
    for k, budget in enumerate(budgets.tolist()):
        say(f"budget {budget:,.0f} ({k + 1}/{points})")
        model = build_model(dataclasses.replace(problem, budget=budget))
        known = [existing_only_start(model)] if previous is None else [previous]
        if float(model.cost @ free_values) <= budget + _tolerance(budget):
            known.append(free_values)
        known = [v for v in known if is_feasible(model, v)]
        start = min(known, key=lambda v: _objective(model, v)) if known else None
        solution = solve_siting(model, stages=2, start=start, **options)  # type: ignore[arg-type]
        values, note = solution.values, ""
        if start is not None and (
            values is None
            or _objective(model, values)
            > _objective(model, start) + _tolerance(_objective(model, start))
        ):
            # Never let a solver's worse answer break the curve: the start fits this budget.
            values = start
            note = (
                "the solver found no plan"
                if solution.values is None
                else "the solver's plan had more shortfall than a known plan"
            ) + " that fits this budget; kept that plan (not proven)"
            solution = dataclasses.replace(solution, status=Status.FEASIBLE)
            log.warning("budget %s: %s", f"{budget:,.0f}", note)
        if values is None:
            raise SolverError(f"no plan at budget {budget:,.0f}: {solution.message}")
        row = _point(model, values, budget=budget, solution=solution, note=note)
        if note:
            row["gap"] = None
        rows.append(row)
        previous = values

    table = pd.DataFrame(rows, columns=list(COLUMNS))
    ix = free_model.index
    served = np.bincount(ix.x_demand_code, weights=free_values[ix.x], minlength=len(ix.required))
    return Frontier(
        table=table,
        required_slots=float(ix.required.sum()),
        unconstrained={
            "cost": top,
            "shortfall_slots": float(np.clip(ix.required - served, 0.0, None).sum()),
            "objective": _objective(free_model, free_values),
            "status": free.status.value,
            "gap": _gap(free),
            "message": free.message,
        },
        seconds=round(time.perf_counter() - began, 3),
    )


def trace(
    scenario: Scenario | str | Path,
    *,
    points: int = 10,
    time_limit_s: float | None = None,
    gap: float | None = None,
    prepared: Any = None,
    progress: Progress | None = None,
) -> Frontier:
    """Trace a scenario's cost–coverage frontier.

    The inputs are read, demand estimated and walks measured once
    (:func:`siting.pipeline.prepare`); every point then solves the full model.

    Parameters
    ----------
    scenario
        A :class:`~siting.scenario.Scenario` or the path of its TOML file. Its
        ``policy.budget`` is ignored.
    points
        How many budgets, from zero to the unconstrained plan's cost (2 or more).
    time_limit_s
        Seconds per stage and point; ``None`` takes the scenario's ``solver.time_limit_s``.
    gap
        Relative gap at which a stage may stop; ``None`` takes ``solver.gap``.
    prepared
        A :class:`siting.pipeline.Prepared` of this scenario, to skip preparing again.
    progress
        Called with a short message at each step.

    Returns
    -------
    Frontier
        The points, smallest budget first.
    """
    from siting.pipeline import plan_findings, prepare, siting_problem

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if scenario.phases:
        raise ScenarioError(
            "the frontier traces one budget for the whole plan and cannot follow "
            "[[phases]]: trace it on the scenario without its [[phases]] tables"
        )
    # before the inputs are read: trace(points=1) read and measured the city (25 s on the
    # sample) to refuse it
    _check_options(points=points, time_limit_s=time_limit_s, gap=gap)
    if prepared is None:
        prepared = prepare(scenario, progress=progress)
    problem, options = siting_problem(prepared, scenario=scenario)
    found = plan_findings(
        prepared, problem, options=options, items=prepared.items, scenario=scenario
    )
    for finding in found:  # the inputs' were said when they were read
        log.warning(finding)
    s = scenario.solver
    traced = trace_problem(
        problem,
        points=points,
        solver=s.name,
        time_limit_s=s.time_limit_s if time_limit_s is None else time_limit_s,
        gap=s.gap if gap is None else gap,
        threads=s.threads,
        progress=progress,
    )
    return dataclasses.replace(traced, findings=(*prepared.inputs.findings, *found))


def frontier_svg(frontier: Frontier, *, currency: str = "CNY", language: str = "en") -> str:
    """The frontier as an SVG line chart: shortfall (slots) against budget.

    Points not proven optimal are drawn hollow.

    Parameters
    ----------
    frontier
        The traced frontier.
    currency
        The budget's currency, for the axis label.
    language
        ``"en"`` or ``"zh"`` labels.

    Returns
    -------
    str
        The ``<svg>`` element.
    """
    from siting.report._charts import _nice_max, _svg_start

    text = _TEXT[language]
    table = frontier.table
    width, height = 640, 340
    left, right, top, bottom = 72, 24, 34, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    divisor, unit = (
        (1e6, f"{text['million']} {currency}")
        if table["budget"].max() >= 1e6
        else (
            1.0,
            currency,
        )
    )

    def axis(largest: float) -> tuple[float, float]:
        step = _nice_max(max(largest, 1e-9) / 5.0)
        return step, step * max(math.ceil(largest / step - 1e-9), 1)

    xstep, xmax = axis(float(table["budget"].max()) / divisor if len(table) else 1.0)
    ystep, ymax = axis(max(float(table["shortfall_slots"].max()) if len(table) else 0.0, 1.0))

    def x(v: float) -> float:
        return left + plot_w * (v / divisor) / xmax

    def y(v: float) -> float:
        return top + plot_h * (1.0 - v / ymax)

    parts = _svg_start(width, height, title=text["title"], title_x=left)
    for i in range(round(ymax / ystep) + 1):
        yv = ystep * i
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(yv):.1f}" y2="{y(yv):.1f}" '
            f'stroke="#e3e3e3"/><text x="{left - 6}" y="{y(yv) + 4:.1f}" '
            f'text-anchor="end">{yv:g}</text>'
        )
    for i in range(round(xmax / xstep) + 1):
        xv = xstep * i
        parts.append(
            f'<text x="{x(xv * divisor):.1f}" y="{top + plot_h + 16}" '
            f'text-anchor="middle">{xv:g}</text>'
        )
    parts.append(
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#444"/>'
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" '
        'stroke="#444"/>'
    )
    coords = [
        (x(float(b)), y(float(s)))
        for b, s in zip(table["budget"], table["shortfall_slots"], strict=True)
    ]
    if coords:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#2b83ba" stroke-width="2"/>')
    for (px, py), status in zip(coords, table["status"], strict=True):
        fill = "#2b83ba" if status == Status.OPTIMAL.value else "#fff"
        parts.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{fill}" stroke="#2b83ba" '
            'stroke-width="2"/>'
        )
    esc = html.escape
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 12}" text-anchor="middle">'
        f"{esc(text['budget'])} ({esc(unit)})</text>"
        f'<text x="14" y="{top + plot_h / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + plot_h / 2:.1f})">{esc(text["shortfall"])}</text>'
        f'<circle cx="{width - right - 150}" cy="{top + 6}" r="4" fill="#fff" stroke="#2b83ba" '
        f'stroke-width="2"/><text x="{width - right - 140}" y="{top + 10}">'
        f"{esc(text['unproven'])}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


_TEXT = {
    "en": {
        "title": "Cost–coverage frontier",
        "budget": "budget",
        "million": "million",
        "shortfall": "shortfall (slots)",
        "unproven": "not proven optimal",
        "heading": "Cost–coverage frontier",
        "lead": (
            "The least shortfall the full model reaches at each budget, from zero to the cost "
            "of the plan with no budget. More budget never gives more weighted shortfall "
            "(a missing demonstration facility first, then unserved and affordable slots)."
        ),
        "required": "required slots",
        "unconstrained": "plan with no budget",
        "seconds": "seconds",
        "findings": "Findings to check before using the frontier",
    },
    "zh": {
        "title": "投入–覆盖前沿",
        "budget": "预算",
        "million": "百万",
        "shortfall": "缺口（托位）",
        "unproven": "未证明最优",
        "heading": "投入–覆盖前沿",
        "lead": (
            "每一预算下完整模型可达到的最小缺口，预算从零到不设预算方案的费用。"
            "预算增加时加权缺口（先示范机构，再托位与普惠托位）从不增加。"
        ),
        "required": "需求托位",
        "unconstrained": "不设预算的方案",
        "seconds": "秒",
        "findings": "使用前沿前请核查的情况",
    },
}


def _html_page(frontier: Frontier, *, currency: str, language: str, svg: str) -> str:
    text = _TEXT[language]
    esc = html.escape
    table = frontier.table
    head = "".join(f"<th>{esc(c)}</th>" for c in COLUMNS)

    def cell(column: str, value: Any) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        if column == "coverage_share" or (column == "gap" and isinstance(value, float)):
            return f"{value:.2%}"
        if isinstance(value, float):
            return f"{value:,.0f}" if column in ("budget", "cost") else f"{value:,.1f}"
        return esc(str(value))

    rows = "".join(
        "<tr>" + "".join(f"<td>{cell(c, row[c])}</td>" for c in COLUMNS) + "</tr>"
        for row in table.to_dict("records")
    )
    free = frontier.unconstrained
    return (
        f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{esc(text['heading'])}</title><style>body{{font-family:sans-serif;margin:2em}}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;"
        "text-align:right}</style></head><body>"
        f"<h1>{esc(text['heading'])}</h1><p>{esc(text['lead'])}</p>"
        f"<p>{esc(text['required'])}: {frontier.required_slots:,.1f}; "
        f"{esc(text['unconstrained'])}: {free['cost']:,.0f} {esc(currency)}, "
        f"{free['shortfall_slots']:,.1f} ({esc(str(free['message']))}); "
        f"{frontier.seconds:.1f} {esc(text['seconds'])}</p>"
        f"{_findings_html(frontier, text, language=language, currency=currency)}"
        f'{svg}<div style="overflow-x:auto"><table style="font-size:12px"><tr>{head}</tr>'
        f"{rows}</table></div></body></html>"
    )


def _findings_html(
    frontier: Frontier, text: Mapping[str, str], *, language: str, currency: str
) -> str:
    """The findings as a plan's report says them (Chinese from their records), first."""
    from siting.report._labels import labels
    from siting.report._said import said_lines

    if not frontier.findings:
        return ""
    run = {"findings": list(frontier.findings), "finding_records": said_records(frontier.findings)}
    unit = "元" if currency == "CNY" else currency
    said, english = said_lines(
        run,
        "findings",
        labels(language, currency=currency),
        language=language,
        districts={},
        unit=unit,
    )
    items = "".join(f"<li>{html.escape(line)}</li>" for line in [*said, *english])
    return f'<h2>{html.escape(text["findings"])}</h2><ul style="text-align:left">{items}</ul>'


def write_frontier(
    frontier: Frontier,
    out_dir: str | Path,
    *,
    scenario: Scenario | None = None,
    language: str = "zh",
    replace: bool = False,
    inputs: list[Path] | None = None,
) -> Path:
    """Write ``frontier.csv``, ``frontier.svg``, ``report.html`` and ``run.json`` into a folder.

    The folder goes through :mod:`siting.outdir` like a plan: refused when it is
    an input or a folder siting did not write, locked, written whole into a
    staging folder and swapped in.

    Parameters
    ----------
    frontier
        The traced frontier.
    out_dir
        The folder to create, or an earlier output of siting's to replace.
    scenario
        The scenario traced, recorded in ``run.json``.
    language
        ``"zh"`` or ``"en"`` labels for the chart and page.
    replace
        Replace an earlier output folder even when it holds other files.
    inputs
        Input files the folder must not be or contain.

    Returns
    -------
    Path
        The output folder.
    """
    from siting.outdir import input_paths, staged_output

    protected = list(inputs or []) + (input_paths(scenario.inputs) if scenario else [])
    currency = scenario.currency if scenario is not None else "CNY"
    with staged_output(out_dir, inputs=protected, replace=replace, kind="frontier") as tmp:
        frontier.table.to_csv(tmp / "frontier.csv", index=False)
        svg = frontier_svg(frontier, currency=currency, language=language)
        (tmp / "frontier.svg").write_text(svg, encoding="utf-8")
        page = _html_page(frontier, currency=currency, language=language, svg=svg)
        (tmp / "report.html").write_text(page, encoding="utf-8")
        run = {
            "required_slots": frontier.required_slots,
            "unconstrained": frontier.unconstrained,
            "seconds": frontier.seconds,
            "points": _records(frontier.table),
            "findings": list(frontier.findings),
            "finding_records": said_records(frontier.findings),
            "scenario": scenario.to_dict() if scenario is not None else None,
        }
        (tmp / "run.json").write_text(
            json.dumps(run, ensure_ascii=False, indent=2), encoding="utf-8"
        )
    return Path(out_dir).expanduser().resolve()


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NaN as null)."""
    plain = table.astype(object).where(table.notna(), None)
    return [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        for row in plain.to_dict("records")
    ]
