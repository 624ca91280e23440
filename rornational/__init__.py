"""Adapter of the ROR national's FHIR API (anomalies as RORTask, the directory), behind the ports
`domain.ports.RorNational` and `domain.ports.RorDirectory`. HTTP lives here only.

`rornational.config` is light (stdlib only); `rornational.client.connect(config)` opens the client."""
