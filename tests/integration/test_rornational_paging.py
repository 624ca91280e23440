"""Following the ROR national: Tasks changed since a watermark, per perimeter (région `_tag` search per
focus type, or all), page by page past 200 entries, through a token expiry."""

from datetime import timedelta

from domain.habilitation import Perimeter
from domain.rornational import TaskPage, Watermark


def add_tasks(standin, count: int, *, region: str = "76", focus_type: str = "Organization") -> list[dict]:
    return [
        standin.add_task(focus_type=focus_type, focus_value=f"1{n:09d}", region=region, description=f"n°{n}")
        for n in range(count)
    ]


def test_450_tasks_come_in_three_pages_and_only_the_last_moves_the_watermark(standin, ror):
    created = add_tasks(standin, 450)

    pages = list(ror.changed_since(None, scope=Perimeter.everywhere()))

    assert [len(p.tasks) for p in pages] == [200, 200, 50]
    assert {t.task_id for p in pages for t in p.tasks} == {c["id"] for c in created}
    assert [p.total for p in pages] == [450, 450, 450]
    assert [p.last for p in pages] == [False, False, True]
    assert [p.watermark for p in pages[:2]] == [None, None]
    assert pages[-1].watermark == Watermark(created[-1]["meta"]["lastUpdated"])
    assert pages[-1].watermark is not None
    assert pages[-1].watermark.text == created[-1]["meta"]["lastUpdated"]  # the server's own writing
    searches = standin.requests_to("GET", "/anomalies")
    assert len(searches) == 3
    assert dict(searches[0].query)["_count"] == "200"
    assert "_getpages" in dict(searches[1].query)


def test_a_token_expiring_in_the_middle_of_the_pull_is_renewed_and_nothing_is_missed(standin, ror):
    add_tasks(standin, 450)
    seen: list[str] = []

    for page in ror.changed_since(None, scope=Perimeter.everywhere()):
        seen.extend(t.task_id for t in page.tasks)
        standin.expire_tokens()

    assert len(seen) == len(set(seen)) == 450
    assert standin.token_requests == 3


def test_a_pull_from_a_watermark_brings_only_what_changed_since(standin, ror):
    first = add_tasks(standin, 3)
    mark = list(ror.changed_since(None, scope=Perimeter.everywhere()))[-1].watermark
    assert mark is not None

    standin.set_business_status(first[1]["id"], "08")
    pages = list(ror.changed_since(mark, scope=Perimeter.everywhere()))

    tasks = [t for p in pages for t in p.tasks]
    # `ge`: the Task at the watermark itself is read again (an overlap the caller de-duplicates)
    assert {(t.task_id, t.business_status) for t in tasks} == {(first[2]["id"], "05"), (first[1]["id"], "08")}
    assert pages[-1].watermark is not None
    assert pages[-1].watermark > mark
    assert dict(standin.requests_to("GET", "/anomalies/Task")[-1].query)["_lastUpdated"] == f"ge{mark.text}"


def test_an_overlap_before_the_watermark_is_re_read(standin, ror):
    tasks = add_tasks(standin, 2)
    mark = Watermark(tasks[1]["meta"]["lastUpdated"])

    pages = list(ror.changed_since(mark.earlier_by(timedelta(seconds=5)), scope=Perimeter.everywhere()))

    assert {t.task_id for p in pages for t in p.tasks} == {tasks[0]["id"], tasks[1]["id"]}


def test_nothing_changed_keeps_the_watermark(standin, ror):
    add_tasks(standin, 1)
    mark = list(ror.changed_since(None, scope=Perimeter.everywhere()))[-1].watermark

    pages = list(ror.changed_since(mark, scope=Perimeter.everywhere()))
    later = Watermark((mark.at + timedelta(seconds=1)).isoformat())  # type: ignore[union-attr]
    empty = list(ror.changed_since(later, scope=Perimeter.everywhere()))

    assert pages[-1].watermark == mark
    assert empty == [TaskPage(tasks=[], watermark=later, last=True, region=None, focus_type=None, total=0)]


def test_a_regional_perimeter_searches_each_focus_type_by_region_tag(standin, ror):
    occitanie = standin.add_task(focus_type="Organization", focus_value="1110000056", region="76")
    offer = standin.add_task(
        focus_type="HealthcareService", focus_value="91/11359", region="76", path="HealthcareService.telecom"
    )
    standin.add_task(focus_type="Organization", focus_value="1690000000", region="84")

    pages = list(ror.changed_since(None, scope=Perimeter.of_regions(["76"])))

    assert {t.task_id for p in pages for t in p.tasks} == {occitanie["id"], offer["id"]}
    assert all(t.region == "76" for p in pages for t in p.tasks)
    assert [(p.region, p.focus_type) for p in pages] == [
        ("76", "Organization"),
        ("76", "HealthcareService"),
        ("76", "Practitioner"),
        ("76", "PractitionerRole"),
    ]
    tag = "https://mos.esante.gouv.fr/NOS/TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM|76"
    searched = [dict(r.query) for r in standin.requests_to("GET", "/anomalies/Task")]
    assert searched[0]["focus:Organization:_tag"] == tag
    assert searched[1]["focus:HealthcareService:_tag"] == tag
    assert [p.last for p in pages] == [False, False, False, True]


def test_a_task_of_another_system_is_read_with_its_own_declaring_system_and_unknown_path(standin, ror):
    standin.add_task(
        focus_type="Organization",
        focus_value="1110000056",
        region="76",
        system_requester="IHM Déclaration ROR national",
        path="Organization.extension('https://ror.example/inconnue')",
        error_value="Valeur du ROR",
    )

    (task,) = [t for p in ror.changed_since(None, scope=Perimeter.of_regions(["76"])) for t in p.tasks]

    assert task.system_requester == "IHM Déclaration ROR national"
    assert task.data_item_label == "Autre donnée"
    assert task.path_element_error == "Organization.extension('https://ror.example/inconnue')"
    assert task.error_value == "Valeur du ROR"


def test_a_next_link_naming_an_internal_host_is_followed_on_the_configured_base(standin, ror):
    add_tasks(standin, 5)
    standin.link_base = "http://ror-interne.invalid:8080"  # a server behind a proxy writes its own name

    pages = list(ror.changed_since(None, scope=Perimeter.everywhere()))
    assert len(pages) == 1  # 5 entries fit in one page of 200: force smaller pages below
    standin.page_size = 2
    pages = list(ror.changed_since(None, scope=Perimeter.everywhere()))

    assert [len(p.tasks) for p in pages] == [2, 2, 1]
    assert all(r.header("Host") == f"127.0.0.1:{standin.port}" for r in standin.received)
