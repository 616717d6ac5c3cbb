"""A report as blocks (headings, text, lists, tables, charts) rendered to Markdown or HTML."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class _Table:
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    numeric: Sequence[bool] = ()


@dataclass(frozen=True)
class _Chart:
    svg: str
    filename: str
    title: str


Block = tuple[str, Any]


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, numeric: Sequence[bool] = ()
) -> list[str]:
    """A Markdown table and the blank line after it; ``numeric`` columns align right."""
    aligns = ["---:" if (i < len(numeric) and numeric[i]) else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(_md_cell(h) for h in headers) + " |"]
    lines.append("| " + " | ".join(aligns) + " |")
    lines += ["| " + " | ".join(_md_cell(str(c)) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _render_md(blocks: Iterable[Block]) -> str:
    lines: list[str] = []
    for kind, content in blocks:
        if kind == "h1":
            lines += [f"# {content}", ""]
        elif kind == "h2":
            lines += [f"## {content}", ""]
        elif kind == "h3":
            lines += [f"### {content}", ""]
        elif kind == "p":
            lines += [str(content), ""]
        elif kind == "ul":
            lines += [f"- {item}" for item in content] + [""]
        elif kind == "table":
            table: _Table = content
            lines += _md_table(table.headers, table.rows, numeric=table.numeric)
        elif kind == "chart":
            chart: _Chart = content
            lines += [f"![{chart.title}]({chart.filename})", ""]
    return "\n".join(lines).rstrip() + "\n"


_CSS = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC",
  "Microsoft YaHei", "Helvetica Neue", Arial, sans-serif; margin: 2em auto;
  max-width: 60em; padding: 0 1em; color: #222; line-height: 1.5; }
h1 { font-size: 1.6em; border-bottom: 2px solid #2b83ba; padding-bottom: .2em; }
h2 { font-size: 1.25em; margin-top: 1.6em; color: #1f4e79; }
h3 { font-size: 1.05em; margin-top: 1.2em; color: #1f4e79; }
table { border-collapse: collapse; margin: .6em 0 1.2em; font-size: .92em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; vertical-align: top; }
th { background: #eef3f8; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: .6em 0 1.4em; }
figcaption { font-size: .9em; color: #555; }
p.status { font-weight: bold; }
"""


def _render_html(blocks: Iterable[Block], *, title: str, language: str) -> str:
    esc = html.escape
    body: list[str] = []
    for kind, content in blocks:
        if kind == "h1":
            body.append(f"<h1>{esc(str(content))}</h1>")
        elif kind == "h2":
            body.append(f"<h2>{esc(str(content))}</h2>")
        elif kind == "h3":
            body.append(f"<h3>{esc(str(content))}</h3>")
        elif kind == "p":
            body.append(f"<p>{esc(str(content))}</p>")
        elif kind == "ul":
            items = "".join(f"<li>{esc(str(item))}</li>" for item in content)
            body.append(f"<ul>{items}</ul>")
        elif kind == "table":
            table: _Table = content
            head = "".join(f"<th>{esc(h)}</th>" for h in table.headers)
            rows = []
            for row in table.rows:
                cells = []
                for i, cell in enumerate(row):
                    cls = ' class="num"' if i < len(table.numeric) and table.numeric[i] else ""
                    cells.append(f"<td{cls}>{esc(cell)}</td>")
                rows.append("<tr>" + "".join(cells) + "</tr>")
            body.append(
                f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            )
        elif kind == "chart":
            chart: _Chart = content
            body.append(f"<figure>{chart.svg}<figcaption>{esc(chart.title)}</figcaption></figure>")
    lang = "zh-CN" if language == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
