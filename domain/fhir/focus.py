"""The identifier system that names a directory resource in the ROR national, so a declared Task's
`focus.identifier` says it the way the directory does (issue 8: the ID National Structure's system for a
structure, the system the resource itself carries for an offer or a professional, none when unknown)."""

from collections.abc import Iterable

from domain.fhir.values import Json, text


def system_naming(identifiers: Iterable[Json], value: str) -> str | None:
    """The system of the first identifier whose value is `value` (spaces aside) and that has one. An
    identifier holding another form of the value (the national PP identifier « 8 » + RPPS) does not count:
    the Task's focus carries `value`, and a system must go with the value it defines."""
    wanted = "".join(value.split())
    for identifier in identifiers:
        system = text(identifier, "system")
        if system and "".join(text(identifier, "value").split()) == wanted:
            return system
    return None
