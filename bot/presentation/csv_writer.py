"""The one CSV writer of the product (CLI `--format csv`, Slack *Exporter (CSV)*).

It streams: each row is written as it is read, so an export of a million anomalies never sits in memory.
No cell can be read as a formula by a spreadsheet (CSV injection): a cell starting with `= + - @`, a tab
or a carriage return gets a leading `'`, in every dialect."""

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from bot.presentation.anomalies import EXPORT_COLUMNS
from domain.anomaly import Anomaly

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class CsvDialect:
    delimiter: str
    byte_order_mark: bool


# Scripts and the command line: RFC 4180, comma separated, UTF-8.
PLAIN = CsvDialect(delimiter=",", byte_order_mark=False)
# Spreadsheet software set up for French (Excel, LibreOffice): `;` separated, with a BOM so the file is
# opened as UTF-8.
SPREADSHEET = CsvDialect(delimiter=";", byte_order_mark=True)


@dataclass(frozen=True, slots=True)
class Written:
    rows: int
    # True when `limit` stopped the writer before the end of the anomalies.
    truncated: bool


def neutralise(cell: str) -> str:
    """Text as a spreadsheet shows it, never as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def write_anomalies_csv(
    anomalies: Iterable[Anomaly], stream: TextIO, *, dialect: CsvDialect, limit: int | None = None
) -> Written:
    """A header row then one row per anomaly, at most `limit` rows; `stream` is opened with newline=""."""
    if dialect.byte_order_mark:
        stream.write("\ufeff")
    writer = csv.writer(stream, delimiter=dialect.delimiter, lineterminator="\r\n")
    writer.writerow([neutralise(header) for header, _ in EXPORT_COLUMNS])
    rows = 0
    for anomaly in anomalies:
        if limit is not None and rows >= limit:
            return Written(rows, truncated=True)
        writer.writerow([neutralise(value(anomaly)) for _, value in EXPORT_COLUMNS])
        rows += 1
    return Written(rows, truncated=False)
