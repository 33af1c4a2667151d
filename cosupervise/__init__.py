"""The command line: up, serve, migrate, demo, audit, adapter."""
