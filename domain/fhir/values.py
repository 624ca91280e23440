"""FHIR R4 data types read defensively and rendered as the French text the ROR UI shows.

Every accessor tolerates a missing or wrongly typed element (it reads as absent): a file exported by
another system must never crash an import, and an absent value is shown as « Non renseigné »."""

from collections.abc import Iterable
from typing import Any

Json = dict[str, Any]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_LABELS = dict(zip(_DAYS, ("Lun", "Mar", "Mer", "Jeu", "Ven", "Sam", "Dim"), strict=True))
_AGE_UNITS = {
    "a": ("an", "ans"),
    "mo": ("mois", "mois"),
    "wk": ("semaine", "semaines"),
    "d": ("jour", "jours"),
}
_CURRENCIES = {"EUR": "€"}


def node(value: object) -> Json:
    return value if isinstance(value, dict) else {}


def nodes(parent: Json, key: str) -> list[Json]:
    """The element's objects: a list keeps its objects, a lone object counts as a list of one."""
    value = parent.get(key)
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def text(parent: Json, key: str) -> str:
    value = parent.get(key)
    if type(value) is str:  # nearly always: the checks below are for what other systems may write
        return value.strip()
    if isinstance(value, bool):
        return ""
    if isinstance(value, str | int | float):
        return str(value).strip()
    return ""


def texts(parent: Json, key: str) -> list[str]:
    value = parent.get(key)
    values = value if isinstance(value, list) else [value]
    return [
        str(v).strip()
        for v in values
        if isinstance(v, str | int | float) and not isinstance(v, bool) and str(v).strip()
    ]


