"""Reference adapter of inspection: see mapping.py and docs/ADAPTERS.md."""

from adapters.inspection.mapping import ADAPTER

__all__ = ["ADAPTER"]
