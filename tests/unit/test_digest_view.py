"""The digest message and the recipient DM stay within Slack's limits with extreme data."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.ids import DigestIds, ListIds, RecipientIds
from bot.views.digest import digest_blocks, digest_text
from bot.views.listing import ListState
from bot.views.recipients import outcome_metadata, outcome_modal, recipient_blocks
from domain.digests import Digest, DigestSection, SectionKind, section_filter
from domain.filters import parse_filter_words
from domain.schedule import Cadence
from domain.statuses import Status
from tests.e2e.helpers import buttons
from tests.slack_limits import all_text, assert_message_ok, assert_modal_ok
from tests.unit.extreme import HOSTILE, hostile_anomaly

PARIS = ZoneInfo("Europe/Paris")
SINCE = datetime(2026, 1, 14, 7, 30, tzinfo=UTC)
UNTIL = datetime(2026, 1, 15, 7, 29, 55, tzinfo=UTC)
LONG_FILTER = parse_filter_words(
    ["region=76", "dep=11,34,30", f"nom={'hôtel dieu ' * 9}", "statut=ouverte", "ressource=offre,structure"]
)


def a_digest(items: int, total: int, *, flt=LONG_FILTER) -> Digest:
    sections = []
    for kind in SectionKind:
        anomalies = [hostile_anomaly(100_000_000_000 + i, history=3) for i in range(items)]
        counts = {Status.BLOCKED_NO_RECIPIENT: total // 2, Status.BLOCKED_WRONG_RECIPIENT: total - total // 2}
        list_filter = section_filter(kind, flt, since=SINCE, until=UNTIL, tz=PARIS)
        sections.append(DigestSection(kind, anomalies, total, counts if total else {}, list_filter))
    return Digest(1, "C1", Cadence.DAILY, flt, SINCE, UNTIL, SINCE, UNTIL, sections)


def test_a_digest_with_many_anomalies_is_one_message_within_slack_limits():
    blocks = digest_blocks(a_digest(items=10, total=12_345), PARIS)
    assert_message_ok(blocks)
    assert len(blocks) <= 50


def test_even_a_digest_asked_for_more_items_than_fit_stays_under_50_blocks():
    blocks = digest_blocks(a_digest(items=40, total=100), PARIS)
    assert len(blocks) == 50
    assert_message_ok(blocks)


def test_the_header_names_the_period_in_paris_time_and_counts_by_status():
    text = all_text(digest_blocks(a_digest(items=2, total=5), PARIS))
    assert "Récapitulatif quotidien des anomalies ROR" in text
    assert "Période du 14/01/2026 08:30 au 15/01/2026 08:29" in text
    assert "04 Bloquée (destinataire manquant) : 2" in text
    assert "11 Bloquée (destinataire erroné) : 3" in text


def test_each_item_has_a_voir_button_shared_with_the_listing_and_the_rest_a_list_button():
    blocks = digest_blocks(a_digest(items=2, total=5), PARIS)
    voir = [b["accessory"] for b in blocks if b.get("accessory", {}).get("action_id") == ListIds.SHOW]
    assert [v["value"] for v in voir] == ["ANO_100000000000", "ANO_100000000001"] * 2
    others = [b for b in blocks if b.get("accessory", {}).get("action_id") == DigestIds.OPEN_LIST]
    assert len(others) == 2
    assert "… et 3 autres" in others[0]["text"]["text"]
    state = ListState.decode(others[0]["accessory"]["value"])
    assert state.filter.statuses == frozenset({Status.BLOCKED_NO_RECIPIENT, Status.BLOCKED_WRONG_RECIPIENT})
    assert state.filter.departements == frozenset({"11", "30", "34"})


def test_user_text_cannot_ping_the_channel_or_forge_a_link():
    text = all_text(digest_blocks(a_digest(items=3, total=3), PARIS))
    assert "<!channel>" not in text
    assert "<https://evil" not in text
    assert HOSTILE not in text


def test_an_empty_digest_says_there_is_nothing_to_report():
    digest = a_digest(items=0, total=0)
    assert "Rien à signaler pour cette période." in all_text(digest_blocks(digest, PARIS))
    assert digest_text(digest).endswith("rien à signaler.")


def test_the_recipient_dm_has_one_button_per_outcome_and_stays_within_limits():
    anomaly = hostile_anomaly(status=Status.SENT_TO_RECIPIENT, history=60)
    outcomes = (
        Status.CORRECTED,
        Status.REFUSED,
        Status.TOLERATED_TEMPORARILY,
        Status.TOLERATED_PERMANENTLY,
        Status.TO_CHECK,
        Status.BLOCKED_WRONG_RECIPIENT,
    )
    blocks = recipient_blocks(anomaly, outcomes, PARIS)
    assert_message_ok(blocks)
    assert list(buttons(blocks)) == [
        "Corrigée",
        "Refusée",
        "Tolérée temporairement",
        "Tolérée définitivement",
        "À vérifier",
        "Destinataire erroné",
    ]
    assert all(b["action_id"].startswith(RecipientIds.OUTCOME) for b in buttons(blocks).values())


def test_the_outcome_modal_asks_for_an_optional_comment():
    view = outcome_modal(
        "ANO_100000000909",
        Status.TOLERATED_PERMANENTLY,
        private_metadata=outcome_metadata("ANO_100000000909", Status.TOLERATED_PERMANENTLY, "D1", "1.2"),
    )
    assert_modal_ok(view)
    comment = view["blocks"][1]
    assert comment["optional"] is True
    assert comment["element"]["max_length"] == 800
