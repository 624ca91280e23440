"""Read ROR FHIR R4 resources into the directory's resources (reference/ror-fhir/README.md, SPEC §9).

Input: the text of a FHIR Bundle (JSON, `entry[].resource`) or of NDJSON (one resource per line).

- ROROrganization → Structure, identified by its ID National Structure (identifier of system
  `urn:oid:1.2.250.1.71.4.2.2`).
- RORHealthcareService → Offre, identified by `identifier.value` (`91/11359`); its structure is
  `providedBy`: `Organization/<id>` of the same file, or `providedBy.identifier.value` (an ID National
  Structure) of a structure of the same file or known to `known_structure`. The offer also shows its
  structure's Adresse / Contact / Catégorie établissement, and lies in its structure's région.
- RORLocation: not a resource of its own; gives the address of the offers and roles pointing to it.
- Practitioner + PractitionerRole → Professionnel de Santé, identified by RPPS (11 digits); roles join
  their practitioner by `Practitioner/<id>` or by RPPS.

Data items carry the current value per catalogue label, as French text; an absent one is left out, so
it reads « Non renseigné ». Région: the source tag (`meta.tag`, TRE_R30) when coherent with the
address, else derived from the département (postal code, else FINESS).

Recipients: the ROR does not name them. Project extension, on Organization, HealthcareService,
Practitioner or PractitionerRole:

    {"url": "urn:ror-anomalies:recipient", "valueString": "referent.finess@chu-exemple.fr"}

A malformed resource is rejected with its place in the file and a French reason; the rest loads."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from domain.directory import Resource, check_resource_texts
from domain.errors import InvalidIdentifier, InvalidText
from domain.fhir.offers import offer_id_of, read_offer
from domain.fhir.practitioners import practitioner_rpps, read_practitioner, role_practitioner_id, role_rpps
from domain.fhir.reading import Entry, read_entries
from domain.fhir.rejection import Rejection, ResourceRejected
from domain.fhir.structures import read_structure
from domain.fhir.values import Json, node, reference_id, text
from domain.identifiers import parse_structure_id
from domain.text import printable

SUPPORTED_TYPES = ("Organization", "HealthcareService", "Location", "Practitioner", "PractitionerRole")
KnownStructure = Callable[[str], Resource | None]
# FHIR R4 `id`: 1 to 64 letters, digits, `-` and `.`.
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
BAD_FHIR_ID = "Id FHIR invalide : 1 à 64 caractères parmi les lettres, les chiffres, « - » et « . »."


@dataclass(frozen=True, slots=True)
class ImportResult:
    resources: list[Resource]
    rejected: list[Rejection]


@dataclass(slots=True)
class _Structures:
    """The file's structures, by technical id and by ID National Structure; where rejected ones were."""

    by_fhir_id: dict[str, Resource] = field(default_factory=dict)
    by_structure_id: dict[str, Resource] = field(default_factory=dict)
    rejected_at: dict[str, Entry] = field(default_factory=dict)
    known: KnownStructure | None = None

    def by_identifier(self, value: str) -> Resource | None:
        try:
            key = parse_structure_id(value)
        except InvalidIdentifier as error:
            raise ResourceRejected(f"Structure de rattachement invalide : {error.message}") from None
        found = self.by_structure_id.get(key)
        if found is None and self.known is not None:
            found = self.known(key)
        return found

    def referenced(self, reference: Json, role: str) -> Resource:
        """The structure a reference names; rejects with the reason when it cannot be found."""
        fhir_id = reference_id(reference, "Organization")
        if fhir_id is not None:
            found = self.by_fhir_id.get(fhir_id)
            if found is not None:
                return found
            if fhir_id in self.rejected_at:
                where = self.rejected_at[fhir_id]
                raise ResourceRejected(
                    f"La structure Organization/{printable(fhir_id, 64)} de {role} a été rejetée ({where.unit} {where.position})."
                )
            raise ResourceRejected(
                f"Structure de {role} inconnue : Organization/{printable(fhir_id, 64)} n'est pas dans le fichier."
            )
        identifier = text(node(reference.get("identifier")), "value")
        if not identifier:
            raise ResourceRejected(
                f"Structure de {role} absente : providedBy doit référencer l'Organization "
                "(reference ou identifier.value)."
            )
        found = self.by_identifier(identifier)
        if found is None:
            raise ResourceRejected(
                f"Structure de {role} inconnue : aucune structure d'ID National Structure {printable(identifier, 40)} "
                "dans le fichier ni dans l'annuaire."
            )
        return found

    def of_role(self, role: Json) -> Resource | None:
        """The role's organization when known; a role's place of practice is optional, never a rejection."""
        try:
            return self.referenced(node(role.get("organization")), "ce rôle")
        except ResourceRejected:
            return None


