"""A plan back from a workbook the planner exported, possibly edited in Excel or LibreOffice.

``plan_from_workbook(data)`` reads the input cells only (the plan, the targets,
the P&L drivers, the fixed costs, every channel's name, kind, cost driver,
spend and drivers, and the response curves' parameters); every formula the
export wrote is ignored in favour of the inputs it is computed from. Which
channels have a curve is read from the "Response curves" section of the
Assumptions, each curve's first row naming its channel by a reference to the
channel's name on the Marketing plan; a workbook without the section (every
plan without curves, including those exported before curves existed) has none.
The result is validated by the plan's own rules, and every problem is reported
with the sheet and cell it comes from, e.g.
``Assumptions!E19 (Return rate, Feb 2027): 'abc' is not allowed; it must be a
number.``

Numbers come back as the spreadsheet stored them: the export writes 16
significant digits and LibreOffice saves 15, so a plan whose numbers have up
to 15 (anything a planner types) comes back equal; a computed value such as
0.1 + 0.2 comes back rounded in its last digit.

Untrusted files are refused before they are parsed: over 10 MB, archives of
more than 40 parts, that unpack to more than 100 MB or hold a part of more
than 20 MB, whose XML holds more tags
than the largest plan's workbook could (counted a megabyte at a time) or that
compress suspiciously well (a zip bomb), macro-enabled workbooks and anything
that is not an .xlsx workbook. A sheet whose declared dimension reaches
beyond 2,500 rows is refused before its cells are read, and cells are read
up to that row and the FY column only, so a far-away cell costs nothing. XML is
parsed by openpyxl through defusedxml, which refuses entity declarations (the
"billion laughs" XML bomb). Every refusal is a ``WorkbookRefusedError``; a workbook
that is ours but wrong (moved cells, text in a number cell, a rate above
100 %) is a ``PlanValidationError``. Either way nothing is returned, so the
caller's current plan stays as it was.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]  # ships no stubs
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from pydantic import ValidationError

from budgets import MONTHS, ChannelKind, CostDriver, Plan, PlanIssue, PlanValidationError
from budgets.errors import explain, reported_errors, shown_text
from budgets.plan import MAX_CHANNELS, MAX_FIXED_COST_LINES, fiscal_month_labels
from models.excel.formulas import follow_year_formula
from models.excel.layout import (
    ASSUMPTIONS,
    CHANNEL_DRIVER_LABELS,
    CURVE_PARAMETERS,
    CURVE_SECTION,
    CURVE_YEAR_LABEL,
    DEMAND_LABEL,
    DRIVER_COLUMN,
    FIXED_SECTION,
    FIXED_TOTAL_LABEL,
    FY_COLUMN,
    HEADER_ROW,
    KIND_COLUMN,
    LABEL_COLUMN,
    MARGINAL_BLOCK,
    MARGINAL_ROAS,
    MARKER,
    MARKER_LABEL,
    MARKER_ROW,
    MARKETING,
    MARKETING_BLOCKS,
    MARKETING_HEADERS,
    PLAN_FIELDS,
    PLAN_SECTION_ROW,
    PNL_DRIVER_HEADER_ROW,
    PNL_DRIVER_LABELS,
    PNL_DRIVER_SECTION,
    SHEETS,
    SPEND_TOTAL_LABEL,
    SUMMARY,
    TARGET_FIELDS,
    TARGET_SECTION,
    TARGET_SECTION_ROW,
    VALUE_COLUMN,
    YEAR_INPUT_COLUMN,
    YEAR_INPUT_LABEL,
    Layout,
    month_column,
)

MEGABYTE = 1024 * 1024
MAX_FILE_BYTES = 10 * MEGABYTE
# The largest plan the rules allow (budgets.samples.largest_plan: 150 channels,
# every driver monthly, a curve on every traffic channel, 100 fixed-cost lines)
# exports 19 parts that unpack to 2.7 MB of XML with 173,000 tags, in sheets of
# at most 1,233 rows. Excel and LibreOffice add parts and markup when they save
# it again; a workbook beyond twice what such a plan can fill is refused before
# it is parsed, so reading any upload stays bounded (docs/limits.md).
MAX_PARTS = 40
MAX_UNPACKED_BYTES = 100 * MEGABYTE
MAX_PART_BYTES = 20 * MEGABYTE
MAX_XML_TAGS = 350_000
MAX_SHEET_ROWS = 2_500
_CHUNK_BYTES = MEGABYTE
# An exported workbook's largest part compresses about 15:1; a zip bomb, 1000:1.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_ABOVE_BYTES = MEGABYTE
_SPREADSHEET = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_MACRO_CONTENT = b"macroenabled"
_DRIVER_NAMES = {
    "cpc": "CPC",
    "cpm": "CPM",
    "ctr": "CTR",
    "conversion_rate": "Conversion rate",
    "aov": "AOV",
}
_KINDS = {kind.label.casefold(): kind for kind in ChannelKind} | {
    kind.value: kind for kind in ChannelKind
}
_COST_DRIVERS = {driver.label.casefold(): driver for driver in CostDriver} | {
    driver.value: driver for driver in CostDriver
}
_CURVE_NAMES = {"beta": "Revenue ceiling", "k": "Spend for half", "s": "Curve shape"}
_SEARCH_LIMIT_ROWS = 20_000
# A curve's first cell in column A: the channel's name on the Marketing plan, by reference
# (matched in a formula normalised by ``_normalised``).
_NAME_REFERENCE = re.compile(rf"^='?{re.escape(''.join(MARKETING.upper().split()))}'?!A(\d+)$")

Loc = tuple[str | int, ...]


class WorkbookRefusedError(PlanValidationError):
    """A file refused before it is read: too large, a zip bomb, macros, or not an .xlsx workbook."""


def plan_from_workbook(data: bytes) -> Plan:
    """The plan in a workbook exported by the planner (``models.excel.plan_workbook``).

    Args:
        data: the .xlsx file's bytes, as uploaded.

    Raises:
        WorkbookRefusedError: the file is over 10 MB, a zip bomb, macro-enabled,
            not an .xlsx workbook, or carries XML entity declarations.
        PlanValidationError: the workbook is not one of ours, misses a sheet,
            has moved cells, or an input cell holds text, a formula, nothing,
            or a value the plan's rules refuse; each message names the sheet
            and cell.
    """
    check_upload(data)
    cells = _read_cells(data)
    return _PlanReader(cells).plan()


def check_upload(data: bytes) -> None:
    """Refuse, before any parsing, a file that is too large, a zip bomb, macro-enabled or not .xlsx.

    Only the zip archive's directory and its content-types part are read.
    """
    size = len(data)
    if size > MAX_FILE_BYTES:
        _refuse(
            f"the file is {size / MEGABYTE:.1f} MB, over the {MAX_FILE_BYTES // MEGABYTE} MB "
            "a workbook may have"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        _refuse("it is not an Excel workbook (.xlsx); CSV, .xls and other files cannot be imported")
    with archive:
        members = archive.infolist()
        if len(members) > MAX_PARTS:
            _refuse(
                f"it has {len(members):,} parts; an exported workbook has about 20 and at most "
                f"{MAX_PARTS} are read"
            )
        unpacked = sum(member.file_size for member in members)
        if unpacked > MAX_UNPACKED_BYTES:
            _refuse(
                f"it unpacks to {unpacked / MEGABYTE:,.0f} MB, over the "
                f"{MAX_UNPACKED_BYTES // MEGABYTE} MB a workbook may unpack to"
            )
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > RATIO_CHECKED_ABOVE_BYTES and ratio > MAX_COMPRESSION_RATIO:
                _refuse(
                    f"its part {member.filename!r} is compressed {ratio:,.0f} to 1, far more than "
                    "a real workbook; the file looks like a zip bomb"
                )
            if member.file_size > MAX_PART_BYTES:
                _refuse(
                    f"its part {shown_text(member.filename)!r} unpacks to "
                    f"{member.file_size / MEGABYTE:,.0f} MB, over the {MAX_PART_BYTES // MEGABYTE} "
                    "MB any part of a plan's workbook may have (the largest plan's largest sheet "
                    "has 2.3 MB)"
                )
        names = {member.filename.lower() for member in members}
        if any(name.endswith("vbaproject.bin") for name in names):
            _refuse_macros()
        if "[content_types].xml" not in names:
            _refuse("it is not an Excel workbook (.xlsx): its parts are not listed")
        content_types = archive.read(_member(archive, "[content_types].xml"))
        if _MACRO_CONTENT in content_types.lower():
            _refuse_macros()
        if _SPREADSHEET not in content_types:
            _refuse("it is not an Excel workbook (.xlsx); it is another kind of Office file")
        _check_markup(archive, members)


def _check_markup(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    """Refuse a workbook whose XML holds more tags than the largest plan's could.

    Every element, cell or not, starts with '<' (text and attributes cannot
    hold one), so counting them bounds what the parser will build. The parts
    are unpacked a megabyte at a time and counting stops at the bound.
    """
    tags = 0
    for member in members:
        if member.is_dir():
            continue
        try:
            tags = _count_tags(archive, member, tags)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as error:
            _refuse(
                f"its part {shown_text(member.filename)!r} is damaged and cannot be unpacked "
                f"({type(error).__name__}: {shown_text(str(error))})"
            )


def _count_tags(archive: zipfile.ZipFile, member: zipfile.ZipInfo, tags: int) -> int:
    """``tags`` plus the '<' in ``member``; refuses the workbook once past the bound."""
    with archive.open(member) as part:
        while chunk := part.read(_CHUNK_BYTES):
            tags += chunk.count(b"<")
            if tags > MAX_XML_TAGS:
                _refuse(
                    f"its XML holds more than {MAX_XML_TAGS:,} tags (more than the largest "
                    f"plan, {MAX_CHANNELS} channels and {MAX_FIXED_COST_LINES} fixed-cost "
                    f"lines, fills; the part {shown_text(member.filename)!r} reaches it), so "
                    "it was not read"
                )
    return tags


def _member(archive: zipfile.ZipFile, lower_name: str) -> zipfile.ZipInfo:
    return next(info for info in archive.infolist() if info.filename.lower() == lower_name)


def _refuse(problem: str) -> NoReturn:
    raise WorkbookRefusedError.single("Workbook", problem)


def _refuse_macros() -> NoReturn:
    _refuse(
        "it is a macro-enabled workbook (.xlsm, with a VBA project); macros are refused, "
        "save it as an .xlsx workbook first"
    )


# --- the cells ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Value:
    """A cell as stored: its value (a formula as '=...' text) and whether it is a formula."""

    value: Any
    is_formula: bool


_EMPTY = _Value(None, False)
SheetCells = dict[tuple[int, int], _Value]


def _read_cells(data: bytes) -> dict[str, SheetCells]:
    """The non-empty cells of the sheets the import reads; every sheet's name is a key.

    Any failure to parse the (untrusted) file is the file's: it is refused
    with the parser's reason, XML entity declarations with their own message.
    """
    try:
        return _parse_cells(data)
    except _TooManyRowsError as error:
        _refuse(
            f"its sheet '{error.sheet}' declares cells down to row {error.rows:,}; the largest "
            f"plan ({MAX_CHANNELS} channels, {MAX_FIXED_COST_LINES} fixed-cost lines) fills "
            f"fewer than {MAX_SHEET_ROWS:,} rows, so it was not read (delete the cells below "
            "the plan and save again)"
        )
    except Exception as error:  # the file's failure, not ours: see the docstring
        if _caused_by_entities(error):
            _refuse(
                "it declares XML entities (a DTD), which workbooks never need and XML bombs "
                "use; it was not read"
            )
        reason = shown_text(str(error).split("\n", 1)[0])
        _refuse(f"it could not be read as an Excel workbook ({type(error).__name__}: {reason})")


class _TooManyRowsError(Exception):
    def __init__(self, sheet: str, rows: int) -> None:
        self.sheet, self.rows = sheet, rows
        super().__init__(f"{sheet}: {rows} rows")


def _caused_by_entities(error: BaseException) -> bool:
    """Whether defusedxml refused an entity declaration, perhaps wrapped by openpyxl."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, DefusedXmlException):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _parse_cells(data: bytes) -> dict[str, SheetCells]:
    book = load_workbook(
        io.BytesIO(data), read_only=True, data_only=False, keep_vba=False, keep_links=False
    )
    try:
        cells: dict[str, SheetCells] = {title: {} for title in book.sheetnames}
        for title in (SUMMARY, ASSUMPTIONS, MARKETING):
            if title not in cells:
                continue
            sheet = cells[title]
            worksheet = book[title]
            declared = worksheet.max_row
            if declared is not None and declared > MAX_SHEET_ROWS:
                # A cell far below the plan (row 10,000,000) would make openpyxl
                # produce every empty row above it.
                raise _TooManyRowsError(title, declared)
            rows = MAX_SHEET_ROWS if declared is None else declared
            for row in worksheet.iter_rows(max_row=rows, max_col=FY_COLUMN):
                for cell in row:
                    value = getattr(cell, "value", None)
                    if value is not None:
                        sheet[(cell.row, cell.column)] = _Value(value, cell.data_type == "f")
        return cells
    finally:
        book.close()


