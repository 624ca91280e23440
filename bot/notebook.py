"""ROR Anomalies from Python and Jupyter: a thin facade over the domain services (SPEC §7 *Notebook use*).

from bot.notebook import open_store

ws = open_store("sqlite:///ror.db")          # or open_store() for DATABASE_URL / the embedded default
me = ws.as_member("alice@editeur.fr")
me.search("1110000056")
me.declare(structure="1110000056", items={"Adresse établissement": "Le numéro de rue manque."})
me.anomalies(statut="bloquee", region="76").to_dataframe()
me.import_anomalies("resultats-regles.csv")  # or records: [{"ressource": …, "donnee": …, "description": …}]
"""

from __future__ import annotations

import html
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.context import AppContext
from bot.directory_loading import ensure_demo_directory, load_demo_directory
from bot.import_files import UnreadableImport, format_of, open_import, read_lines, rows_to_lines
from bot.presentation.anomalies import (
    ANOMALY_KEYS,
    DATE_KEYS,
    anomaly_to_dict,
    detail_fields,
    history_heading,
    history_line,
    list_columns,
    page_footer,
)
from bot.presentation.text import render_detail
from bot.settings import Settings, Surface
from domain.anomaly import Anomaly
from domain.filters import AnomalyFilter, parse_filter_words, split_words
from domain.habilitation import Group, Member, Perimeter
from domain.ports import Page
from domain.services import (
    DeclarationRequest,
    DeclaredItem,
    ResourceCard,
    add_member,
    cancel_anomaly,
    confirmation_text,
    create_group,
    declare_anomalies,
    find_resource,
    list_anomalies,
    list_groups,
    resolve_member,
    set_recipient,
    show_anomaly,
)
from domain.services.bulk_import import ImportLine, ImportResult, LineError, import_anomalies
from domain.services.lifecycle import MAX_PAGE_SIZE
from domain.services.ror_sending import KEPT, declaration_report, send_declaration

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AnomalyDetail",
    "Declared",
    "Imported",
    "Listing",
    "MemberSession",
    "Workspace",
    "open_store",
    "to_dataframe",
]

PANDAS_MISSING = (
    "pandas n'est pas installé : installez l'extra « pandas » du projet, "
    "par exemple pip install 'ror-anomalies[pandas]' (ou pip install pandas)."
)


def open_store(url: str | None = None) -> Workspace:
    """Open the store at `url` (a SQLAlchemy URL), or at DATABASE_URL / the embedded default when omitted.

    The schema is created or upgraded on first use; the embedded default also gets the demo directory.
    Dates are shown, and `du=` / `au=` read, in ROR_TIMEZONE; declarations name the notebook
    (ROR_NOTEBOOK_SYSTEM_NAME) as their *Système déclarant*."""
    settings = Settings(database_url=url) if url else Settings()
    context = AppContext.start(settings, surface=Surface.NOTEBOOK)
    if url is None:
        ensure_demo_directory(context)
    return Workspace(context)


def to_dataframe(anomalies: Iterable[Anomaly], tz: ZoneInfo | str = "UTC") -> pd.DataFrame:
    """One row per anomaly, one column per JSON key; the dates are timestamps in `tz`."""
    try:
        import pandas as pd
    except ImportError as error:
        raise ImportError(PANDAS_MISSING) from error
    rows = [anomaly_to_dict(a) for a in anomalies]
    frame = pd.DataFrame(rows, columns=list(ANOMALY_KEYS))
    for column in DATE_KEYS:
        frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_convert(str(tz))
    return frame


