"""Channel subscriptions to digests (SPEC §6) and the words of `/ror abonner` that create them."""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time

from domain.errors import InvalidFilter, InvalidSubscription
from domain.filters import AnomalyFilter, parse_filter_words, split_words
from domain.geography import region_of_departement
from domain.habilitation import Perimeter
from domain.schedule import DEFAULT_TIME, DEFAULT_TIMEZONE, EVERY_DAY, WEEKDAYS, Cadence, Schedule
from domain.text import fold

MAX_PER_CHANNEL = 20

_DAILY = {"quotidien", "quotidienne", "quotidiens", "daily", "jour", "jours", "tous_les_jours"}
_WEEKLY = {"hebdo", "hebdomadaire", "weekly", "semaine", "chaque_semaine"}
_BLOCKED = {"bloquees", "bloquee", "blocked"}
_UPDATED = {"mises_a_jour", "mise_a_jour", "maj", "modifiees", "updated", "updates"}
_EMPTY = {"rien_a_signaler", "meme_vide", "toujours", "always"}
_DAY_NAMES: dict[str, int] = {}
for _index, _name in enumerate(WEEKDAYS):
    _DAY_NAMES[_name] = _index
    _DAY_NAMES[_name[:3]] = _index
for _index, _name in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
):
    _DAY_NAMES[_name] = _index
    _DAY_NAMES[_name[:3]] = _index
_TIME = re.compile(r"^(\d{1,2})(?:[:h](\d{2})?)?$")

USAGE = (
    "`/ror abonner [filtres] [quotidien|hebdo [lundi,jeudi…]] [HH:MM] [bloquees|mises_a_jour] "
    "[rien_a_signaler]` — par exemple `/ror abonner dep=11 hebdo lundi 09:00`."
)


@dataclass(frozen=True, slots=True)
class SubscriptionRequest:
    """What `/ror abonner …` asks for, before it is tied to a channel and a creator."""

    filter: AnomalyFilter = field(default_factory=AnomalyFilter)
    schedule: Schedule = field(default_factory=Schedule)
    report_blocked: bool = True
    report_updated: bool = True
    report_empty: bool = False

    def describe_reports(self) -> str:
        return describe_reports(self.report_blocked, self.report_updated, self.report_empty)


def describe_reports(blocked: bool, updated: bool, empty: bool) -> str:
    parts = []
    if blocked:
        parts.append("anomalies bloquées")
    if updated:
        parts.append("anomalies mises à jour")
    text = " et ".join(parts)
    return text + (" (même s'il n'y a rien à signaler)" if empty else "")


@dataclass(slots=True)
class Subscription:
    channel_id: str
    creator_email: str
    creator_user_id: str
    filter: AnomalyFilter
    schedule: Schedule
    created_at: datetime
    report_blocked: bool = True
    report_updated: bool = True
    report_empty: bool = False
    active: bool = True
    id: int | None = None
    disabled_reason: str | None = field(default=None, compare=False)

    @property
    def perimeter(self) -> Perimeter:
        """Whose the subscription is: the regions its filter reaches (its régions, its départements'),
        national when the filter names none. Only members whose perimeter covers it may see its filters
        and its creator, remove it or post its digest."""
        of_departements = [region_of_departement(d) for d in self.filter.departements]
        regions = set(self.filter.regions) | {r for r in of_departements if r is not None}
        if not regions or None in of_departements:
            return Perimeter.everywhere()
        return Perimeter(regions=frozenset(regions))

    def describe(self) -> str:
        """One French line: what, when, which filters."""
        reports = describe_reports(self.report_blocked, self.report_updated, self.report_empty)
        return f"{reports.capitalize()}, {self.schedule.describe()} — {self.filter.describe()}"


@dataclass(frozen=True, slots=True)
class SeenSubscription:
    """A channel's subscription as one member sees it: `subscription` only when their perimeter covers it;
    otherwise they learn that it exists and its number, nothing else (not its filters, not its creator)."""

    number: int
    subscription: Subscription | None

    @property
    def is_theirs(self) -> bool:
        return self.subscription is not None


def _parse_time(word: str) -> time | None:
    match = _TIME.match(word.strip().lower())
    if match is None:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    if hours > 23 or minutes > 59:
        raise InvalidSubscription(f"« {word} » n'est pas une heure valide : attendu HH:MM, de 00:00 à 23:59.")
    return time(hours, minutes)


