"""Hostile uploads, made on the spot: workbooks, plan files and curves CSVs that once
exhausted the server or crashed it. Shared by the tests and ``benchmarks.hostile``.

Each builder returns the file's bytes; none is kept in the repository.
"""

from __future__ import annotations

import io
import json
import re
import zipfile

import openpyxl

from budgets import plan_to_json
from budgets.samples import largest_plan, sample_plan
from models.excel.export import plan_workbook
from models.excel.reader import MAX_XML_TAGS

MB = 1024 * 1024
MARKETING_PART = "xl/worksheets/sheet3.xml"


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info.filename) for info in archive.infolist()}


def _zipped(parts: dict[str, bytes], level: int = 6) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def sample_workbook() -> bytes:
    return plan_workbook(sample_plan())


def far_away_cell(row: int = 10_000_000, dimension: bool = True) -> bytes:
    """The sample's workbook with one more cell, at ``row`` of the Marketing plan (beyond
    what Excel allows, as a crafted file may). With ``dimension`` the sheet declares that
    row in its dimension, as Excel would; without, only reading the rows finds it."""
    parts = _parts(sample_workbook())
    sheet = parts[MARKETING_PART]
    if dimension:
        sheet = re.sub(
            rb'<dimension ref="A1:([A-Z]+)\d+"', rf'<dimension ref="A1:\g<1>{row}"'.encode(), sheet
        )
    else:
        sheet = re.sub(rb"<dimension [^>]*/>", b"", sheet)
    cell = f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>note</t></is></c></row>'
    parts[MARKETING_PART] = sheet.replace(b"</sheetData>", cell.encode() + b"</sheetData>")
    return _zipped(parts)


def far_away_cell_without_dimension(row: int = 1_000_000_000) -> bytes:
    return far_away_cell(row, dimension=False)


def _filler_rows(first_row: int, target_bytes: int, columns: int = 16) -> bytes:
    """Rows of small numeric cells from ``first_row`` on, about ``target_bytes`` of XML."""
    chunks: list[bytes] = []
    size = 0
    row = first_row
    while size < target_bytes:
        cells = "".join(
            f'<c r="{_letter(c)}{row}"><v>{row % 97}</v></c>' for c in range(1, columns)
        )
        chunk = f'<row r="{row}">{cells}</row>'.encode()
        chunks.append(chunk)
        size += len(chunk)
        row += 1
    return b"".join(chunks)


def _letter(column: int) -> str:
    return openpyxl.utils.get_column_letter(column)


def inflated_sheet(unpacked_mb: int = 95) -> bytes:
    """The sample's workbook whose Marketing plan sheet unpacks to ``unpacked_mb`` MB of
    varied cells, compressed about 10:1 (under the zip-bomb ratio)."""
    parts = _parts(sample_workbook())
    filler = _filler_rows(2_000, unpacked_mb * MB)
    parts[MARKETING_PART] = parts[MARKETING_PART].replace(b"</sheetData>", filler + b"</sheetData>")
    return _zipped(parts, level=1)


def dense_sheet_under_the_tag_limit() -> bytes:
    """The sample's workbook whose Marketing plan rows are padded with small cells until
    the workbook holds just under the tag limit: the most XML a workbook may make the
    parser read."""
    parts = _parts(sample_workbook())
    tags = sum(content.count(b"<") for content in parts.values())
    room = MAX_XML_TAGS - tags - 1_000
    sheet = parts[MARKETING_PART]
    # Each padded row: <row>, 15 cells of <c>, <v>, </v>, </c>, </row> = 62 tags.
    rows = room // 62
    filler = b"".join(
        f'<row r="{200 + r}">'.encode()
        + "".join(f'<c r="{_letter(c)}{200 + r}"><v>1</v></c>' for c in range(1, 16)).encode()
        + b"</row>"
        for r in range(rows)
    )
    sheet = re.sub(rb"<dimension [^>]*/>", b"", sheet)
    parts[MARKETING_PART] = sheet.replace(b"</sheetData>", filler + b"</sheetData>")
    return _zipped(parts)


def largest_workbook() -> bytes:
    return plan_workbook(largest_plan())


def deep_json(depth: int = 100_000) -> bytes:
    return ("[" * depth + "]" * depth).encode()


def big_integer_json(digits: int = 5_000) -> bytes:
    data = json.loads(plan_to_json(sample_plan()))
    text = json.dumps(data)
    return text.replace('"fiscal_year": 2027', f'"fiscal_year": {"9" * digits}').encode()


def unknown_field_json(megabytes: float = 9.5) -> bytes:
    data = json.loads(plan_to_json(sample_plan()))
    data["notes"] = "x" * int(megabytes * MB)
    return json.dumps(data).encode()


def surrogate_name_json() -> bytes:
    data = json.loads(plan_to_json(sample_plan()))
    text = json.dumps(data, ensure_ascii=True)
    name = json.dumps(data["marketing"]["channels"][0]["name"], ensure_ascii=True)
    return text.replace(name, '"Search \\ud800"', 1).encode()


def wide_csv_header(columns: int = 1_000_000) -> bytes:
    return (",".join(f"c{i}" for i in range(columns)) + "\n2026-01,A,1,2\n").encode()


def long_csv(megabytes: float = 10.0) -> bytes:
    """A CSV of valid rows (month, channel, spend, revenue) just under ``megabytes`` MB."""
    header = "month,channel,spend,revenue\n"
    rows: list[str] = []
    size = len(header)
    index = 0
    while True:
        row = f"2026-{index % 12 + 1:02d},Channel {index // 12},{1000 + index % 12 * 50},4200\n"
        if size + len(row) > megabytes * MB - 1:
            break
        rows.append(row)
        size += len(row)
        index += 1
    return (header + "".join(rows)).encode()


def largest_csv(rows: int = 20_000) -> bytes:
    """The largest history file allowed: ``rows`` valid rows over 150 channels."""
    header = "month,channel,spend,revenue\n"
    body = "".join(
        f"{2017 + index // 1800}-{index % 12 + 1:02d},Channel {index // 12 % 150},"
        f"{1000 + index % 12 * 400},{3000 + index % 12 * 700}\n"
        for index in range(rows)
    )
    return (header + body).encode()


def long_channel_name_csv(megabytes: float = 10.0) -> bytes:
    name = "x" * (int(megabytes * MB) - 100)
    return f"month,channel,spend,revenue\n2026-01,{name},1000,4000\n".encode()


def nul_header_csv() -> bytes:
    return b"month\x00,channel,spend,revenue\n2026-01,A,1000,4000\n"


def overflowing_csv() -> bytes:
    header = "month,channel,spend,revenue\n"
    return (
        header + "".join(f"2026-{m:02d},Search,{1000 * m},{1e306 * m / 2}\n" for m in range(1, 13))
    ).encode()
