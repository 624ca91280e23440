"""The ROR's FHIR R4 formats: directory resources in (import), anomalies out (RORTask)."""

from domain.fhir.directory_import import ImportResult, parse_directory
from domain.fhir.rejection import Rejection
from domain.fhir.task import anomaly_to_task, status_patch, to_task

__all__ = ["ImportResult", "Rejection", "anomaly_to_task", "parse_directory", "status_patch", "to_task"]
