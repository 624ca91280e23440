"""Bundled demo directory (`ror-bot directory demo`): a FHIR R4 Bundle of ROR resources holding the
SPEC's examples (CH NARBONNE - HOTEL DIEU and its offers, without recipient) and structures across
France, about half of them with a recipient (extension urn:ror-anomalies:recipient)."""

from pathlib import Path

DEMO_DIRECTORY = Path(__file__).with_name("directory.json")
