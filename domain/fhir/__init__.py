"""The ROR's FHIR R4 formats: directory resources in (import), anomalies out (RORTask) and back in."""

from domain.fhir.directory_import import ImportResult, parse_directory
from domain.fhir.rejection import Rejection
from domain.fhir.task import anomaly_to_task, draft_task, status_patch, to_task
from domain.fhir.task_reading import read_task

__all__ = [
    "ImportResult",
    "Rejection",
    "anomaly_to_task",
    "draft_task",
    "parse_directory",
    "read_task",
    "status_patch",
    "to_task",
]
