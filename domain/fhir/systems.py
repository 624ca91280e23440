"""Canonical URLs of the ROR FHIR profiles, extensions and code systems this package reads and writes."""

IG = "https://interop.esante.gouv.fr/ig/fhir/ror/"
SD = IG + "StructureDefinition/"
NOS = "https://mos.esante.gouv.fr/NOS/"

TASK_PROFILE = SD + "ror-task"
INPUT_TASK_SYSTEM = IG + "CodeSystem/input-task-ror-codesystem"
OUTPUT_TASK_SYSTEM = IG + "CodeSystem/output-task-ror-codesystem"

REGION_SYSTEM = NOS + "TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM"
THEMATIQUE_SYSTEM = NOS + "TRE_R350-ThematiqueAnomalie/FHIR/TRE-R350-ThematiqueAnomalie"
ACTION_SYSTEM = NOS + "TRE_R349-ActionAnomalie/FHIR/TRE-R349-ActionAnomalie"

STRUCTURE_ID_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2"
FINESS_SYSTEM = "https://finess.esante.gouv.fr"
# Practitioners: the national PP identifier system (RPPS, or 8 + RPPS), and the RPPS directory's own.
PRACTITIONER_ID_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"
RPPS_SYSTEM = "https://rpps.esante.gouv.fr"

# Project extension: the ROR does not name recipients, so demo and test files carry them this way.
RECIPIENT_EXTENSION = "urn:ror-anomalies:recipient"
# Project identifier system of Task.identifier (value: the anomaly reference ANO_…).
REFERENCE_SYSTEM = "urn:ror-anomalies:reference"

# Nomenclature tables, matched by name inside a coding's system so versioned URLs still match.
CATEGORIE_ETABLISSEMENT = "TRE_R66-"
ACTE_SPECIFIQUE = "TRE_R210-"
MODE_PRISE_EN_CHARGE = "TRE_R213-"
MODALITE_ACCUEIL = "TRE_R226-"