def _ref(sheet: str, row: int, column: int) -> str:
    return f"{sheet}!{get_column_letter(column)}{row}"


class _Missing:
    """No usable value in a cell; the problem was recorded as an issue."""


_MISSING = _Missing()


class _PlanReader:
    """Reads the plan out of one workbook's cells, collecting every problem with its cell."""

    def __init__(self, cells: dict[str, SheetCells]) -> None:
        self.cells = cells
        self.issues: list[PlanIssue] = []
        self.where: dict[Loc, str] = {}
        self.months: tuple[str, ...] = tuple(f"month {m + 1}" for m in range(MONTHS))

    # --- structure ----------------------------------------------------------------
    def plan(self) -> Plan:
        self._check_sheets()
        layout = self._layout()
        data = self._plan_data(layout)
        if self.issues:
            raise PlanValidationError(self.issues)
        return self._validated(data)

    def _check_sheets(self) -> None:
        present = [title for title in SHEETS if title in self.cells]
        marker = self._value(SUMMARY, MARKER_ROW, 2).value if SUMMARY in self.cells else None
        if not present or (SUMMARY in self.cells and marker != MARKER):
            where = _ref(SUMMARY, MARKER_ROW, 2) if SUMMARY in self.cells else "Workbook"
            label = self._value(SUMMARY, MARKER_ROW, 1).value if SUMMARY in self.cells else None
            if (
                label == MARKER_LABEL
                and isinstance(marker, str)
                and marker.startswith(MARKER.rsplit(" ", 1)[0])
            ):
                problem = (
                    f"this workbook is '{marker}', which this planner cannot read; it reads "
                    f"'{MARKER}'"
                )
            else:
                problem = (
                    "this is not a workbook exported by the budget planner (its marker "
                    f"'{MARKER}' is missing); only the planner's own workbooks can be imported"
                )
            raise PlanValidationError.single(where, problem)
        for title in SHEETS:
            if title not in self.cells:
                raise PlanValidationError.single(
                    "Workbook",
                    f"the sheet '{title}' is missing (renamed or deleted); the workbook needs "
                    f"all of its sheets: {', '.join(repr(t) for t in SHEETS)}",
                )

    def _layout(self) -> Layout:
        """The layout the workbook was exported with: found from its total rows, then checked."""
        channels = self._count_rows(MARKETING, HEADER_ROW + 2, SPEND_TOTAL_LABEL)
        fixed = Layout(0, 0).fixed_header_row + 1
        fixed_costs = self._count_rows(ASSUMPTIONS, fixed, FIXED_TOTAL_LABEL)
        curves = self._curve_channels(Layout(channels, fixed_costs))
        layout = Layout(channels, fixed_costs, curves)
        for sheet, row, column, label in _labels(layout):
            found = self._value(sheet, row, column).value
            if found != label:
                raise PlanValidationError.single(
                    _ref(sheet, row, column),
                    f"expected '{label}' here but found {_shown(found)}; rows or columns were "
                    "inserted, deleted or moved, so the workbook no longer matches its layout "
                    "(add or remove channels and fixed-cost lines in the planner, then export "
                    "again)",
                )
        return layout

    def _curve_channels(self, layout: Layout) -> tuple[int, ...]:
        """The channels with a response curve: those the curve rows name, in their order.

        Without a "Response curves" section there are none, unless the
        Marketing plan still has its marginal ROAS block (only a plan with
        curves has one): then the section was moved or deleted.
        """
        header = layout.curve_header_row
        found = self._value(ASSUMPTIONS, header, LABEL_COLUMN).value
        if found != CURVE_SECTION:
            marginal = layout.block_title_row(MARGINAL_ROAS)
            if self._value(MARKETING, marginal, LABEL_COLUMN).value == MARGINAL_BLOCK[0]:
                raise PlanValidationError.single(
                    _ref(ASSUMPTIONS, header, LABEL_COLUMN),
                    f"expected '{CURVE_SECTION}' here but found {_shown(found)}; the Marketing "
                    f"plan shows marginal ROAS (row {marginal}), so the plan has response curves, "
                    "and rows were inserted, deleted or moved (add or remove curves in the "
                    "planner, then export again)",
                )
            return ()
        spend_rows = {layout.channel_row("spend", i): i for i in range(layout.channels)}
        curves: list[int] = []
        row = layout.demand_row + 1
        while True:
            cell = self._value(ASSUMPTIONS, row, LABEL_COLUMN)
            if cell.value is None and curves:
                return tuple(curves)
            match = _NAME_REFERENCE.match(_normalised(cell.value)) if cell.is_formula else None
            channel = spend_rows.get(int(match.group(1))) if match else None
            if channel is None or channel in curves:
                first = layout.channel_row("spend", 0)
                raise PlanValidationError.single(
                    _ref(ASSUMPTIONS, row, LABEL_COLUMN),
                    "expected a channel's response curve here, its first cell the channel's "
                    f"name on the Marketing plan (such as ='{MARKETING}'!$A${first}), but found "
                    f"{_shown(cell.value)}; rows were inserted, deleted or moved, or a curve "
                    "names a channel twice (add or remove curves in the planner, then export "
                    "again)",
                )
            curves.append(channel)
            row += len(CURVE_PARAMETERS)

    def _count_rows(self, sheet: str, first_row: int, total_label: str) -> int:
        """Rows from ``first_row`` to the total row (labelled ``total_label``, with formulas)."""
        for row in range(first_row, first_row + _SEARCH_LIMIT_ROWS):
            label = self._value(sheet, row, LABEL_COLUMN).value
            if label == total_label and self._value(sheet, row, month_column(0)).is_formula:
                return row - first_row
        raise PlanValidationError.single(
            _ref(sheet, first_row, LABEL_COLUMN),
            f"the '{total_label}' row below this cell is missing; rows or columns were moved or "
            "deleted, so the workbook no longer matches its layout",
        )

    # --- values ------------------------------------------------------------------------
    def _value(self, sheet: str, row: int, column: int) -> _Value:
        return self.cells[sheet].get((row, column), _EMPTY)

    def _issue(self, where: str, value: Any, problem: str, has_value: bool = True) -> _Missing:
        self.issues.append(PlanIssue(where, None, None, value, problem, has_value))
        return _MISSING

    def _cell(self, loc: Loc, sheet: str, row: int, column: int, what: str) -> tuple[_Value, str]:
        where = f"{_ref(sheet, row, column)} ({what})"
        self.where[loc] = where
        return self._value(sheet, row, column), where

    def _number(
        self, loc: Loc, sheet: str, row: int, column: int, what: str, *, optional: bool = False
    ) -> float | _Missing | None:
        cell, where = self._cell(loc, sheet, row, column, what)
        return self._as_number(cell, where, optional=optional)

    def _as_number(
        self, cell: _Value, where: str, *, optional: bool = False
    ) -> float | _Missing | None:
        value = cell.value
        if cell.is_formula:
            return self._issue(
                where, value, "it must be a number: type the value, a formula cannot be imported"
            )
        if value is None or (isinstance(value, str) and not value.strip()):
            if optional:
                return None
            return self._issue(where, None, "the cell is empty; it must be a number", False)
        if isinstance(value, bool | datetime) or not isinstance(value, int | float):
            return self._issue(where, value, "it must be a number")
        return float(value)

    def _whole(self, loc: Loc, row: int, what: str) -> int | _Missing:
        number = self._number(loc, ASSUMPTIONS, row, VALUE_COLUMN, what)
        if isinstance(number, float) and not number.is_integer():
            return self._issue(self.where[loc], number, "it must be a whole number")
        return int(number) if isinstance(number, float) else _MISSING

    def _text(self, loc: Loc, sheet: str, row: int, column: int, what: str) -> str | _Missing:
        cell, where = self._cell(loc, sheet, row, column, what)
        if cell.is_formula:
            return self._issue(where, cell.value, "it must be text, not a formula")
        if cell.value is None:
            return self._issue(where, None, "the cell is empty; it must be text", False)
        if not isinstance(cell.value, str):
            return self._issue(where, cell.value, "it must be text")
        return cell.value

    def _choice(
        self, loc: Loc, row: int, column: int, what: str, options: dict[str, Any], labels: str
    ) -> str | _Missing:
        text = self._text(loc, MARKETING, row, column, what)
        if isinstance(text, _Missing):
            return text
        option = options.get(text.strip().casefold())
        if option is None:
            return self._issue(self.where[loc], text, f"it must be one of {labels}")
        return str(option.value)

    # --- the plan ------------------------------------------------------------------
    def _plan_data(self, layout: Layout) -> dict[str, Any]:
        labels = dict(PLAN_FIELDS)
        name = self._text(("name",), ASSUMPTIONS, layout.plan_row("name"), VALUE_COLUMN,
                          labels["name"])  # fmt: skip
        year = self._whole(("fiscal_year",), layout.plan_row("fiscal_year"), labels["fiscal_year"])
        first = self._whole(("first_month",), layout.plan_row("first_month"), "First month")
        currency = self._text(("currency",), ASSUMPTIONS, layout.plan_row("currency"),
                              VALUE_COLUMN, labels["currency"])  # fmt: skip
        if isinstance(year, int) and isinstance(first, int) and 1 <= first <= MONTHS:
            self.months = fiscal_month_labels(year, first)
        return {
            "name": name,
            "fiscal_year": year,
            "first_month": first,
            "currency": currency,
            "targets": self._targets(layout),
            "pnl": self._pnl(layout),
            "marketing": {"channels": self._channels(layout)},
        }

    def _targets(self, layout: Layout) -> dict[str, Any]:
        targets: dict[str, Any] = {}
        for field, label in TARGET_FIELDS:
            value = self._number(("targets", field), ASSUMPTIONS, layout.target_row(field),
                                 VALUE_COLUMN, label, optional=field == "cm3_margin")  # fmt: skip
            targets[field] = value
        return targets

    def _monthly(self, loc: Loc, sheet: str, row: int, what: str) -> list[Any]:
        return [
            self._number(
                (*loc, month), sheet, row, month_column(month), f"{what}, {self.months[month]}"
            )
            for month in range(MONTHS)
        ]

    def _pnl(self, layout: Layout) -> dict[str, Any]:
        pnl: dict[str, Any] = {}
        for driver, label in PNL_DRIVER_LABELS.items():
            short = label.split(" (")[0]
            pnl[driver] = self._monthly(("pnl", driver), ASSUMPTIONS, layout.pnl_driver_row(driver),
                                        short)  # fmt: skip
        lines = []
        for index in range(layout.fixed_costs):
            row = layout.fixed_row(index)
            loc: Loc = ("pnl", "fixed_costs", index)
            name = self._text((*loc, "name"), ASSUMPTIONS, row, LABEL_COLUMN,
                              f"Fixed-cost line {index + 1}, name")  # fmt: skip
            self.where[loc] = self.where[(*loc, "name")]
            shown = name if isinstance(name, str) else f"fixed-cost line {index + 1}"
            amounts = self._monthly((*loc, "amounts"), ASSUMPTIONS, row, shown)
            lines.append({"name": name, "amounts": amounts})
        pnl["fixed_costs"] = lines
        if layout.fixed_costs:
            first, last = layout.fixed_row(0), layout.fixed_row(layout.fixed_costs - 1)
            self.where[("pnl",)] = f"{ASSUMPTIONS}!A{first}:A{last} (fixed-cost line names)"
        return pnl

    def _channels(self, layout: Layout) -> list[dict[str, Any]]:
        channels = []
        site_aov = [
            self._value(ASSUMPTIONS, layout.pnl_driver_row("site_aov"), month_column(m)).value
            for m in range(MONTHS)
        ]
        kinds = ", ".join(kind.label for kind in ChannelKind)
        drivers = ", ".join(driver.label for driver in CostDriver)
        for index in range(layout.channels):
            row = layout.channel_row("spend", index)
            loc: Loc = ("marketing", "channels", index)
            name = self._text((*loc, "name"), MARKETING, row, LABEL_COLUMN,
                              f"Channel {index + 1}, name")  # fmt: skip
            shown = name if isinstance(name, str) else f"channel {index + 1}"
            channel: dict[str, Any] = {
                "name": name,
                "kind": self._choice(
                    (*loc, "kind"), row, KIND_COLUMN, f"Kind, {shown}", _KINDS, kinds
                ),
                "cost_driver": self._choice(
                    (*loc, "cost_driver"),
                    row,
                    DRIVER_COLUMN,
                    f"Cost driver, {shown}",
                    _COST_DRIVERS,
                    drivers,
                ),
                "spend": self._monthly((*loc, "spend"), MARKETING, row, f"Spend, {shown}"),
            }
            self.where[loc] = self.where[(*loc, "cost_driver")]
            for driver in CHANNEL_DRIVER_LABELS:
                value = self._channel_driver(layout, driver, index, shown, site_aov)
                if value is not None:
                    channel[driver] = value
            if index in layout.curves:
                channel["response"] = self._curve(layout, index, shown)
            channels.append(channel)
        if layout.channels:
            first = layout.channel_row("spend", 0)
            last = layout.channel_row("spend", layout.channels - 1)
            names = f"{MARKETING}!A{first}:A{last} (channel names)"
            self.where[("marketing",)] = self.where[("marketing", "channels")] = names
        return channels

    def _channel_driver(
        self, layout: Layout, driver: str, index: int, channel: str, site_aov: list[Any]
    ) -> Any:
        """A channel driver: one value for the year, 12 monthly values, or None (not given).

        Months that follow the year's value (the export's formula) take it;
        without one they are empty, except AOV months, which take the site AOV.
        A month holding a number makes the driver monthly.
        """
        row = layout.channel_driver_row(driver, index)
        loc: Loc = ("marketing", "channels", index, driver)
        what = f"{_DRIVER_NAMES[driver]}, {channel}"
        year = self._number(loc, ASSUMPTIONS, row, YEAR_INPUT_COLUMN, f"{what}, for the year",
                            optional=True)  # fmt: skip
        months: list[Any] = []
        follows: list[int] = []
        for month in range(MONTHS):
            column = month_column(month)
            cell, where = self._cell((*loc, month), ASSUMPTIONS, row, column,
                                     f"{what}, {self.months[month]}")  # fmt: skip
            fallback = f"{_letter(column)}${layout.pnl_driver_row('site_aov')}"
            expected = follow_year_formula(driver, row, fallback if driver == "aov" else None)
            if cell.is_formula and _same_formula(cell.value, expected):
                follows.append(month)
                months.append(None)
            else:
                months.append(self._as_number(cell, where, optional=True))
        if isinstance(year, _Missing) or any(isinstance(m, _Missing) for m in months):
            return _MISSING
        given = [m for m in months if m is not None]
        if not given:
            # Every month follows the year's value or is empty.
            return year
        for month in range(MONTHS):
            if months[month] is not None:
                continue
            if year is not None and month in follows:
                months[month] = year
            elif driver == "aov" and month in follows:
                months[month] = _fallback_number(site_aov[month])
            else:
                where = self.where[(*loc, month)]
                months[month] = self._issue(
                    where, None,
                    "the cell is empty; give every month a number, or one value for the year "
                    f"in column {_letter(YEAR_INPUT_COLUMN)}", False,
                )  # fmt: skip
        return months

    def _curve(self, layout: Layout, index: int, channel: str) -> dict[str, Any]:
        """A channel's response curve: beta, k and s for a month of average demand, column C."""
        loc: Loc = ("marketing", "channels", index, "response")
        curve = {
            parameter: self._number(
                (*loc, parameter), ASSUMPTIONS, layout.curve_row(index, parameter),
                YEAR_INPUT_COLUMN, f"{_CURVE_NAMES[parameter]}, {channel}",
            )
            for parameter in CURVE_PARAMETERS
        }  # fmt: skip
        self.where[loc] = self.where[(*loc, "beta")]
        return curve

    # --- the plan's own rules ---------------------------------------------------------
    def _validated(self, data: dict[str, Any]) -> Plan:
        """The plan, validated by its own rules, each broken rule placed at its cell."""
        try:
            return Plan.model_validate(data)
        except ValidationError as error:
            explained = explain(error, data).issues
            locs = _explained_locs(error)
            if len(locs) != len(explained):
                raise PlanValidationError(explained) from None
            raise PlanValidationError(
                [self._at_cell(issue, loc) for issue, loc in zip(explained, locs, strict=True)]
            ) from None

    def _at_cell(self, issue: PlanIssue, loc: Loc) -> PlanIssue:
        """The plan's issue, placed at the cell its value came from."""
        for end in range(len(loc), 0, -1):
            where = self.where.get(loc[:end])
            if where is not None:
                return PlanIssue(
                    where, issue.field, issue.month, issue.value, issue.problem, issue.has_value
                )
        return issue


