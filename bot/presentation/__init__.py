"""How anomalies are written out for people and scripts, whatever the surface: the fields and their French
labels, the JSON keys, the listing columns, the dates, text tables and the one CSV writer.

Shared by the command line, the notebook and the Slack export; it imports neither argparse nor Slack."""
