"""A workbook as plain data: its sheets' cells, styles, rules, page set-up and charts.

The sheet builders (``models.excel.assumptions`` and the others) describe
the plan workbook here, in Excel's 1-based rows and columns and its A1
references; ``models.excel.values`` evaluates its formulas and
``models.excel.writer`` writes it as an .xlsx file. Describing it as data
first lets every formula be evaluated before anything is written, so the file
is written once, each formula with its value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from models.excel.styles import FORMULA, LINK, Validation

# A formula that is nothing but a reference to a cell of another sheet (its negative too).
_SHEET_LINK = re.compile(r"=-?(?:'[^']+'|[A-Za-z_][\w.]*)!\$?[A-Z]{1,3}\$?[0-9]+")
_FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n")

Value = float | int | str | datetime | None
Align = Literal["left", "wrap"] | None


class Formula(str):
    """A cell's formula, with its leading '=': a cell's text is a plain ``str``, never one."""

    __slots__ = ()


@dataclass(slots=True)
class Cell:
    """One cell: its value (a ``Formula`` for a formula), named style and number format.

    A number format aligns the cell right unless its style is a header;
    ``align`` overrides that ("left", or "wrap": wrapped text at the top).
    ``quote`` marks text that would read as a formula if typed (a leading
    "=", "+", "-" or "@"): Excel shows it as written and never evaluates it.
    """

    value: Value
    style: str | None = None
    fmt: str | None = None
    align: Align = None
    quote: bool = False


@dataclass(frozen=True, slots=True)
class Series:
    """A chart series: one row's 12 months on a sheet, named by the row's label (column A)."""

    sheet: str
    row: int


@dataclass(slots=True)
class Chart:
    """A column chart (stacked or clustered) with an optional line chart over it."""

    title: str
    columns: list[Series]
    categories: tuple[str, int]  # (sheet, row) of the month header
    stacked: bool = False
    lines: list[Series] = field(default_factory=list)
    legend: Literal["right", "bottom"] = "bottom"
    width_cm: float = 25.0
    height_cm: float = 8.5
    money_format: str = "General"
    month_format: str = "mmm yy"


@dataclass(slots=True)
class PageSetup:
    """How a sheet prints: A4 landscape, fitted to ``pages_wide`` pages' width."""

    header_left: str = ""
    footer_left: str = ""
    title_rows: tuple[int, int] | None = None  # 1-based, inclusive
    title_columns: tuple[int, int] | None = None
    pages_wide: int = 1


class Sheet:
    """One worksheet's cells and settings, addressed as Excel does (1-based)."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.cells: dict[tuple[int, int], Cell] = {}
        self.merges: list[tuple[int, int, int, int]] = []
        self.widths: dict[str, float] = {}  # column letter: width in characters
        self.heights: dict[int, float] = {}
        self.validations: list[tuple[Validation, list[str]]] = []
        self.greyed: list[tuple[str, str]] = []  # (ranges, formula): grey where the formula holds
        self.freeze: str | None = None  # the top-left cell that scrolls: "D5"
        self.page = PageSetup()
        self.charts: list[tuple[int, Chart]] = []  # (row it starts on, chart), in column A
        self.row_breaks: list[int] = []  # a page break after each of these rows

    def style(self, row: int, column: int, style: str, fmt: str | None = None) -> Cell:
        """An empty cell in a style: a band's filler, an input left blank."""
        cell = self.cells[(row, column)] = Cell(None, style, fmt)
        return cell

    def text(self, row: int, column: int, text: str, style: str | None = None) -> Cell:
        """Text as text, never as a formula, whatever it starts with."""
        cell = self.cells[(row, column)] = Cell(
            text, style, None, None, text.startswith(_FORMULA_LEADS)
        )
        return cell

    def put(self, row: int, column: int, value: Value, style: str, fmt: str | None = None) -> Cell:
        """A number, a date, one of the product's formulas ('=...') or nothing, in a style.

        A formula in the formula style that is only a reference to another
        sheet's cell is a link, written in the link style (green), as finance's
        colour convention has it (inputs blue, formulas black, links green).
        """
        if isinstance(value, str):
            if style == FORMULA and _SHEET_LINK.fullmatch(value):
                style = LINK
            value = Formula(value)
        cell = self.cells[(row, column)] = Cell(value, style, fmt)
        return cell

    def validate(self, rule: Validation, ranges: list[str]) -> None:
        if ranges:
            self.validations.append((rule, ranges))


@dataclass(slots=True)
class Properties:
    """The file's document properties and custom properties."""

    title: str
    subject: str
    keywords: str
    description: str
    created: datetime
    author: str = "Budget planner"
    custom: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Book:
    """The workbook: sheets in order, defined names (name -> reference) and properties."""

    sheets: list[Sheet]
    names: dict[str, str]
    properties: Properties

    def __getitem__(self, title: str) -> Sheet:
        return next(sheet for sheet in self.sheets if sheet.title == title)
