"""The value of every formula of a plan workbook, saved in the file as its cached result.

A formula cell saved without a value shows empty to every reader that does not
recalculate: ``pandas.read_excel``, Power Query and Power BI, file previews.
The plan workbook's formulas use a small part of Excel (numbers, text, the
operators + - * / ^ & and comparisons, references and ranges on any sheet,
defined names, and IF, ISNUMBER, IFERROR, SUM, AVERAGE, SUMPRODUCT and DATE), so they are
evaluated here exactly as Excel defines them, and the writer
(``models.excel.writer``) saves each result beside its formula. Excel and LibreOffice recalculate on
opening as before; a test checks that LibreOffice's results equal these.

A formula outside that part raises ``UnsupportedFormulaError``: the export
fails loudly rather than write a wrong cached value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from datetime import date
from functools import lru_cache
from typing import Any

from openpyxl import Workbook
from openpyxl.utils.cell import column_index_from_string, get_column_letter

from models.excel.book import Book, Formula

_EXCEL_EPOCH = date(1899, 12, 30)


class UnsupportedFormulaError(ValueError):
    """A formula uses what this evaluator does not know."""


class FormulaError:
    """An Excel error value (#DIV/0!, #VALUE!, #NUM!): it spreads through what uses it."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __repr__(self) -> str:
        return self.code


_TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>"(?:[^"]|"")*")
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?
        \$?[A-Z]{1,3}\$?[0-9]+(?::\$?[A-Z]{1,3}\$?[0-9]+)?)
  | (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)
  | (?P<function>[A-Z][A-Z0-9.]*)\(
  | (?P<name>[A-Za-z_][\w.]*)
  | (?P<op><>|<=|>=|[-+*/^&=<>(),%])
    )""",
    re.VERBOSE,
)
_BINARY = {  # operator: (precedence, right-associative)
    "=": (1, False), "<>": (1, False), "<": (1, False), ">": (1, False),
    "<=": (1, False), ">=": (1, False), "&": (2, False), "+": (3, False), "-": (3, False),
    "*": (4, False), "/": (4, False), "^": (6, True),
}  # fmt: skip
_NEGATION = 7  # Excel's unary minus binds tighter than every operator, ^ too: -2^2 = 4


def _tokens(formula: str) -> list[tuple[str, str]]:
    found, at = [], 0
    text = formula.rstrip()
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            raise UnsupportedFormulaError(f"cannot read {text[at : at + 20]!r} in ={formula}")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        at = match.end()
    return found


# A compiled formula: its value, given the evaluator and where the formula is (sheet, row,
# column), against which its relative references are resolved.
At = tuple[str, int, int]
Node = Callable[["_Evaluator", At], Any]


class _Parser:
    """Formula text -> a function of (evaluator, sheet) that gives its value."""

    def __init__(self, formula: str) -> None:
        self.formula = formula
        self.tokens = _tokens(formula)
        self.at = 0

    def parse(self) -> Node:
        node = self._expression(0)
        if self.at != len(self.tokens):
            raise UnsupportedFormulaError(
                f"unexpected {self.tokens[self.at][1]!r} in ={self.formula}"
            )
        return node

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise UnsupportedFormulaError(f"={self.formula} ends too early")
        self.at += 1
        return token

    def _expect(self, text: str) -> None:
        _, value = self._take()
        if value != text:
            raise UnsupportedFormulaError(f"expected {text!r}, found {value!r} in ={self.formula}")

    def _expression(self, floor: int) -> Node:
        left = self._unary()
        while (token := self._peek()) is not None and token[0] == "op" and token[1] in _BINARY:
            precedence, right_assoc = _BINARY[token[1]]
            if precedence < floor:
                break
            self.at += 1
            right = self._expression(precedence if right_assoc else precedence + 1)
            left = _binary(token[1], left, right)
        return left

    def _unary(self) -> Node:
        token = self._peek()
        if token == ("op", "-"):
            self.at += 1
            operand = self._expression(_NEGATION)
            return lambda ev, at: _arith("-", 0.0, operand(ev, at))
        if token == ("op", "+"):
            self.at += 1
            return self._expression(_NEGATION)
        return self._primary()

    def _primary(self) -> Node:
        kind, value = self._take()
        if kind == "number":
            number = float(value)
            return lambda ev, at: number
        if kind == "string":
            text = value[1:-1].replace('""', '"')
            return lambda ev, at: text
        if kind == "ref":
            return _reference(value)
        if kind == "name":
            if value.upper() in ("TRUE", "FALSE"):
                flag = value.upper() == "TRUE"
                return lambda ev, at: flag
            return lambda ev, at: ev.defined_name(value)
        if kind == "function":
            return self._call(value)
        if (kind, value) == ("op", "("):
            inner = self._expression(0)
            self._expect(")")
            return inner
        raise UnsupportedFormulaError(f"unexpected {value!r} in ={self.formula}")

    def _call(self, name: str) -> Node:
        arguments: list[Node] = []
        if self._peek() == ("op", ")"):
            self.at += 1
        else:
            while True:
                arguments.append(self._expression(0))
                _, value = self._take()
                if value == ")":
                    break
                if value != ",":
                    raise UnsupportedFormulaError(f"expected ',' or ')' in ={self.formula}")
        function = _FUNCTIONS.get(name)
        if function is None:
            raise UnsupportedFormulaError(f"the function {name} in ={self.formula}")
        return function(arguments)


class _Range:
    """Cells of a rectangle on one sheet, read when a function asks for them."""

    def __init__(self, sheet: str, bounds: tuple[int, int, int, int]) -> None:
        self.sheet, self.bounds = sheet, bounds

    def values(self, ev: _Evaluator) -> Iterator[Any]:
        first_column, first_row, last_column, last_row = self.bounds
        for row in range(first_row, last_row + 1):
            for column in range(first_column, last_column + 1):
                yield ev.value(self.sheet, row, column)


def _split_sheet(text: str) -> tuple[str | None, str]:
    if "!" not in text:
        return None, text
    sheet, _, where = text.rpartition("!")
    if sheet.startswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, where


# Formulas are compiled once per shape: each relative reference is first moved as if the
# formula stood at this cell, so that =D5*D9 in D12 and =E5*E9 in E12 read the same.
_ORIGIN_ROW, _ORIGIN_COLUMN = 100_000, 1_000
_CELL = re.compile(r"(?<![\w$.'\"])(\$?)([A-Z]{1,3})(\$?)([0-9]{1,7})(?![\w(!])")


def _moved(formula: str, row: int, column: int) -> str:
    """``formula`` of the cell (row, column) with its relative parts moved to the origin."""

    def move(match: re.Match[str]) -> str:
        column_absolute, letters, row_absolute, digits = match.groups()
        if not column_absolute:
            letters = get_column_letter(column_index_from_string(letters) - column + _ORIGIN_COLUMN)
        if not row_absolute:
            digits = str(int(digits) - row + _ORIGIN_ROW)
        return f"{column_absolute}{letters}{row_absolute}{digits}"

    return _CELL.sub(move, formula)


def _corner(text: str) -> Callable[[At], tuple[int, int]]:
    """A cell reference ("$D5") as a function of where the formula is: its (row, column)."""
    match = re.fullmatch(r"(\$?)([A-Z]{1,3})(\$?)([0-9]+)", text)
    if match is None:
        raise UnsupportedFormulaError(f"the reference {text}")
    column_absolute, letters, row_absolute, digits = match.groups()
    row, column = int(digits), column_index_from_string(letters)
    row_shift = 0 if row_absolute else row - _ORIGIN_ROW
    column_shift = 0 if column_absolute else column - _ORIGIN_COLUMN
    if row_absolute and column_absolute:
        return lambda at: (row, column)
    return lambda at: (
        row if row_absolute else at[1] + row_shift,
        column if column_absolute else at[2] + column_shift,
    )


def _reference(text: str) -> Node:
    named, where = _split_sheet(text)
    corners = [_corner(part) for part in where.split(":")]
    if len(corners) == 2:
        first, last = corners

        def cells(ev: _Evaluator, at: At) -> Any:
            (r1, c1), (r2, c2) = first(at), last(at)
            box = (min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2))
            return _Range(named or at[0], box)

        return cells
    (corner,) = corners

    def cell(ev: _Evaluator, at: At) -> Any:
        row, column = corner(at)
        return ev.value(named or at[0], row, column)

    return cell


def _scalar(value: Any, ev: _Evaluator) -> Any:
    if isinstance(value, _Range):
        cells = list(value.values(ev))
        if len(cells) != 1:
            return FormulaError("#VALUE!")
        return cells[0]
    return value


def _number(value: Any) -> float | FormulaError:
    """A value as arithmetic reads it: empty is 0, TRUE 1, numeric text its number."""
    if isinstance(value, FormulaError):
        return value
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return FormulaError("#VALUE!")


def _arith(op: str, left: Any, right: Any) -> Any:
    a, b = _number(left), _number(right)
    if isinstance(a, FormulaError):
        return a
    if isinstance(b, FormulaError):
        return b
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return FormulaError("#DIV/0!") if b == 0 else a / b
    try:
        result = a**b
    except (OverflowError, ZeroDivisionError):
        return FormulaError("#NUM!")
    if isinstance(result, complex) or not math.isfinite(result):
        return FormulaError("#NUM!")
    return result


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _compare(op: str, left: Any, right: Any) -> Any:
    for value in (left, right):
        if isinstance(value, FormulaError):
            return value

    def rank(value: Any) -> tuple[int, Any]:
        # Excel orders numbers < text < logical values; an empty cell is 0 or "".
        if isinstance(value, bool):
            return 2, value
        if isinstance(value, str):
            return 1, value.casefold()
        return 0, float(value)

    if left is None:
        left = "" if isinstance(right, str) else 0.0
    if right is None:
        right = "" if isinstance(left, str) else 0.0
    a, b = rank(left), rank(right)
    return {
        "=": a == b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b
    }[op]  # fmt: skip


def _binary(op: str, left: Node, right: Node) -> Node:
    def evaluate(ev: _Evaluator, at: At) -> Any:
        a, b = _scalar(left(ev, at), ev), _scalar(right(ev, at), ev)
        if op == "&":
            for value in (a, b):
                if isinstance(value, FormulaError):
                    return value
            return _text(a) + _text(b)
        if op in ("=", "<>", "<", ">", "<=", ">="):
            return _compare(op, a, b)
        return _arith(op, a, b)

    return evaluate


def _truth(value: Any) -> bool | FormulaError:
    if isinstance(value, FormulaError):
        return value
    if isinstance(value, str):
        if value.upper() in ("TRUE", "FALSE"):
            return value.upper() == "TRUE"
        return FormulaError("#VALUE!")
    return bool(value)


def _if(arguments: list[Node]) -> Node:
    if not 2 <= len(arguments) <= 3:
        raise UnsupportedFormulaError("IF takes two or three arguments")
    test, then = arguments[0], arguments[1]
    otherwise = arguments[2] if len(arguments) == 3 else (lambda ev, at: False)

    def evaluate(ev: _Evaluator, at: At) -> Any:
        truth = _truth(_scalar(test(ev, at), ev))
        if isinstance(truth, FormulaError):
            return truth
        chosen = _scalar((then if truth else otherwise)(ev, at), ev)
        return 0.0 if chosen is None else chosen

    return evaluate


def _isnumber(arguments: list[Node]) -> Node:
    (argument,) = arguments

    def evaluate(ev: _Evaluator, at: At) -> Any:
        value = _scalar(argument(ev, at), ev)
        return isinstance(value, int | float) and not isinstance(value, bool)

    return evaluate


def _iferror(arguments: list[Node]) -> Node:
    value, fallback = arguments

    def evaluate(ev: _Evaluator, at: At) -> Any:
        result = _scalar(value(ev, at), ev)
        if isinstance(result, FormulaError):
            return _scalar(fallback(ev, at), ev)
        return 0.0 if result is None else result

    return evaluate


def _sum(arguments: list[Node]) -> Node:
    def evaluate(ev: _Evaluator, at: At) -> Any:
        total = 0.0
        for argument in arguments:
            value = argument(ev, at)
            values = value.values(ev) if isinstance(value, _Range) else [value]
            for item in values:
                if isinstance(item, FormulaError):
                    return item
                # A range's text and logical values are skipped, as Excel's SUM does.
                if isinstance(item, int | float) and not isinstance(item, bool):
                    total += item
                elif not isinstance(value, _Range) and item is not None:
                    number = _number(item)
                    if isinstance(number, FormulaError):
                        return number
                    total += number
        return total

    return evaluate


def _numbers_of(value: Any, ev: _Evaluator) -> list[Any]:
    """A range's cells (or one value) as a list, for the functions that take ranges."""
    return list(value.values(ev)) if isinstance(value, _Range) else [value]


