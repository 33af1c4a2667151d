"""Reference adapter of audit: see mapping.py and docs/ADAPTERS.md."""

from adapters.audit.mapping import ADAPTER

__all__ = ["ADAPTER"]
