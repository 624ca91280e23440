"""Whatever users and files store, every Slack surface renders it within Block Kit's limits (issue 12 §3):
escaping may make a text five times longer, so limits apply after escaping, and a cut never splits an
entity such as `&amp;`."""

import dataclasses
import random
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.mrkdwn import cut, escape, safe
from bot.views.declare import DeclareForm, DeclareTarget, form_modal
from bot.views.detail import cancel_prompt_blocks, detail_blocks, detail_modal
from bot.views.digest import digest_blocks
from bot.views.listing import PAGE_SIZE, ListState, list_blocks
from bot.views.recipients import (
    recipient_blocks,
    recipient_text,
    status_changed_blocks,
    status_changed_fallback,
)
from bot.views.search import resource_card_blocks, resource_card_text
from domain.anomaly import MAX_COMMENT, MAX_DESCRIPTION, MAX_PROPOSED_VALUE, HistoryEntry
from domain.catalogue import ResourceKind, data_items_of
from domain.digests import Digest, DigestSection, SectionKind, section_filter
from domain.directory import MAX_ADDRESS, MAX_DATA_VALUE, MAX_NAME
from domain.events import StatusChanged
from domain.filters import AnomalyFilter, parse_filter_words
from domain.habilitation import MAX_EMAIL
from domain.ports import Page
from domain.schedule import Cadence
from domain.services import ResourceCard
from domain.services.directory import PresentValue
from domain.statuses import Role, Status
from tests.slack_limits import assert_message_ok, assert_modal_ok, mrkdwn_text
from tests.unit.extreme import hostile_anomaly, hostile_offer

PARIS = ZoneInfo("Europe/Paris")
ENTITY = re.compile(r"&(amp|lt|gt);")


def assert_whole_entities(payload: object) -> None:
    """Every `&` Slack reads in mrkdwn starts a whole entity: no cut fell inside one."""
    text = mrkdwn_text(payload)
    assert "&" not in ENTITY.sub("", text), "an entity was cut"
    assert "<" not in text


def worst(char: str, length: int) -> str:
    """The longest text a field may hold, made of the character escaping lengthens most."""
    return char * length


def worst_anomaly(char: str = "&"):
    """An anomaly whose every stored text is as long as the domain allows, all of `char`."""
    base = hostile_anomaly(history=40)
    history = [
        HistoryEntry(
            entry.at,
            entry.previous,
            entry.status,
            worst(char, MAX_EMAIL),
            Role.RECIPIENT,
            worst(char, 200),
            worst(char, MAX_COMMENT),
        )
        for entry in base.history
    ]
    return dataclasses.replace(
        base,
        structure_name=worst(char, MAX_NAME),
        offer_name=worst(char, MAX_NAME),
        present_value=worst(char, MAX_DATA_VALUE),
        description=worst(char, MAX_DESCRIPTION),
        proposed_value=worst(char, MAX_PROPOSED_VALUE),
        declaring_system=worst(char, 200),
        recipient=worst(char, MAX_EMAIL),
        declarant_email=worst(char, MAX_EMAIL),
        rule=worst(char, 100),
        history=history,
    )


# --- escaping within a limit --------------------------------------------------------------------------------


def test_500_less_than_signs_fit_the_proposed_value_field_of_the_detail() -> None:
    """The case of the issue: « Valeur proposée » of 500 `<` became a 2,018-character field."""
    anomaly = dataclasses.replace(hostile_anomaly(history=2), proposed_value="<" * 500)

    blocks = detail_blocks(anomaly, cancellable=True, tz=PARIS)

    assert_message_ok(blocks)
    field = next(
        f["text"] for b in blocks for f in b.get("fields", []) if f["text"].startswith("*Valeur proposée*")
    )
    assert len(field) <= 2000
    assert field.endswith("&lt;…")


