"""Writes a workbook described as data (``models.excel.book``) as an .xlsx file, with XlsxWriter.

Every formula is written with its value (``models.excel.values``), so readers
that do not recalculate show the figures. The named styles ("Plan input",
"Plan formula", ...) are written as Excel's own cell styles, which XlsxWriter
does not offer: each cell format names its style, and the styles part of the
file lists them, so they show in Excel's "Cell Styles" gallery and openpyxl
reads them as ``cell.style``.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.packager import Packager
from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import CellFormulaTuple, Worksheet

from models.excel.book import Book, Cell, Chart, Formula, Sheet
from models.excel.formulas import FIRST, LAST, sheet_ref
from models.excel.styles import HEADER, NAMED_STYLES, UNUSED, Validation
from models.excel.values import FormulaError, formula_values

_STYLE_IDS = {name: index for index, name in enumerate(NAMED_STYLES, start=1)}  # 0: Normal
_CM_TO_PIXELS = 96 / 2.54
_CRITERIA = {"between": "between", "greaterThan": ">", "greaterThanOrEqual": ">="}


def write_book(book: Book) -> bytes:
    """The .xlsx file of ``book``, every formula with its value."""
    values = formula_values(book)
    out = io.BytesIO()
    workbook = _Workbook(
        out,
        {
            "in_memory": True,
            # Text is text: a user's name that starts with "=" or looks like a number or a URL
            # stays as typed.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    formats = _Formats(workbook)
    workbook.representatives = formats.representatives
    for sheet in book.sheets:
        ws = workbook.add_worksheet(sheet.title, worksheet_class=_Worksheet)
        _write_sheet(workbook, ws, sheet, formats, values)
    for name, reference in book.names.items():
        workbook.define_name(name, f"={reference}")
    props = book.properties
    workbook.set_properties(
        {
            "title": props.title,
            "subject": props.subject,
            "author": props.author,
            "keywords": props.keywords,
            "comments": props.description,
            "created": props.created,
        }
    )
    for name, value in props.custom.items():
        workbook.set_custom_property(name, value)
    workbook.close()
    return out.getvalue()


class _Formats:
    """One XlsxWriter format per (named style, number format, alignment, quote prefix)."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self._workbook = workbook
        self._made: dict[tuple[str | None, str | None, str | None, bool], Format | None] = {}
        self.representatives: dict[str, Format] = {}  # a format of each named style
        self.unused = workbook.add_format(UNUSED)

    def of(self, cell: Cell) -> Format | None:
        key = (cell.style, cell.fmt, cell.align, cell.quote)
        if key in self._made:
            return self._made[key]
        properties: dict[str, Any] = dict(NAMED_STYLES[cell.style]) if cell.style else {}
        if cell.fmt:
            properties["num_format"] = cell.fmt
            if cell.style != HEADER:
                properties["align"] = "right"
        if cell.align == "left":
            properties["align"] = "left"
        elif cell.align == "wrap":
            properties |= {"text_wrap": True, "valign": "top"}
        if cell.quote:
            properties["quote_prefix"] = True
        made = self._workbook.add_format(properties) if properties else None
        if made is not None and cell.style:
            made.xf_id = _STYLE_IDS[cell.style]  # the cell style it is based on
            self.representatives.setdefault(cell.style, made)
        self._made[key] = made
        return made


def _cached(value: Any) -> float | str:
    """A formula's value as XlsxWriter saves it: a number, text or an error's code."""
    if isinstance(value, FormulaError):
        return value.code
    if isinstance(value, str):
        return value
    return float(value) + 0.0  # a cost of nothing is 0, not -0


