"""One digest as one Slack message (≤ 50 blocks): header with the period, counts by status, the first
items with *Voir*, « … et N autres » with a button opening the filtered list."""

from typing import Any
from zoneinfo import ZoneInfo

from bot.ids import DigestIds, ListIds
from bot.mrkdwn import escape, safe
from bot.views.blocks import MESSAGE_BLOCKS_MAX, Block, button, context, divider, header, local_time, section
from bot.views.listing import ListState
from domain.anomaly import Anomaly
from domain.digests import Digest, DigestSection, SectionKind
from domain.errors import InvalidFilter
from domain.schedule import Cadence

TITLES = {
    Cadence.DAILY: "Récapitulatif quotidien des anomalies ROR",
    Cadence.WEEKLY: "Récapitulatif hebdomadaire des anomalies ROR",
}


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def item_text(anomaly: Anomaly, tz: ZoneInfo) -> str:
    name = anomaly.offer_name or anomaly.structure_name
    return (
        f"*{anomaly.labelled_reference}* · {anomaly.status.code} {anomaly.status.label}\n"
        f"{anomaly.kind.label} {safe(anomaly.resource_id, 40)} « {safe(name, 150)} » · "
        f"{escape(anomaly.data_item)} · modifiée le {local_time(anomaly.updated_at, tz)}"
    )


def counts_text(section_: DigestSection) -> str:
    return "\n".join(
        f"• {status.code} {status.label} : {count}" for status, count in sorted(section_.counts.items())
    )


def _list_button(section_: DigestSection) -> dict[str, Any] | None:
    try:
        value = ListState.of(section_.list_filter).encode()
    except InvalidFilter:  # filter too long for a button value: the list is still reachable by command
        return None
    return button("Voir la liste", DigestIds.OPEN_LIST, value)


def section_blocks(section_: DigestSection, digest: Digest, tz: ZoneInfo) -> list[Block]:
    if section_.kind is SectionKind.BLOCKED:
        title = f"*{section_.kind.heading}* : {section_.total}"
    else:
        title = (
            f"*{section_.kind.heading}* du {local_time(digest.since, tz)} au {local_time(digest.until, tz)} : "
            f"{section_.total}"
        )
    if section_.total == 0:
        return [section(f"{title}\nAucune.")]
    blocks = [section(f"{title}\n{counts_text(section_)}")]
    for anomaly in section_.items:
        blocks.append(
            section(item_text(anomaly, tz), accessory=button("Voir", ListIds.SHOW, anomaly.reference))
        )
    if section_.others:
        others = f"… et {_plural(section_.others, 'autre', 'autres')}"
        blocks.append(section(others, accessory=_list_button(section_)))
    return blocks


def digest_blocks(digest: Digest, tz: ZoneInfo) -> list[Block]:
    blocks: list[Block] = [
        header(TITLES[digest.cadence]),
        context(
            f"Période du {local_time(digest.period_start, tz)} au {local_time(digest.period_end, tz)} "
            f"({tz.key}) · {safe(digest.filter.describe(), 1500)}"
        ),
    ]
    if digest.is_empty:
        blocks.append(section("Rien à signaler pour cette période."))
        return blocks
    budget = MESSAGE_BLOCKS_MAX - len(blocks)
    for index, section_ in enumerate(digest.sections):
        part = ([divider()] if index else []) + section_blocks(section_, digest, tz)
        blocks += part[:budget]
        budget -= len(part[:budget])
    return blocks[:MESSAGE_BLOCKS_MAX]


def digest_text(digest: Digest) -> str:
    """The notification text (and the fallback of the blocks)."""
    title = TITLES[digest.cadence]
    if digest.is_empty:
        return f"{title} : rien à signaler."
    parts = [f"{s.kind.heading.lower()} : {s.total}" for s in digest.sections]
    return f"{title} — " + ", ".join(parts)
