"""The export formats and how each turns a report column into the cell PostgreSQL sends.

CSV bytes come from PostgreSQL itself (``COPY … TO STDOUT (FORMAT csv)``): the columns are wrapped in SQL so that
booleans read ``true``/``false``, arrays and objects are JSON, and text cells that a spreadsheet would run as a
formula get a leading ``'`` (reporting-api.md §8). The Python side only appends the rows it receives.
XLSX rows come as typed values (``COPY … (FORMAT binary)``) so numbers and booleans stay numbers and booleans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reporting.reports.declarations import FieldType

# Cells starting with one of these run as formulas in Excel/LibreOffice/Sheets (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The same characters as code points: ascii() reads the first one without building a new text value.
_FORMULA_CODES_SQL = ", ".join(str(ord(char)) for char in FORMULA_STARTS)


def neutralised_text_sql(expr: str) -> str:
    """``expr`` as text, prefixed with ``'`` when it begins like a formula; NULL stays NULL."""
    text = f"({expr})::text"
    return f"CASE WHEN ascii({text}) IN ({_FORMULA_CODES_SQL}) THEN '''' || {text} ELSE {text} END"


def may_look_like_formula(values: Sequence[str] | None) -> bool:
    """Whether a text column can hold a formula-like cell: any free text can; an enum only if a value does."""
    return values is None or any(value.startswith(FORMULA_STARTS) for value in values)


def csv_cell_sql(expr: str, field_type: FieldType, values: Sequence[str] | None = None) -> str:
    """The CSV cell of a column: SQL over an output column ``expr``; NULL becomes an empty cell.

    ``values`` are an enum column's declared values (the table's CHECK constraints hold it to them); an enum
    none of whose values looks like a formula needs no per-row test.
    """
    if field_type in (FieldType.STRING, FieldType.ENUM):
        if field_type is FieldType.ENUM and not may_look_like_formula(values):
            return f"({expr})::text"
        return neutralised_text_sql(expr)
    if field_type is FieldType.BOOLEAN:
        return f"({expr})::text"  # 'true' / 'false'
    if field_type is FieldType.INTEGER_ARRAY:
        # JSON of an integer array, built as text (cheaper than to_json); NULL elements stay null.
        return f"'[' || array_to_string({expr}, ',', 'null') || ']'"
    if field_type is FieldType.OBJECT:
        return f"({expr})::text"  # jsonb's own text form is JSON
    if field_type is FieldType.INTEGER:
        return expr
    # Timestamps arrive formatted as text by the report SQL (digits first, never formula-like).
    return f"({expr})::text"


# Binary COPY needs the exact wire type of every column, so each cell is cast to one of three.
_XLSX_CASTS: dict[FieldType, tuple[str, str]] = {
    FieldType.INTEGER: ("({expr})::bigint", "int8"),
    FieldType.BOOLEAN: ("({expr})::boolean", "bool"),
    FieldType.INTEGER_ARRAY: ("to_json({expr})::text", "text"),
    FieldType.OBJECT: ("({expr})::text", "text"),
    FieldType.STRING: ("({expr})::text", "text"),
    FieldType.ENUM: ("({expr})::text", "text"),
    FieldType.TIMESTAMP: ("({expr})::text", "text"),
}


def xlsx_cell_sql(expr: str, field_type: FieldType) -> tuple[str, str]:
    """(SQL, binary COPY type) of a column's XLSX cell. Strings are never formulas in XLSX, so no prefix."""
    template, wire_type = _XLSX_CASTS[field_type]
    return template.format(expr=expr), wire_type


@dataclass(frozen=True)
class ExportFormat:
    name: str
    extension: str
    content_type: str
    delimiter: str = ","
    bom: bool = False

    @property
    def is_csv(self) -> bool:
        return self.extension == "csv"


FORMATS: dict[str, ExportFormat] = {
    "csv": ExportFormat("csv", "csv", "text/csv; charset=utf-8"),
    # Excel in most European locales opens `;`-separated UTF-8 correctly only with a byte-order mark.
    "csv_excel": ExportFormat("csv_excel", "csv", "text/csv; charset=utf-8", delimiter=";", bom=True),
    "xlsx": ExportFormat("xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
DEFAULT_FORMAT = "csv"


def get_format(name: str) -> ExportFormat:
    return FORMATS[name]
