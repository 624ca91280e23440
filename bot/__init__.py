"""Application layer: the Slack app, the command line, the scheduler and the notebook facade."""
