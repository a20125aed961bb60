"""File writers: CSV rows appended as PostgreSQL sends them; XLSX rows streamed into the zip as sheet XML.

Both write to a path they are given (a temporary file) and keep memory constant however many rows arrive: CSV
holds a buffer of bytes, XLSX a buffer of at most 512 rows of XML and the zip's deflate state (strings are written
inline, so there is no shared-string table to grow).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from reporting.exports.sources import Column
from reporting.reports.declarations import FieldType

_BUFFER_BYTES = 1 << 20
_UTF8_BOM = b"\xef\xbb\xbf"
# Integers beyond 2**53 lose digits as Excel numbers (doubles), so they are written as text instead.
_EXACT_DOUBLE = 2**53


def csv_header(names: Sequence[str], *, delimiter: str) -> bytes:
    """The header row, quoted by the same rules as PostgreSQL's CSV rows, ending in ``\\n`` like them."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerow(names)
    return buffer.getvalue().encode()


class _AllOrNothing:
    """``with`` a writer: closed (complete) when the block succeeds, discarded when it or the close fails."""

    def close(self) -> None:
        raise NotImplementedError

    def discard(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if kind is not None:
            self.discard()
            return
        try:
            self.close()
        except BaseException:
            self.discard()
            raise


class CsvFile(_AllOrNothing):
    """A CSV file: optional BOM and the header, then rows exactly as PostgreSQL formatted them."""

    def __init__(self, path: Path, header: Sequence[str], *, delimiter: str, bom: bool):
        self.path = path
        self.handle: IO[bytes] = path.open("wb", buffering=_BUFFER_BYTES)
        if bom:
            self.handle.write(_UTF8_BOM)
        self.handle.write(csv_header(header, delimiter=delimiter))

    def close(self) -> None:
        """Flush and fsync, so a published file is complete on disk."""
        if self.handle.closed:
            return
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()

    def discard(self) -> None:
        if not self.handle.closed:
            self.handle.close()
        self.path.unlink(missing_ok=True)


class XlsxFile(_AllOrNothing):
    """An XLSX workbook streamed row by row; past ``sheet_max_rows`` (header included) it goes on a new sheet.

    XlsxWriter builds the package around the rows (content types, workbook, styles, a bold header row per sheet),
    so the parts Excel is particular about come from a library made for it; the rows themselves are streamed into
    the zip as XML by this class, about twenty times faster than XlsxWriter's cell-by-cell API and with nothing
    kept in memory or in temporary files. ``rows_total`` (exact: it comes from the same snapshot as the rows)
    fixes the sheet count and each sheet's dimension up front; writing a different number of rows is an error.
    """

    def __init__(self, path: Path, columns: Sequence[Column], *, sheet_max_rows: int, rows_total: int):
        if sheet_max_rows < 2:
            raise ValueError("a sheet needs room for the header and one row")
        self.path = path
        self.rows_total = rows_total
        self.per_sheet = sheet_max_rows - 1
        self.sheet_count = max(1, -(-rows_total // self.per_sheet))
        self.letters = [xl_col_to_name(index) for index in range(len(columns))]
        self.cells = [_CELL_WRITERS.get(column.type, _text_cell) for column in columns]
        self.skeleton = _skeleton([column.name for column in columns], self.sheet_count)
        # Zip64 headers only when a sheet could pass 2 GiB: some Excel versions dislike them on small files.
        self.zip64 = rows_total * max(1, len(columns)) > 10_000_000
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self.rows_written = 0
        self.sheet = 0
        self.sheet_rows = 0
        self.handle: IO[bytes] | None = None
        self.suffix = b""
        self.buffer: list[str] = []
        for name in self.skeleton.names:
            if name.startswith("xl/worksheets/"):
                break
            self.zip.writestr(self.skeleton.infos[name], self.skeleton.parts[name])
        self._next_sheet()

    def _next_sheet(self) -> None:
        self._end_sheet()
        self.sheet += 1
        rows = min(self.per_sheet, self.rows_total - (self.sheet - 1) * self.per_sheet)
        last = f"{self.letters[-1] if self.letters else 'A'}{max(rows, 0) + 1}"
        xml = self.skeleton.parts[f"xl/worksheets/sheet{self.sheet}.xml"].decode()
        xml = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', xml, count=1)
        head, _, tail = xml.partition("</sheetData>")
        self.handle = self.zip.open(f"xl/worksheets/sheet{self.sheet}.xml", "w", force_zip64=self.zip64)
        self.handle.write(head.encode())
        self.suffix = ("</sheetData>" + tail).encode()
        self.sheet_rows = 0

    def _flush(self) -> None:
        if self.buffer and self.handle is not None:
            self.handle.write("".join(self.buffer).encode())
            self.buffer.clear()

    def _end_sheet(self) -> None:
        if self.handle is None:
            return
        self._flush()
        self.handle.write(self.suffix)
        self.handle.close()
        self.handle = None

    def write_row(self, values: Sequence[Any]) -> None:
        if self.sheet_rows >= self.per_sheet:
            self._next_sheet()
        self.sheet_rows += 1
        self.rows_written += 1
        number = str(self.sheet_rows + 1)
        cells = [
            write(letter, number, value)
            for write, letter, value in zip(self.cells, self.letters, values, strict=True)
            if value is not None
        ]
        self.buffer.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(self.buffer) >= 512:
            self._flush()

    def close(self) -> None:
        if self.zip.fp is None:
            return
        if self.rows_written != self.rows_total:
            raise RuntimeError(f"{self.rows_written} rows written where {self.rows_total} were counted")
        self._end_sheet()
        while self.sheet < self.sheet_count:  # only when rows_total is 0 and the counts disagree, never here
            self._next_sheet()
            self._end_sheet()
        for name in self.skeleton.names:
            if name.startswith(("[Content_Types]", "_rels/", "xl/_rels/", "xl/worksheets/")):
                continue
            self.zip.writestr(self.skeleton.infos[name], self.skeleton.parts[name])
        self.zip.close()
        with self.path.open("rb+") as handle:
            os.fsync(handle.fileno())

    def discard(self) -> None:
        try:
            if self.handle is not None:
                with contextlib.suppress(Exception):
                    self.handle.close()
            with contextlib.suppress(Exception):
                self.zip.close()
        finally:
            self.path.unlink(missing_ok=True)


class _Skeleton:
    def __init__(self, data: bytes):
        archive = zipfile.ZipFile(io.BytesIO(data))
        self.names = [info.filename for info in archive.infolist()]
        self.infos = {info.filename: info for info in archive.infolist()}
        self.parts = {name: archive.read(name) for name in self.names}


def _skeleton(header: Sequence[str], sheets: int) -> _Skeleton:
    """An XlsxWriter workbook with ``sheets`` sheets holding only the bold header row."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = workbook.add_format({"bold": True})
    for number in range(1, sheets + 1):
        sheet = workbook.add_worksheet("Export" if number == 1 else f"Export ({number})")
        for index, name in enumerate(header):
            sheet.write_string(0, index, name, bold)
    workbook.close()
    return _Skeleton(buffer.getvalue())


# Text that XML cannot carry as is: markup characters, control characters (CR too, which XML would normalise
# away) and literal "_xHHHH_" sequences, which Excel would otherwise decode (ECMA-376 ST_Xstring).
_XML_UNSAFE = re.compile(r"[&<>\x00-\x08\x0b-\x1f]|_x[0-9A-Fa-f]{4}_")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_EXCEL_MAX_TEXT = 32_767  # UTF-16 code units in one cell


def _escape_match(match: re.Match[str]) -> str:
    text = match.group(0)
    if text in _ENTITIES:
        return _ENTITIES[text]
    if len(text) == 1:
        return f"_x{ord(text):04X}_"
    return "_x005F" + text


def _xml_text(value: str) -> str:
    if len(value) > _EXCEL_MAX_TEXT // 2 and len(value.encode("utf-16-le")) > 2 * _EXCEL_MAX_TEXT:
        value = value.encode("utf-16-le")[: 2 * _EXCEL_MAX_TEXT].decode("utf-16-le", errors="ignore")
    return value if _XML_UNSAFE.search(value) is None else _XML_UNSAFE.sub(_escape_match, value)


def _text_cell(letter: str, row: str, value: Any) -> str:
    return f'<c r="{letter}{row}" t="inlineStr"><is><t xml:space="preserve">{_xml_text(str(value))}</t></is></c>'


def _integer_cell(letter: str, row: str, value: int) -> str:
    if -_EXACT_DOUBLE < value < _EXACT_DOUBLE:
        return f'<c r="{letter}{row}"><v>{value}</v></c>'
    return _text_cell(letter, row, str(value))


def _boolean_cell(letter: str, row: str, value: bool) -> str:
    return f'<c r="{letter}{row}" t="b"><v>{1 if value else 0}</v></c>'


_CELL_WRITERS = {FieldType.INTEGER: _integer_cell, FieldType.BOOLEAN: _boolean_cell}
