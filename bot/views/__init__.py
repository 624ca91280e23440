"""Pure Block Kit builders: plain data in, dicts out, no rules."""