def _parse_days(word: str) -> frozenset[int] | None:
    parts = [fold(p) for p in word.split(",") if p.strip()]
    if not parts or any(p not in _DAY_NAMES for p in parts):
        if len(parts) > 1 and any(p in _DAY_NAMES for p in parts):
            unknown = next(p for p in parts if p not in _DAY_NAMES)
            raise InvalidSubscription(f"« {unknown} » n'est pas un jour de la semaine (lundi … dimanche).")
        return None
    return frozenset(_DAY_NAMES[p] for p in parts)


def parse_subscription_words(
    words: Sequence[str], *, timezone: str = DEFAULT_TIMEZONE
) -> SubscriptionRequest:
    """`[filtres] [quotidien|hebdo [jours]] [HH:MM] [bloquees|mises_a_jour] [rien_a_signaler]`, in any
    order. Default: daily at 08:30, blocked and updated anomalies."""
    filter_words: list[str] = []
    cadence: Cadence | None = None
    days: set[int] = set()
    at: time | None = None
    blocked = updated = empty = False
    for word in words:
        key = fold(word).replace("-", "_").replace(" ", "_")
        if not key:
            continue
        if "=" in word:
            filter_words.append(word)
        elif key in _DAILY:
            cadence = _once(cadence, Cadence.DAILY, word)
        elif key in _WEEKLY:
            cadence = _once(cadence, Cadence.WEEKLY, word)
        elif key in _BLOCKED:
            blocked = True
        elif key in _UPDATED:
            updated = True
        elif key in _EMPTY:
            empty = True
        elif (parsed_time := _parse_time(word)) is not None:
            if at is not None:
                raise InvalidSubscription("Une seule heure par abonnement (par exemple 08:30).")
            at = parsed_time
        elif (parsed_days := _parse_days(word)) is not None:
            days |= parsed_days
        else:
            raise InvalidSubscription(
                f"« {word} » n'est ni un filtre (clé=valeur), ni une fréquence (quotidien, hebdo), ni un jour "
                f"(lundi … dimanche), ni une heure (HH:MM), ni un contenu (bloquees, mises_a_jour, "
                f"rien_a_signaler). Syntaxe : {USAGE}"
            )
    if days and cadence is Cadence.DAILY:
        raise InvalidSubscription(
            "Les jours de la semaine s'utilisent avec « hebdo » (par exemple hebdo lundi,jeudi), pas avec "
            "« quotidien »."
        )
    if days or cadence is Cadence.WEEKLY:
        schedule = Schedule(Cadence.WEEKLY, frozenset(days) or frozenset({0}), at or DEFAULT_TIME, timezone)
    else:
        schedule = Schedule(Cadence.DAILY, EVERY_DAY, at or DEFAULT_TIME, timezone)
    try:
        flt = parse_filter_words(filter_words)
    except InvalidFilter as error:
        raise InvalidSubscription(error.message) from error
    if flt.modified_from or flt.modified_to:
        raise InvalidSubscription(
            "Les filtres « du » et « au » n'ont pas de sens pour un abonnement : chaque récapitulatif "
            "couvre la période écoulée depuis le précédent."
        )
    if not blocked and not updated:
        blocked = updated = True
    return SubscriptionRequest(flt, schedule, blocked, updated, empty)


def parse_subscription_text(text: str, *, timezone: str = DEFAULT_TIMEZONE) -> SubscriptionRequest:
    try:
        words = split_words(text)
    except InvalidFilter as error:
        raise InvalidSubscription(error.message) from error
    return parse_subscription_words(words, timezone=timezone)


def _once(current: Cadence | None, wanted: Cadence, word: str) -> Cadence:
    if current is not None and current is not wanted:
        raise InvalidSubscription(f"« {word} » : choisissez soit quotidien, soit hebdo.")
    return wanted


def clip_to_perimeter(flt: AnomalyFilter, perimeter: Perimeter) -> AnomalyFilter:
    """The filter never reaches wider than the creator's perimeter: regions outside it are refused,
    and a regional creator's filter without regions gets the perimeter's."""
    if perimeter.national:
        return flt
    outside = sorted(flt.regions - perimeter.regions)
    if outside:
        raise InvalidSubscription(
            f"La région {', '.join(outside)} est hors de votre périmètre ({perimeter.describe()}) : "
            "un abonnement ne peut pas être plus large que votre périmètre."
        )
    outside_deps = sorted(d for d in flt.departements if region_of_departement(d) not in perimeter.regions)
    if outside_deps:
        raise InvalidSubscription(
            f"Le département {', '.join(outside_deps)} est hors de votre périmètre ({perimeter.describe()}) : "
            "un abonnement ne peut pas être plus large que votre périmètre."
        )
    if not flt.regions:
        return replace(flt, regions=perimeter.regions)
    return flt
