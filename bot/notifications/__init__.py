"""Scheduled channel digests and recipient notifications (SPEC §6, recipients of SPEC §2/§4)."""
