"""The *Exporter (CSV)* file of Slack: the matching anomalies written for spreadsheet software, row by row,
to a temporary file that is then uploaded from disk, so a million rows never sit in the serving process."""

import io
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from bot.presentation.csv_writer import SPREADSHEET, Written, write_anomalies_csv
from domain.anomaly import Anomaly

# An Excel sheet holds 1,048,576 rows, the header included: beyond, the file could not be opened whole.
EXPORT_MAX_ROWS = 1_048_575


@dataclass(frozen=True, slots=True)
class ExportFile:
    file: BinaryIO  # positioned at its start
    size: int
    written: Written


@contextmanager
def spreadsheet_export(anomalies: Iterable[Anomaly], *, limit: int = EXPORT_MAX_ROWS) -> Iterator[ExportFile]:
    """The CSV of `anomalies` (at most `limit` rows) in a temporary file, deleted on leaving."""
    with tempfile.TemporaryFile(prefix="ror-export-", suffix=".csv") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        written = write_anomalies_csv(anomalies, text, dialect=SPREADSHEET, limit=limit)
        text.flush()
        text.detach()  # the binary file stays open for the upload
        size = raw.tell()
        raw.seek(0)
        yield ExportFile(raw, size, written)