@pytest.mark.parametrize("seed", range(20))
def test_safe_and_cut_never_exceed_their_limit_nor_split_an_entity(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(200):
        text = "".join(rng.choice("&<>aé ") for _ in range(rng.randrange(0, 60)))
        limit = rng.randrange(1, 50)

        for rendered in (safe(text, limit), cut(escape(text), limit)):
            assert len(rendered) <= limit
            assert "&" not in ENTITY.sub("", rendered)
            kept = rendered.removesuffix("…")
            assert escape(text).startswith(kept)


def test_text_within_its_limit_is_only_escaped() -> None:
    assert safe("a < b & c", 100) == "a &lt; b &amp; c"
    assert cut("a &lt; b", 100) == "a &lt; b"


# --- every surface, with the worst stored values ------------------------------------------------------------


@pytest.mark.parametrize("char", ["&", "<", "é"])
def test_the_detail_of_the_worst_anomaly_fits_a_message_and_a_modal(char: str) -> None:
    anomaly = worst_anomaly(char)

    blocks = detail_blocks(anomaly, cancellable=True, tz=PARIS, notice=escape(worst(char, 300)))
    assert_message_ok(blocks)
    assert_whole_entities(blocks)
    view = detail_modal(anomaly, cancellable=True, tz=PARIS)
    assert_modal_ok(view)
    assert_whole_entities(view)
    prompt = cancel_prompt_blocks(anomaly)
    assert_message_ok(prompt)
    assert_whole_entities(prompt)


def test_a_listing_page_of_the_worst_anomalies_fits_a_message() -> None:
    items = [
        dataclasses.replace(worst_anomaly(), reference=f"ANO_{100_000_000_900 + i:012d}")
        for i in range(PAGE_SIZE)
    ]
    flt = parse_filter_words([f"nom={worst('&', MAX_NAME)}"])
    page = Page(items=items, total=1_000_000, page=1, size=PAGE_SIZE)

    blocks = list_blocks(page, ListState.of(AnomalyFilter()), flt, PARIS)

    assert_message_ok(blocks)
    assert_whole_entities(blocks)


def test_a_digest_of_the_worst_anomalies_fits_a_message() -> None:
    since = datetime(2026, 1, 14, 7, 30, tzinfo=UTC)
    until = datetime(2026, 1, 15, 7, 30, tzinfo=UTC)
    flt = parse_filter_words([f"nom={worst('<', MAX_NAME)}"])
    sections = [
        DigestSection(
            kind,
            [worst_anomaly("<") for _ in range(10)],
            12_345,
            {Status.BLOCKED_NO_RECIPIENT: 12_345},
            section_filter(kind, flt, since=since, until=until, tz=PARIS),
        )
        for kind in SectionKind
    ]
    digest = Digest(1, "C1", Cadence.DAILY, flt, since, until, since, until, sections)

    blocks = digest_blocks(digest, PARIS)

    assert_message_ok(blocks)
    assert_whole_entities(blocks)


def test_the_recipient_messages_of_the_worst_anomaly_fit() -> None:
    anomaly = dataclasses.replace(worst_anomaly(), status=Status.SENT_TO_RECIPIENT)
    blocks = recipient_blocks(
        anomaly, (Status.CORRECTED, Status.REFUSED), PARIS, notice=escape(worst("&", 300))
    )
    assert_message_ok(blocks)
    assert_whole_entities(blocks)

    event = StatusChanged(
        anomaly.reference,
        Status.SENT_TO_RECIPIENT,
        Status.CORRECTED,
        worst("&", MAX_EMAIL),
        worst("&", MAX_EMAIL),
        worst("&", MAX_COMMENT),
    )
    changed = status_changed_blocks(event)
    assert_message_ok(changed)
    assert_whole_entities(changed)


def _worst_card() -> ResourceCard:
    offer = dataclasses.replace(
        hostile_offer(),
        name=worst("&", MAX_NAME),
        structure_name=worst("<", MAX_NAME),
        offer_name=worst("&", MAX_NAME),
        address=worst(">", MAX_ADDRESS),
        data={item.label: worst("&", MAX_DATA_VALUE) for item in data_items_of(ResourceKind.OFFRE)},
    )
    values = tuple(
        PresentValue(item, offer.present_value(item.label)) for item in data_items_of(ResourceKind.OFFRE)
    )
    return ResourceCard(resource=offer, structure=None, open_anomalies=3, present_values=values)


def test_the_resource_card_and_the_declaration_form_of_the_worst_resource_fit() -> None:
    card = _worst_card()
    blocks = resource_card_blocks(card)
    assert_message_ok(blocks)
    assert_whole_entities(blocks)

    labels = [item.label for item in data_items_of(ResourceKind.OFFRE)]
    form = DeclareForm(
        target=DeclareTarget(structure_id="1110000056", offer_id="91/11359", prefill=worst("&", 800)),
        resource_name=card.resource.name,
        resource_label=f"Offre 91/11359 · {card.resource.structure_name}",
        item_labels=labels,
        present_values={label: card.resource.present_value(label) for label in labels},
        selected=labels,
        descriptions={label: worst("&", MAX_DESCRIPTION) for label in labels},
        proposed={label: worst("<", MAX_PROPOSED_VALUE) for label in labels},
    )
    view = form_modal(form)
    assert_modal_ok(view)
    assert_whole_entities(view)


def test_the_fallback_text_of_the_resource_card_is_escaped_and_short() -> None:
    """Slack reads a message's `text` as mrkdwn too: a directory name must not ping the channel there."""
    card = dataclasses.replace(
        _worst_card(), resource=dataclasses.replace(hostile_offer(), name="<!channel> " + "&" * MAX_NAME)
    )

    text = resource_card_text(card)

    assert "<!channel>" not in text
    assert text.startswith("Offre 91/11359 — &lt;!channel&gt; &amp;")
    assert len(text) <= 400
    assert "&" not in ENTITY.sub("", text)


def test_the_fallback_texts_of_the_recipient_and_declarant_dms_are_escaped():
    anomaly = dataclasses.replace(
        worst_anomaly("<"), structure_name="<!channel> " + "<" * 490, offer_name=None
    )
    event = StatusChanged(
        anomaly.reference,
        Status.SENT_TO_RECIPIENT,
        Status.REFUSED,
        "<!here>",
        None,
        "<@U0PIRATE> " + "&" * 700,
    )

    for text in (recipient_text(anomaly), status_changed_fallback(event)):
        assert "<" not in text
        assert "&" not in ENTITY.sub("", text)
        assert len(text) <= 3000
