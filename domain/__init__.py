"""Pure domain of ROR Anomalies: no Slack, no SQL, no settings."""