def _html_table(anomalies: Sequence[Anomaly], caption: str, tz: ZoneInfo) -> str:
    columns = list_columns(tz)
    head = "".join(f"<th>{html.escape(header)}</th>" for header, _ in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(value(a))}</td>" for _, value in columns) + "</tr>"
        for a in anomalies
    )
    return (
        f'<table class="ror-anomalies"><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


class Workspace:
    """An opened store, and the operator actions one needs to set a notebook up."""

    def __init__(self, context: AppContext) -> None:
        self.context = context

    def __repr__(self) -> str:
        return f"<Workspace ROR Anomalies {self.context.store.url!r}>"

    def as_member(self, email: str) -> MemberSession:
        """Act as the member with this e-mail (NotHabilitated when in no group)."""
        member = resolve_member(email=email, uow=self.context.uow())
        return MemberSession(self.context, member)

    # Operator conveniences, the same services as `ror-bot group …` / `ror-bot recipient set`.
    def create_group(
        self, name: str, *, regions: Sequence[str] | str | None = None, national: bool = False
    ) -> Group:
        if national == (regions is not None):
            raise ValueError("Indiquez soit regions=[…], soit national=True.")
        if national:
            perimeter = Perimeter.everywhere()
        elif isinstance(regions, str):
            perimeter = Perimeter.parse(regions)
        else:
            perimeter = Perimeter.of_regions(list(regions or []))
        return create_group(name=name, perimeter=perimeter, uow=self.context.uow())

    def add_member(self, group: str, email: str) -> Group:
        return add_member(group_name=group, email=email, uow=self.context.uow())

    def groups(self) -> list[Group]:
        return list_groups(uow=self.context.uow())

    def set_recipient(self, resource_id: str, email: str) -> list[Anomaly]:
        """Name a resource's recipient; returns the blocked anomalies that were sent to them."""
        _, moved = set_recipient(
            resource_id=resource_id,
            email=email,
            uow=self.context.uow(),
            clock=self.context.clock,
            system=self.context.system,
        )
        return moved

    def load_demo_directory(self) -> object:
        return load_demo_directory(self.context)


class MemberSession:
    """Everything a member does, within their group's perimeter."""

    def __init__(self, context: AppContext, member: Member) -> None:
        self.context = context
        self.member = member

    def __repr__(self) -> str:
        return f"<Membre {self.member.email} · groupe « {self.member.group} » · {self.member.perimeter.describe()}>"

    def search(self, structure_id: str, offer_id: str | None = None) -> ResourceCard:
        return find_resource(
            structure_id=structure_id,
            offer_id=offer_id,
            member=self.member,
            uow=self.context.store.reader(),
            live=self.context.live_directory(),
        )

    def declare(self, *, structure: str, items: Mapping[str, str], offre: str | None = None) -> Declared:
        """One anomaly per `{data item label: description}`, all or none (InvalidDeclaration lists why)."""
        request = DeclarationRequest(
            structure_id=structure,
            offer_id=offre,
            items=tuple(DeclaredItem(label, text) for label, text in items.items()),
        )
        created = declare_anomalies(
            request=request,
            member=self.member,
            uow=self.context.uow(),
            clock=self.context.clock,
            system=self.context.system,
            live=self.context.live_directory(),
            connected=self.context.settings.connected,
        )
        sender = self.context.ror_sender()
        if sender is None:
            return Declared(tuple(created))
        # Connected: one POST per item now; refused items are not kept, unanswered ones wait (journal).
        results = send_declaration(sender, references=[a.reference for a in created])
        kept = [r.anomaly for r in results if r.anomaly is not None and r.outcome in KEPT]
        return Declared(tuple(kept), report=declaration_report(results))

    def import_anomalies(
        self,
        source: str | PathLike[str] | Iterable[Mapping[str, object]] | pd.DataFrame,
        *,
        format: str | None = None,
    ) -> Imported:
        """Declare one anomaly per line, as `ror-bot anomalies import` does: `source` is the path of a CSV or
        NDJSON file, or records in memory (dicts, or a pandas DataFrame) with the same column names. Lines
        refused are in `.errors` (line number and French reason: for records, their position from 1);
        the others are created, and the same lines imported again create nothing."""
        if isinstance(source, str | PathLike):
            path = str(source)
            try:
                stream = open_import(path, sys.stdin.buffer)
            except OSError as error:
                raise UnreadableImport(f"Impossible de lire « {path} » : {error.strerror}.") from None
            with stream:
                return self._import(read_lines(stream, format_of(path, format)))
        records = source.to_dict("records") if hasattr(source, "to_dict") else source
        return self._import(rows_to_lines(records))

    def _import(self, lines: Iterable[ImportLine | LineError]) -> Imported:
        result = import_anomalies(
            lines=lines,
            member=self.member,
            store=self.context.store.importer,
            clock=self.context.clock,
            system=self.context.system,
            connected=self.context.settings.connected,
        )
        return Imported(result)

    def anomalies(
        self, filters: str | Sequence[str] | None = None, *, page: int = 1, size: int = 50, **by: object
    ) -> Listing:
        """The perimeter's anomalies, newest modification first. Filters are SPEC §5 `key=value` words,
        as one string (`'statut=bloquee nom="hotel dieu"'`), a list of words, or keyword arguments
        (`statut="bloquee"`, `region=["76", "93"]`, `du="01/01/2026"`)."""
        flt = build_filter(filters, by)
        return Listing(
            self,
            flt,
            list_anomalies(
                flt=flt, member=self.member, uow=self.context.store.reader(), page=page, size=size
            ),
        )

    def show(self, reference: str) -> AnomalyDetail:
        return AnomalyDetail(
            show_anomaly(reference=reference, member=self.member, uow=self.context.store.reader()),
            self.context.settings.timezone,
        )

    def cancel(self, reference: str, comment: str = "") -> AnomalyDetail:
        return AnomalyDetail(
            cancel_anomaly(
                reference=reference,
                member=self.member,
                uow=self.context.uow(),
                clock=self.context.clock,
                system=self.context.system,
                comment=comment,
                ror=self.context.ror_national(),
            ),
            self.context.settings.timezone,
        )


def build_filter(filters: str | Sequence[str] | None, by: Mapping[str, object]) -> AnomalyFilter:
    if filters is None:
        words: list[str] = []
    elif isinstance(filters, str):
        words = split_words(filters)
    else:
        words = list(filters)
    for key, value in by.items():
        if value is None:
            continue
        text = (
            ",".join(str(v) for v in value)
            if isinstance(value, list | tuple | set | frozenset)
            else str(value)
        )
        words.append(f"{key}={text}")
    return parse_filter_words(words)


@dataclass(frozen=True)
class Declared:
    """The anomalies a declaration created; prints as the SPEC §4 confirmation."""

    anomalies: tuple[Anomaly, ...]
    # Connected mode: the confirmation with the ROR's references, what waits and what it refused.
    report: str = ""

    @property
    def references(self) -> list[str]:
        return [a.shown_reference for a in self.anomalies]

    def __str__(self) -> str:
        return self.report or confirmation_text(self.anomalies)

    def __repr__(self) -> str:
        return str(self)

    def __iter__(self) -> Iterator[Anomaly]:
        return iter(self.anomalies)

    def __len__(self) -> int:
        return len(self.anomalies)

    def _repr_html_(self) -> str:
        first, *rest = str(self).split("\n")
        items = "".join(f"<li>{html.escape(line)}</li>" for line in rest)
        return f"<p>{html.escape(first)}</p><ul>{items}</ul>"


class Imported:
    """What an import did: counts, and every refused line with its number and French reason."""

    def __init__(self, result: ImportResult) -> None:
        self.result = result

    @property
    def created(self) -> int:
        return self.result.created

    @property
    def already_present(self) -> int:
        return self.result.already_present

    @property
    def refused(self) -> int:
        return self.result.refused

    @property
    def errors(self) -> list[LineError]:
        return list(self.result.errors)

    def __str__(self) -> str:
        return "\n".join([self.result.summary(), *(str(e) for e in self.result.errors)])

    def __repr__(self) -> str:
        return f"<Import · {self.result.summary()}>"

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(str(e))}</li>" for e in self.result.errors)
        return f"<p>{html.escape(self.result.summary())}</p>" + (f"<ul>{items}</ul>" if items else "")


