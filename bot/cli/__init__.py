"""The `ror-bot` command line: one module per command group, each with `register(subparsers)`."""