def _write_sheet(
    workbook: xlsxwriter.Workbook,
    ws: Worksheet,
    sheet: Sheet,
    formats: _Formats,
    values: dict[tuple[str, int, int], Any],
) -> None:
    merged: set[tuple[int, int]] = set()
    for first_row, first_column, last_row, last_column in sheet.merges:
        cell = sheet.cells[(first_row, first_column)]
        ws.merge_range(
            first_row - 1, first_column - 1, last_row - 1, last_column - 1,
            cell.value, formats.of(cell),
        )  # fmt: skip
        merged |= {
            (row, column)
            for row in range(first_row, last_row + 1)
            for column in range(first_column, last_column + 1)
        }
    title = sheet.title
    for (row, column), cell in sheet.cells.items():
        if (row, column) in merged:
            continue
        value, cell_format = cell.value, formats.of(cell)
        if isinstance(value, Formula):
            cached = _cached(values[(title, row, column)])
            ws.write_formula(row - 1, column - 1, value, cell_format, cached)
        elif isinstance(value, str):
            ws.write_string(row - 1, column - 1, value, cell_format)
        elif isinstance(value, datetime):
            ws.write_datetime(row - 1, column - 1, value, cell_format)
        elif value is None:
            if cell_format is not None:
                ws.write_blank(row - 1, column - 1, None, cell_format)
        else:
            ws.write_number(row - 1, column - 1, value, cell_format)

    for letter, width in sheet.widths.items():
        index = xl_cell_to_rowcol(f"{letter}1")[1]
        ws.set_column(index, index, width)
    for row, height in sheet.heights.items():
        ws.set_row(row - 1, height)
    for rule, ranges in sheet.validations:
        _validate(ws, rule, ranges)
    for area, test in sheet.greyed:
        first_row, first_column = xl_cell_to_rowcol(area.split(":")[0])
        ws.conditional_format(
            first_row, first_column, first_row, first_column,
            {"type": "formula", "criteria": test, "format": formats.unused, "multi_range": area},
        )  # fmt: skip
    if sheet.freeze:
        ws.freeze_panes(sheet.freeze)
    _page(ws, sheet)
    for row, chart in sheet.charts:
        ws.insert_chart(row - 1, 0, _chart(workbook, chart))
    if sheet.row_breaks:
        ws.set_h_pagebreaks(sheet.row_breaks)


def _validate(ws: Worksheet, rule: Validation, ranges: list[str]) -> None:
    options: dict[str, Any] = {
        "ignore_blank": rule.allow_blank,
        "error_title": rule.title,
        "error_message": rule.message,
    }
    if rule.kind == "list":
        options |= {"validate": "list", "source": list(rule.options)}
    else:
        options |= {
            "validate": "integer" if rule.kind == "whole" else "decimal",
            "criteria": _CRITERIA[rule.operator],
        }
        if rule.operator == "between":
            options |= {"minimum": rule.low, "maximum": rule.high}
        else:
            options["value"] = rule.low
    first_row, first_column = xl_cell_to_rowcol(ranges[0].split(":")[0])
    options["multi_range"] = " ".join(ranges)
    ws.data_validation(first_row, first_column, first_row, first_column, options)


def _page(ws: Worksheet, sheet: Sheet) -> None:
    page = sheet.page
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(page.pages_wide, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.75)
    # "&" starts a header code, so a plan name's own "&" is doubled; "&G" would read as a
    # picture's place, so its "&" is the full-width one.
    left = page.header_left.replace("&G", "\uff06G").replace("&", "&&")
    ws.set_header(f"&L{left}&R&A", {"margin": 0.3})
    ws.set_footer(f"&L{page.footer_left}&RPage &P of &N", {"margin": 0.3})
    if page.title_rows:
        ws.repeat_rows(page.title_rows[0] - 1, page.title_rows[1] - 1)
    if page.title_columns:
        ws.repeat_columns(page.title_columns[0] - 1, page.title_columns[1] - 1)


def _chart(workbook: xlsxwriter.Workbook, chart: Chart) -> Any:
    kind: dict[str, str] = {"type": "column"}
    if chart.stacked:
        kind["subtype"] = "stacked"
    made = workbook.add_chart(kind)
    sheet, row = chart.categories
    categories = f"={sheet_ref(sheet)}${FIRST}${row}:${LAST}${row}"

    def series(target: Any, rows: list[Any]) -> None:
        for one in rows:
            ref = sheet_ref(one.sheet)
            target.add_series(
                {
                    "name": f"={ref}$A${one.row}",
                    "categories": categories,
                    "values": f"={ref}${FIRST}${one.row}:${LAST}${one.row}",
                    **({"overlap": 100} if chart.stacked else {}),
                }
            )

    series(made, chart.columns)
    made.set_title({"name": chart.title})
    made.set_legend({"position": chart.legend})
    made.set_x_axis({"num_format": chart.month_format})
    made.set_y_axis({"num_format": chart.money_format})
    made.set_size(
        {
            "width": round(chart.width_cm * _CM_TO_PIXELS),
            "height": round(chart.height_cm * _CM_TO_PIXELS),
        }
    )
    if chart.lines:
        line = workbook.add_chart({"type": "line"})
        series(line, chart.lines)
        made.combine(line)
    return made