class Listing:
    """One page of a filtered listing: iterate it, count it, render it, or walk every page with `all()`."""

    def __init__(self, session: MemberSession, flt: AnomalyFilter, page: Page[Anomaly]) -> None:
        self._session = session
        self.filter = flt
        self._page = page

    @property
    def items(self) -> list[Anomaly]:
        return list(self._page.items)

    @property
    def total(self) -> int:
        return self._page.total

    @property
    def page(self) -> int:
        return self._page.page

    @property
    def pages(self) -> int:
        return self._page.pages

    def __iter__(self) -> Iterator[Anomaly]:
        return iter(self._page.items)

    def __len__(self) -> int:
        return len(self._page.items)

    def __repr__(self) -> str:
        return f"<Listing {self.filter.describe()} · {page_footer(self._page)}>"

    def next(self) -> Listing:
        """The following page (empty past the last one)."""
        return self._session.anomalies(self.filter.to_words(), page=self.page + 1, size=self._page.size)

    def all(self) -> Iterator[Anomaly]:
        """Every matching anomaly, page after page (each page read in its own short transaction)."""
        number = 1
        while True:
            page = list_anomalies(
                flt=self.filter,
                member=self._session.member,
                uow=self._session.context.store.reader(),
                page=number,
                size=MAX_PAGE_SIZE,
            )
            yield from page.items
            if not page.has_next:
                return
            number += 1

    def to_dicts(self, *, all_pages: bool = False) -> list[dict[str, Any]]:
        return [anomaly_to_dict(a) for a in (self.all() if all_pages else self)]

    def to_dataframe(self, *, all_pages: bool = False) -> pd.DataFrame:
        """This page as a pandas DataFrame, or every matching anomaly with `all_pages=True`; dates in
        ROR_TIMEZONE."""
        tz = self._session.context.settings.timezone
        return to_dataframe(self.all() if all_pages else self._page.items, tz)

    def _repr_html_(self) -> str:
        caption = f"{self.filter.describe()} — {page_footer(self._page)}"
        return _html_table(self._page.items, caption, self._session.context.settings.timezone)


class AnomalyDetail:
    """One anomaly as `show` returns it: its fields as attributes, `to_dict()`, and a readable display."""

    def __init__(self, anomaly: Anomaly, tz: ZoneInfo) -> None:
        self.anomaly = anomaly
        self.tz = tz

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("anomaly", "tz"):
            raise AttributeError(name)
        return getattr(self.anomaly, name)

    def to_dict(self) -> dict[str, Any]:
        return anomaly_to_dict(self.anomaly, history=True)

    def __str__(self) -> str:
        return render_detail(self.anomaly, self.tz)

    def __repr__(self) -> str:
        a = self.anomaly
        return f"<Anomalie {a.labelled_reference} · {a.status.label} · {a.resource_id} · « {a.data_item} »>"

    def _repr_html_(self) -> str:
        a = self.anomaly
        rows = "".join(
            f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
            for label, value in detail_fields(a)
        )
        history = "".join(f"<li>{html.escape(history_line(entry, self.tz))}</li>" for entry in a.history)
        heading = html.escape(history_heading(self.tz))
        return f'<table class="ror-anomalie">{rows}</table><p>{heading} :</p><ul>{history}</ul>'
