"""The Slack export streams: rows go to a temporary file as they are read, and the file goes to Slack in
blocks, so the serving process's memory stays flat whatever the number of anomalies (a million rows would
be ~270 MB held at once otherwise)."""

import dataclasses
import json
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk import WebClient

from bot.csv_export import spreadsheet_export
from bot.slack_files import upload_file
from domain.anomaly import Anomaly
from domain.services import DeclarationRequest, DeclaredItem, declare_anomalies
from tests.builders import a_member, narbonne
from tests.fakes import FakeUnitOfWork, FixedClock


def template() -> Anomaly:
    request = DeclarationRequest("1110000056", None, (DeclaredItem("Adresse établissement", "x"),))
    [anomaly] = declare_anomalies(
        request=request,
        member=a_member({"76"}),
        uow=FakeUnitOfWork([narbonne()]),
        clock=FixedClock(),
        system="t",
    )
    return anomaly


def generated(count: int) -> Iterator[Anomaly]:
    """`count` distinct anomalies, made one at a time as the reader asks (like the store's keyset pages)."""
    base = template()
    for number in range(count):
        yield dataclasses.replace(
            base,
            reference=f"ANO_{100_000_000_000 + number:012d}",
            description=f"Le numéro de rue manque, l'adresse est incomplète (cas n° {number}). " * 3,
        )


class DiscardingSlack(BaseHTTPRequestHandler):
    """The three Web API steps of an upload; the file's bytes are read in blocks and thrown away."""

    received = 0

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if self.path.startswith("/upload"):
            while length:
                length -= len(self.rfile.read(min(length, 65536)))
            body = b"OK"
        else:
            self.rfile.read(length)
            host = f"http://127.0.0.1:{self.server.server_address[1]}"
            answer = {"ok": True, "upload_url": f"{host}/upload", "file_id": "F1", "files": [{"id": "F1"}]}
            body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slack_client() -> Iterator[WebClient]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), DiscardingSlack)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield WebClient(token="xoxb-test", base_url=f"http://127.0.0.1:{server.server_address[1]}/api/")
    server.shutdown()
    server.server_close()


def peak_bytes(work: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        work()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def export_and_upload(client: WebClient, count: int) -> int:
    with spreadsheet_export(generated(count)) as export:
        assert export.written.rows == count
        upload_file(
            client,
            file=export.file,
            size=export.size,
            filename="anomalies.csv",
            title="Anomalies",
            channel_id="D1",
            initial_comment="Export CSV",
        )
        return export.size


def test_exporting_ten_times_more_rows_does_not_take_more_memory(slack_client: WebClient) -> None:
    sizes: dict[int, int] = {}
    small = peak_bytes(lambda: sizes.setdefault(2_000, export_and_upload(slack_client, 2_000)))
    large = peak_bytes(lambda: sizes.setdefault(20_000, export_and_upload(slack_client, 20_000)))

    assert sizes[20_000] > 9_000_000  # the file itself: over 9 MB
    print(f"peak {small:,} B for 2,000 rows, {large:,} B for 20,000 rows ({sizes[20_000]:,}-byte file)")
    assert large < 1_500_000, f"{large:,} bytes at the peak for a {sizes[20_000]:,}-byte file"
    assert large < small + 512_000  # flat: the peak does not grow with the rows
