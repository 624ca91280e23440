"""The *Exporter (CSV)* file: the columns of `ror-bot anomalies list --format csv`, written for
spreadsheet software (UTF-8 with BOM, `;` separator, no cell read as a formula)."""

import csv
import io
from collections.abc import Iterable

from bot.cli.output import CSV_COLUMNS
from domain.anomaly import Anomaly

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    """Text as a spreadsheet shows it, never as a formula (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def anomalies_csv(anomalies: Iterable[Anomaly]) -> tuple[bytes, int]:
    """The file's bytes and the number of anomalies in it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([header for header, _ in CSV_COLUMNS])
    count = 0
    for anomaly in anomalies:
        writer.writerow([_cell(value(anomaly)) for _, value in CSV_COLUMNS])
        count += 1
    return ("\ufeff" + buffer.getvalue()).encode("utf-8"), count