def _explained_locs(error: ValidationError) -> list[Loc]:
    """The location of each issue ``budgets.errors.explain`` makes of ``error``, in its order,
    without the union tags ('once', 'monthly')."""
    return [
        tuple(part for part in d["loc"] if part not in ("once", "monthly"))
        for d in reported_errors(error)
    ]


def _normalised(formula: Any) -> str:
    """A formula's text without spaces, '$' signs or case ("" for anything but text)."""
    return "".join(formula.split()).replace("$", "").upper() if isinstance(formula, str) else ""


def _same_formula(found: Any, expected: str) -> bool:
    return isinstance(found, str) and _normalised(found) == _normalised(expected)


def _fallback_number(value: Any) -> Any:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _letter(column: int) -> str:
    return str(get_column_letter(column))


def _shown(value: Any) -> str:
    return "an empty cell" if value is None else repr(value)


def _labels(layout: Layout) -> list[tuple[str, int, int, str]]:
    """Every label the import relies on: (sheet, row, column, text the export wrote there)."""
    labels: list[tuple[str, int, int, str]] = [
        (ASSUMPTIONS, PLAN_SECTION_ROW, LABEL_COLUMN, "Plan"),
        (ASSUMPTIONS, TARGET_SECTION_ROW, LABEL_COLUMN, TARGET_SECTION),
        (ASSUMPTIONS, PNL_DRIVER_HEADER_ROW, LABEL_COLUMN, PNL_DRIVER_SECTION),
        (ASSUMPTIONS, PNL_DRIVER_HEADER_ROW, FY_COLUMN, "FY"),
        (ASSUMPTIONS, layout.fixed_header_row, LABEL_COLUMN, FIXED_SECTION),
        (ASSUMPTIONS, layout.fixed_total_row, LABEL_COLUMN, FIXED_TOTAL_LABEL),
        (MARKETING, HEADER_ROW, LABEL_COLUMN, MARKETING_HEADERS[0]),
        (MARKETING, HEADER_ROW, KIND_COLUMN, MARKETING_HEADERS[1]),
        (MARKETING, HEADER_ROW, DRIVER_COLUMN, MARKETING_HEADERS[2]),
        (MARKETING, HEADER_ROW, FY_COLUMN, "FY"),
    ]
    labels += [(ASSUMPTIONS, layout.plan_row(f), LABEL_COLUMN, label) for f, label in PLAN_FIELDS]
    labels += [
        (ASSUMPTIONS, layout.target_row(f), LABEL_COLUMN, label) for f, label in TARGET_FIELDS
    ]
    labels += [
        (ASSUMPTIONS, layout.pnl_driver_row(d), LABEL_COLUMN, label)
        for d, label in PNL_DRIVER_LABELS.items()
    ]
    for driver, label in CHANNEL_DRIVER_LABELS.items():
        header = layout.channel_driver_header_row(driver)
        labels += [
            (ASSUMPTIONS, header, LABEL_COLUMN, label),
            (ASSUMPTIONS, header, YEAR_INPUT_COLUMN, YEAR_INPUT_LABEL),
        ]
    blocks = {**MARKETING_BLOCKS, MARGINAL_ROAS: MARGINAL_BLOCK}
    for metric in layout.marketing_blocks:
        title, total = blocks[metric]
        labels += [
            (MARKETING, layout.block_title_row(metric), LABEL_COLUMN, title),
            (MARKETING, layout.block_total_row(metric), LABEL_COLUMN, total),
        ]
    if layout.curves:
        labels += [
            (ASSUMPTIONS, layout.curve_header_row, LABEL_COLUMN, CURVE_SECTION),
            (ASSUMPTIONS, layout.curve_header_row, YEAR_INPUT_COLUMN, CURVE_YEAR_LABEL),
            (ASSUMPTIONS, layout.demand_row, LABEL_COLUMN, DEMAND_LABEL),
        ]
        labels += [
            (ASSUMPTIONS, layout.curve_row(channel, parameter), KIND_COLUMN, label)
            for channel in layout.curves
            for parameter, label in CURVE_PARAMETERS.items()
        ]
    return labels