def _average(arguments: list[Node]) -> Node:
    def evaluate(ev: _Evaluator, at: At) -> Any:
        numbers = []
        for argument in arguments:
            for item in _numbers_of(argument(ev, at), ev):
                if isinstance(item, FormulaError):
                    return item
                if isinstance(item, int | float) and not isinstance(item, bool):
                    numbers.append(float(item))
        return sum(numbers) / len(numbers) if numbers else FormulaError("#DIV/0!")

    return evaluate


def _sumproduct(arguments: list[Node]) -> Node:
    def evaluate(ev: _Evaluator, at: At) -> Any:
        columns = [_numbers_of(argument(ev, at), ev) for argument in arguments]
        if len({len(column) for column in columns}) != 1:
            return FormulaError("#VALUE!")
        total = 0.0
        for items in zip(*columns, strict=True):
            product = 1.0
            for item in items:
                if isinstance(item, FormulaError):
                    return item
                # Text, logical values and empty cells count as 0, as Excel's SUMPRODUCT has it.
                is_number = isinstance(item, int | float) and not isinstance(item, bool)
                product *= float(item) if is_number else 0.0
            total += product
        return total

    return evaluate


def _date(arguments: list[Node]) -> Node:
    year, month, day = arguments

    def evaluate(ev: _Evaluator, at: At) -> Any:
        parts = [_number(_scalar(part(ev, at), ev)) for part in (year, month, day)]
        for part in parts:
            if isinstance(part, FormulaError):
                return part
        y, m, d = (int(part) for part in parts)  # type: ignore[arg-type]
        if 0 <= y < 1900:  # Excel reads a year below 1900 as that many years after 1900
            y += 1900
        y, m = y + (m - 1) // 12, (m - 1) % 12 + 1  # months beyond 12 roll into next years
        if not 1900 <= y <= 9999:
            return FormulaError("#NUM!")
        return float((date(y, m, 1) - _EXCEL_EPOCH).days + d - 1)

    return evaluate