def _duplicate(label: str, value: str, first: Entry) -> str:
    return f"{label} {value} en double : déjà présent ({first.unit} {first.position}), seule la première est chargée."


class _Import:
    def __init__(self, entries: list[Entry], rejected: list[Rejection], known: KnownStructure | None) -> None:
        self.rejected = rejected
        self.loaded: list[tuple[int, Resource]] = []
        self.by_type: dict[str, list[Entry]] = {t: [] for t in SUPPORTED_TYPES}
        self.fhir_ids: dict[tuple[str, str], Entry] = {}
        for entry in entries:
            self._sort(entry)
        self.locations = {e.fhir_id: e.body for e in self.by_type["Location"] if e.fhir_id}
        self.structures = _Structures(known=known)

    def _sort(self, entry: Entry) -> None:
        kind = entry.resource_type
        if not kind:
            self.rejected.append(entry.rejected("Type de ressource absent : resourceType attendu."))
        elif kind not in self.by_type:
            self.rejected.append(
                entry.rejected(
                    f"Type de ressource non pris en charge : {printable(kind, 40)} (attendu Organization, "
                    "HealthcareService, Location, Practitioner ou PractitionerRole)."
                )
            )
        elif entry.fhir_id is not None and not _FHIR_ID.fullmatch(entry.fhir_id):
            self.rejected.append(entry.rejected(BAD_FHIR_ID))
        elif entry.fhir_id is not None and (kind, entry.fhir_id) in self.fhir_ids:
            # Two resources with one id: whichever a reference names would be a guess; the first is kept.
            first = self.fhir_ids[(kind, entry.fhir_id)]
            self.rejected.append(entry.rejected(_duplicate("Id FHIR", f"{kind}/{entry.fhir_id}", first)))
        else:
            if entry.fhir_id is not None:
                self.fhir_ids[(kind, entry.fhir_id)] = entry
            self.by_type[kind].append(entry)

    def _keep(self, entry: Entry, resource: Resource, seen: dict[str, Entry], label: str) -> bool:
        if not self._storable(entry, resource):
            return False
        first = seen.get(resource.resource_id)
        if first is not None:
            self.rejected.append(entry.rejected(_duplicate(label, resource.resource_id, first)))
            return False
        seen[resource.resource_id] = entry
        self.loaded.append((entry.position, resource))
        return True

    def _storable(self, entry: Entry, resource: Resource) -> bool:
        """False, with the reason recorded, when a text of `resource` is no text to store."""
        try:
            check_resource_texts(resource)
        except InvalidText as error:
            self._reject(entry, ResourceRejected(error.message))
            return False
        return True

    def structures_pass(self) -> None:
        seen: dict[str, Entry] = {}
        for entry in self.by_type["Organization"]:
            try:
                structure = read_structure(entry.body)
            except ResourceRejected as error:
                self._reject(entry, error)
                continue
            if self._keep(entry, structure, seen, "ID National Structure"):
                self.structures.by_structure_id[structure.resource_id] = structure
                if entry.fhir_id:
                    self.structures.by_fhir_id.setdefault(entry.fhir_id, structure)
            elif entry.fhir_id:
                self.structures.rejected_at.setdefault(entry.fhir_id, entry)

    def _reject(self, entry: Entry, error: ResourceRejected) -> None:
        self.rejected.append(entry.rejected(error.reason))
        if entry.resource_type == "Organization" and entry.fhir_id:
            self.structures.rejected_at.setdefault(entry.fhir_id, entry)

    def offers_pass(self) -> None:
        seen: dict[str, Entry] = {}
        for entry in self.by_type["HealthcareService"]:
            try:
                offer_id_of(entry.body)  # an offer without a valid ID is reported as such first
                structure = self.structures.referenced(node(entry.body.get("providedBy")), "l'offre")
                offer = read_offer(entry.body, structure=structure, locations=self.locations)
            except ResourceRejected as error:
                self._reject(entry, error)
                continue
            self._keep(entry, offer, seen, "ID Offre")

    def practitioners_pass(self) -> None:
        practitioners: dict[str, tuple[Entry, Json]] = {}
        rpps_by_fhir_id: dict[str, str] = {}
        rejected_ids: dict[str, Entry] = {}
        for entry in self.by_type["Practitioner"]:
            try:
                rpps = practitioner_rpps(entry.body)
            except ResourceRejected as error:
                self._reject(entry, error)
                if entry.fhir_id:
                    rejected_ids[entry.fhir_id] = entry
                continue
            if rpps in practitioners:
                first = practitioners[rpps][0]
                self.rejected.append(entry.rejected(_duplicate("RPPS", rpps, first)))
                continue
            practitioners[rpps] = (entry, entry.body)
            if entry.fhir_id:
                rpps_by_fhir_id[entry.fhir_id] = rpps
        roles: dict[str, list[Json]] = {rpps: [] for rpps in practitioners}
        for entry in self.by_type["PractitionerRole"]:
            try:
                rpps = self._rpps_of_role(entry, rpps_by_fhir_id, rejected_ids)
            except ResourceRejected as error:
                self._reject(entry, error)
                continue
            if rpps not in practitioners:
                practitioners[rpps] = (entry, {})
                roles[rpps] = []
            roles[rpps].append(entry.body)
        for rpps, (entry, body) in practitioners.items():
            try:
                resource = read_practitioner(
                    rpps,
                    practitioner=body,
                    roles=roles[rpps],
                    structure_of=self.structures.of_role,
                    locations=self.locations,
                )
            except ResourceRejected as error:
                self._reject(entry, error)
                continue
            if self._storable(entry, resource):
                self.loaded.append((entry.position, resource))

    @staticmethod
    def _rpps_of_role(entry: Entry, rpps_by_fhir_id: dict[str, str], rejected_ids: dict[str, Entry]) -> str:
        fhir_id = role_practitioner_id(entry.body)
        if fhir_id is not None and fhir_id in rpps_by_fhir_id:
            return rpps_by_fhir_id[fhir_id]
        if fhir_id is not None and fhir_id in rejected_ids:
            where = rejected_ids[fhir_id]
            raise ResourceRejected(
                f"Le professionnel Practitioner/{printable(fhir_id, 64)} de ce rôle a été rejeté ({where.unit} {where.position})."
            )
        rpps = role_rpps(entry.body)
        if rpps is None:
            named = f"Practitioner/{printable(fhir_id, 64)} n'est pas dans le fichier et " if fhir_id else ""
            raise ResourceRejected(f"Professionnel du rôle inconnu : {named}aucun numéro RPPS n'est indiqué.")
        return rpps

    def result(self) -> ImportResult:
        self.loaded.sort(key=lambda item: item[0])
        self.rejected.sort(key=lambda r: r.position)
        return ImportResult(resources=[r for _, r in self.loaded], rejected=self.rejected)


def parse_directory(content: str, *, known_structure: KnownStructure | None = None) -> ImportResult:
    """The resources of an import file, and the rejected ones with their reasons.

    `known_structure(id)` lets a file of offers name structures loaded by an earlier import."""
    entries, rejected = read_entries(content)
    run = _Import(entries, rejected, known_structure)
    run.structures_pass()
    run.offers_pass()
    run.practitioners_pass()
    return run.result()