def join(values: Iterable[str], separator: str = ", ") -> str:
    """Distinct non-empty values in their order of appearance."""
    return separator.join(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def _extension_name(url: str) -> str:
    return url.rsplit("/", 1)[-1]


def extensions(parent: Json, name: str) -> list[Json]:
    """Extensions whose url is `name`, or a canonical URL ending with `/name`."""
    return [e for e in nodes(parent, "extension") if _extension_name(text(e, "url")) == name]


def has_system(coding: Json, table: str) -> bool:
    system = text(coding, "system")
    return table in system or table.replace("_", "-") in system


def coding_label(coding: Json) -> str:
    return text(coding, "display") or text(coding, "code")


def concept_labels(concepts: Iterable[Json], table: str | None = None) -> list[str]:
    """Displays (else codes) of the concepts' codings, only those of `table` when given."""
    labels = []
    for concept in concepts:
        for coding in nodes(concept, "coding"):
            if table is None or has_system(coding, table):
                labels.append(coding_label(coding))
        if table is None and not nodes(concept, "coding"):
            labels.append(text(concept, "text"))
    return labels


def preferred_address(parent: Json) -> Json:
    """The work address when there is one, else the first."""
    addresses = nodes(parent, "address")
    for address in addresses:
        if text(address, "use") == "work":
            return address
    return addresses[0] if addresses else {}


def address_text(address: Json) -> str:
    """`Boulevard Dr Lacroix 11100 NARBONNE`; a line already ending with the postal code and city (as
    the ROR sometimes writes it) is not repeated."""
    street = " ".join(texts(address, "line"))
    locality = " ".join(part for part in (text(address, "postalCode"), text(address, "city")) if part)
    if not street:
        return locality or text(address, "text")
    if locality and locality.casefold() in street.casefold():
        return street.rstrip(", ")
    return f"{street} {locality}".strip()


def telecom_values(telecoms: Iterable[Json]) -> list[str]:
    return [text(t, "value") for t in telecoms]


def human_name(name: Json) -> str:
    """`Dr Marie DUPONT`: the written form when there is one, else prefix, given names and family."""
    written = text(name, "text")
    if written:
        return written
    parts = [*texts(name, "prefix"), *texts(name, "given"), text(name, "family")]
    return " ".join(p for p in parts if p)


def french_date(value: str) -> str:
    """`2024-01-03` (or a dateTime) → `03/01/2024`; partial dates are kept as written."""
    day = value[:10]
    if len(day) == 10 and day[4] == "-" and day[7] == "-":
        return f"{day[8:10]}/{day[5:7]}/{day[0:4]}"
    return value


def _hour(value: str) -> str:
    hours, _, rest = value.partition(":")
    minutes = rest[:2]
    if not hours.isdigit():
        return value
    return f"{int(hours)}h{minutes if minutes and minutes != '00' else ''}"


def _days(codes: list[str]) -> str:
    known = [d for d in _DAYS if d in codes]
    if not known:
        return ""
    indexes = [_DAYS.index(d) for d in known]
    if len(known) > 2 and indexes == list(range(indexes[0], indexes[-1] + 1)):
        return f"{_DAY_LABELS[known[0]]}-{_DAY_LABELS[known[-1]]}"
    return ", ".join(_DAY_LABELS[d] for d in known)


def available_time(slot: Json) -> str:
    """`Lun-Ven 9h-17h`, `Sam 8h30-12h`, `Lun-Dim 24h/24`."""
    days = _days(texts(slot, "daysOfWeek"))
    if slot.get("allDay") is True:
        hours = "24h/24"
    else:
        start, end = text(slot, "availableStartTime"), text(slot, "availableEndTime")
        hours = f"{_hour(start)}-{_hour(end)}" if start and end else _hour(start or end)
    return " ".join(part for part in (days, hours) if part)


def available_times(slots: Iterable[Json]) -> str:
    return join((available_time(s) for s in slots), "; ")


def _unit_code(quantity: Json) -> str:
    return text(quantity, "code") or text(quantity, "unit") or "a"


def _age(quantity: Json) -> tuple[str, str]:
    """(number, unit) of an age, the unit agreeing with the number: `1 an`, `3 ans`."""
    value, unit = text(quantity, "value"), _unit_code(quantity)
    singular, plural = _AGE_UNITS.get(unit, (unit, unit))
    try:
        number = float(value)
    except ValueError:
        return value, plural
    return f"{number:g}".replace(".", ","), singular if number < 2 else plural


def age_range(value_range: Json) -> str:
    """`De 75 à 120 ans`, `À partir de 18 ans`, `Jusqu'à 17 ans`, `De 6 mois à 3 ans`."""
    low, high = node(value_range.get("low")), node(value_range.get("high"))
    has_low, has_high = bool(text(low, "value")), bool(text(high, "value"))
    if has_low and has_high:
        (low_value, low_unit), (high_value, high_unit) = _age(low), _age(high)
        if _unit_code(low) == _unit_code(high):
            return f"De {low_value} à {high_value} {high_unit}"
        return f"De {low_value} {low_unit} à {high_value} {high_unit}"
    if has_low:
        return "À partir de {} {}".format(*_age(low))
    if has_high:
        return "Jusqu'à {} {}".format(*_age(high))
    return ""


def money(value: Json) -> str:
    """`72,50 €`: French decimal comma, two decimals unless a whole amount."""
    amount = value.get("value")
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        return ""
    number = f"{amount:.2f}".replace(".", ",").removesuffix(",00")
    currency = text(value, "currency") or "EUR"
    return f"{number} {_CURRENCIES.get(currency, currency)}"


def price(extension: Json) -> str:
    """One ROR tariff: `Hébergement permanent : 72,50 € (Par jour)`."""
    parts: dict[str, str] = {}
    for sub in nodes(extension, "extension"):
        name = text(sub, "url")
        if name in ("priceType", "priceUnit"):
            parts[name] = join(concept_labels([node(sub.get("valueCodeableConcept"))]))
        elif name == "amount":
            parts[name] = money(node(sub.get("valueMoney")))
    amount = parts.get("amount", "")
    if not amount:
        return ""
    label = f"{parts['priceType']} : {amount}" if parts.get("priceType") else amount
    return f"{label} ({parts['priceUnit']})" if parts.get("priceUnit") else label


def prices(parent: Json, name: str) -> str:
    return join((price(e) for e in extensions(parent, name)), "; ")


def reference_id(reference: Json, resource_type: str) -> str | None:
    """`Organization/abc` (relative or absolute URL, possibly versioned) → `abc`; None otherwise."""
    value = text(reference, "reference")
    if not value:
        return None
    parts = value.split("/")
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) >= 2 and parts[-2] == resource_type and parts[-1]:
        return parts[-1]
    return None