_FUNCTIONS: dict[str, Callable[[list[Node]], Node]] = {
    "IF": _if, "ISNUMBER": _isnumber, "IFERROR": _iferror, "SUM": _sum, "DATE": _date,
    "AVERAGE": _average, "SUMPRODUCT": _sumproduct,
}  # fmt: skip


@lru_cache(maxsize=50_000)
def _compiled(formula: str) -> Node:
    """A formula's text (moved to the origin, see ``_moved``) compiled once: the same text
    means the same on every sheet and in every cell it is in."""
    return _Parser(formula).parse()


@lru_cache(maxsize=200_000)
def _compiled_at(formula: str, row: int, column: int) -> Node:
    """The compiled formula of the cell (row, column): a plan's layout writes the same formulas
    in the same cells every export, so each is moved to the origin once."""
    return _compiled(_moved(formula[1:], row, column))


class _Evaluator:
    """Every cell's value, formulas evaluated once each (memoised)."""

    def __init__(self, cells: dict[str, dict[tuple[int, int], Any]], names: dict[str, str]) -> None:
        self.results: dict[tuple[str, int, int], Any] = {}
        self._pending: set[tuple[str, int, int]] = set()
        self._cells = cells
        self._defined = names
        self._names: dict[str, Node] = {}

    def value(self, sheet: str, row: int, column: int) -> Any:
        key = (sheet, row, column)
        found = self.results.get(key, _MISSING)
        if found is not _MISSING:
            return found
        raw = self._cells[sheet].get((row, column))
        if not isinstance(raw, Formula):
            if isinstance(raw, int | float) and not isinstance(raw, bool):
                return float(raw)
            return raw
        if key in self._pending:
            raise UnsupportedFormulaError(f"a circular reference through {sheet} row {row}")
        self._pending.add(key)
        result = _scalar(_compiled_at(raw, row, column)(self, key), self)
        self._pending.discard(key)
        self.results[key] = 0.0 if result is None else result
        return self.results[key]

    def defined_name(self, name: str) -> Any:
        node = self._names.get(name)
        if node is None:
            defined = self._defined.get(name)
            if defined is None:
                return FormulaError("#NAME?")
            node = self._names[name] = _reference(defined)
        return node(self, ("", _ORIGIN_ROW, _ORIGIN_COLUMN))


_MISSING = object()


def formula_values(book: Book | Workbook) -> dict[tuple[str, int, int], Any]:
    """(sheet, row, column) -> the value of every formula cell of ``book``.

    ``book`` is the plan workbook as data (``models.excel.book``) or any
    openpyxl workbook (a formula is a cell of type "f").
    """
    if isinstance(book, Book):
        cells = {sheet.title: {at: cell.value for at, cell in sheet.cells.items()}
                 for sheet in book.sheets}  # fmt: skip
        names = book.names
    else:
        cells = {
            sheet.title: {
                at: Formula(cell._value) if cell.data_type == "f" else cell._value
                for at, cell in sheet._cells.items()
            }
            for sheet in book.worksheets
        }
        names = {name: str(defined.attr_text) for name, defined in book.defined_names.items()}
    evaluator = _Evaluator(cells, names)
    for title, sheet_cells in cells.items():
        for (row, column), value in sheet_cells.items():
            if isinstance(value, Formula):
                evaluator.value(title, row, column)
    return evaluator.results
