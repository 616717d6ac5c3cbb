"""What planners read: a plan report (Markdown and self-contained HTML) and run comparisons.

A plan run writes an output folder (``facilities.geojson``, ``areas.geojson``,
``districts.csv``, ``assignments.csv``, ``run.json``, ...). This package reads
that folder back and writes ``report.md`` and ``report.html`` with the same
content: the headline numbers, slots per 1,000 residents by district against
the policy targets (广府办发〔2020〕17号: 10 for new areas, 8 for the old city,
4.5 rural) and the national 4.5, demonstration facilities per district (R5),
migrant slots (R4), the affordable share (R8), cost by acquisition mode, the
facilities counted by what their cost rests on (the parcel's own ``cost`` or
the land price), all in the scenario's ``currency``, the areas left short and
why, every assumption with its source, and an honest solver status line.

The HTML needs no network and no JavaScript: CSS is inline and the charts
are SVG generated here.

The modules of this package:

===================  ==================================================================
module               owns
===================  ==================================================================
``_labels``          the label strings of maps and reports (zh, en)
``_output``          reading a plan run's output folder back (:class:`PlanOutput`)
``_format``          numbers, shares, yes/no values and the solver status as text
``_assumptions``     the scenario's settings, flattened, with the source of each default
``_document``        report blocks rendered to Markdown and HTML
``_charts``          the SVG charts
``_access``          access and life-circle coverage before and after (:func:`access_labels`)
``_write``           the plan report of one run (:func:`write_report`)
``_compare``         comparing two runs (:func:`compare_runs`)
``_phases``          a phased plan's years (:func:`phase_labels`, the report's year section)
===================  ==================================================================

Examples
--------
>>> from siting.report import format_status
>>> format_status({"status": "feasible", "gap": 0.0123}, language="en")
'feasible, not proven optimal (gap 1.23%)'
>>> format_status({"status": "optimal", "gap": 0.0}, language="zh")
'已证明最优'
"""

from __future__ import annotations

from siting.report._access import access_labels
from siting.report._assumptions import ASSUMPTION_SOURCES, flatten_scenario, source_of
from siting.report._compare import compare_runs
from siting.report._format import as_number as as_number
from siting.report._format import county_reason as county_reason
from siting.report._format import currency_of, format_status
from siting.report._format import is_true as is_true
from siting.report._format import name_and_id as name_and_id
from siting.report._format import not_a_number as not_a_number
from siting.report._labels import labels
from siting.report._output import ACQUISITION_MODES, PlanOutput, read_plan_output
from siting.report._phases import phase_labels
from siting.report._write import write_report

__all__ = [
    "ACQUISITION_MODES",
    "ASSUMPTION_SOURCES",
    "PlanOutput",
    "access_labels",
    "compare_runs",
    "currency_of",
    "flatten_scenario",
    "format_status",
    "labels",
    "phase_labels",
    "read_plan_output",
    "source_of",
    "write_report",
]