class _Worksheet(Worksheet):  # type: ignore[misc]  # XlsxWriter ships no stubs
    """A worksheet that writes the product's formulas as they are.

    XlsxWriter rewrites every formula through some thirty regular expressions
    to prefix Excel's newer functions (XLOOKUP, FILTER, ...); the product's
    formulas use none of them (``models.excel.values`` refuses any function it
    does not know), so that pass, most of the writing time, is skipped.
    """

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        return formula[1:] if formula.startswith("=") else formula

    def _write_formula(
        self,
        row: int,
        col: int,
        formula: str,
        cell_format: Format | None = None,
        value: Any = 0,
    ) -> int:
        """Store a formula as it is: none is an array or a dynamic-array formula either."""
        if self._check_dimensions(row, col):
            return -1
        text = formula[1:] if formula.startswith("=") else formula
        self.table[row][col] = CellFormulaTuple(text, cell_format, value)
        return 0

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        """A styled formula cell and its value in one string, the rest as XlsxWriter writes."""
        if type(cell) is not CellFormulaTuple or cell.format is None:
            super()._write_cell(row, col, cell)
            return
        value = cell.value
        if isinstance(value, str):
            kind = ' t="e"' if value in _ERROR_CODES else ' t="str"'
            value = _xml_escaped(value)
        else:
            kind = ""
        self.fh.write(
            f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{cell.format._get_xf_index()}"{kind}>'
            f"<f>{_xml_escaped(cell.formula)}</f><v>{value}</v></c>"
        )


_ERROR_CODES = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"})


def _xml_escaped(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


# --- the named styles, which XlsxWriter does not write --------------------------------


class _Workbook(xlsxwriter.Workbook):  # type: ignore[misc]  # XlsxWriter is untyped
    representatives: dict[str, Format]

    def _get_packager(self) -> Packager:
        return _Packager(self.representatives)


class _Packager(Packager):  # type: ignore[misc]
    def __init__(self, representatives: dict[str, Format]) -> None:
        super().__init__()
        self._representatives = representatives

    def _create_package(self) -> list[tuple[Any, str, bool]]:
        files: list[tuple[Any, str, bool]] = super()._create_package()
        for index, (content, name, binary) in enumerate(files):
            if name == "xl/styles.xml":
                text = _with_cell_styles(content.getvalue(), self._representatives)
            elif name.startswith("xl/worksheets/sheet"):
                text = _with_defaults(content.getvalue())
            else:
                continue
            files[index] = (io.StringIO(text), name, binary)
        return files


# Excel takes a rule without an operator as "between", and a page set-up without a width to
# fit to as one page wide; XlsxWriter leaves these defaults out, and some readers miss them.
_BETWEEN = re.compile(r'(<dataValidation type="(?:decimal|whole)")(?![^>]*operator=)')
_ONE_PAGE_WIDE = re.compile(r"(<pageSetup )(?![^>]*fitToWidth=)")


def _with_defaults(sheet: str) -> str:
    """A sheet's XML with the defaults above written out."""
    sheet = _BETWEEN.sub(r'\1 operator="between"', sheet)
    return _ONE_PAGE_WIDE.sub(r'\1fitToWidth="1" ', sheet, count=1)


_STYLE_XFS = re.compile(r"<cellStyleXfs count=\"1\">(.*?)</cellStyleXfs>", re.S)
_CELL_STYLES = re.compile(r"<cellStyles count=\"1\">(.*?)</cellStyles>", re.S)


def _with_cell_styles(styles: str, representatives: dict[str, Format]) -> str:
    """styles.xml with a cell style for each named style that a cell uses."""
    xfs, names = [], []
    for name, style_id in _STYLE_IDS.items():
        made = representatives.get(name)
        if made is None:
            # An unused style still takes its place, so every format's style id holds.
            xfs.append('<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>')
        else:
            xfs.append(_style_xf(name, made))
        names.append(f'<cellStyle name="{name}" xfId="{style_id}"/>')
    styles = _STYLE_XFS.sub(
        lambda found: (
            f'<cellStyleXfs count="{len(xfs) + 1}">{found.group(1)}{"".join(xfs)}</cellStyleXfs>'
        ),
        styles,
        count=1,
    )
    return _CELL_STYLES.sub(
        lambda found: (
            f'<cellStyles count="{len(names) + 1}">{found.group(1)}{"".join(names)}</cellStyles>'
        ),
        styles,
        count=1,
    )


def _style_xf(name: str, made: Format) -> str:
    """A named style's own <xf>: its font, fill and border, and its alignment and protection."""
    definition = NAMED_STYLES[name]
    children = ""
    if "align" in definition or "valign" in definition:
        horizontal = definition.get("align", "general")
        vertical = {"vcenter": "center"}.get(definition.get("valign", ""), "bottom")
        children += f'<alignment horizontal="{horizontal}" vertical="{vertical}"/>'
    if definition.get("locked") is False:
        children += '<protection locked="0"/>'
    return (
        f'<xf numFmtId="0" fontId="{made.font_index}" fillId="{made.fill_index}" '
        f'borderId="{made.border_index}" applyFont="1" applyFill="1" applyBorder="1"'
        + (f' applyAlignment="1" applyProtection="1">{children}</xf>' if children else "/>")
    )
