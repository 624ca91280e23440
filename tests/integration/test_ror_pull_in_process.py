"""`ror-bot ror sync` reads the pull in a child process (rornational.read_ahead.PullInProcess): the same
pages in the same order as the client alone, the ROR national's failures raised as the same errors, and
no child left behind."""

import multiprocessing
from collections.abc import Iterator
from typing import Any

import pytest

from domain.errors import RorNationalError
from domain.habilitation import Perimeter
from rornational.read_ahead import PullInProcess


@pytest.fixture
def in_process(ror: Any) -> Iterator[PullInProcess]:
    with PullInProcess(ror) as source:
        yield source
    assert multiprocessing.active_children() == []


def add_tasks(standin: Any, count: int) -> None:
    for n in range(count):
        standin.add_task(
            focus_type="Organization", focus_value=f"1{n:09d}", region="76", description=f"n°{n}"
        )


def pages(source: Any, scope: Perimeter) -> list[list[tuple[str, str | None]]]:
    return [[(t.task_id, t.version) for t in page.tasks] for page in source.changed_since(None, scope=scope)]


def test_the_pages_come_in_order_as_the_client_alone_reads_them_and_one_child_serves_every_pull(
    standin: Any, ror: Any, in_process: PullInProcess
) -> None:
    add_tasks(standin, 450)
    tokens_before = standin.token_requests

    everywhere = pages(in_process, Perimeter.everywhere())
    region = pages(in_process, Perimeter.of_regions(["76"]))

    assert [len(p) for p in everywhere] == [200, 200, 50]
    assert everywhere == pages(ror, Perimeter.everywhere())
    assert region == pages(ror, Perimeter.of_regions(["76"]))
    assert standin.token_requests - tokens_before <= 2  # the child's own token, once for both pulls


def test_a_failure_of_the_ror_national_is_raised_as_the_same_error_and_the_next_pull_works(
    standin: Any, ror: Any, in_process: PullInProcess
) -> None:
    add_tasks(standin, 450)
    standin.fail(503, times=10, path="/anomalies/Task")  # the search itself: nothing served

    with pytest.raises(RorNationalError) as failure:
        pages(in_process, Perimeter.everywhere())
    with pytest.raises(RorNationalError) as alone:
        pages(ror, Perimeter.everywhere())

    assert type(failure.value) is type(alone.value)
    assert failure.value.message == alone.value.message
    standin.clear_faults()
    assert [len(p) for p in pages(in_process, Perimeter.everywhere())] == [200, 200, 50]


def test_a_caller_stopping_after_the_first_page_leaves_no_child_running(
    standin: Any, in_process: PullInProcess
) -> None:
    add_tasks(standin, 450)
    pull = in_process.changed_since(None, scope=Perimeter.everywhere())

    first = next(pull)
    pull.close()

    assert len(first.tasks) == 200
    assert multiprocessing.active_children() == []
