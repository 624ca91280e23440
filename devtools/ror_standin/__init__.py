"""A stand-in ROR national (FHIR API of anomalies and directory) for tests and demos; see `server.py`."""

from devtools.ror_standin.server import DEFAULT_HEADERS, Received, RorStandIn, running

__all__ = ["DEFAULT_HEADERS", "Received", "RorStandIn", "running"]
