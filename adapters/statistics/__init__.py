"""Reference adapter of statistics: see mapping.py and docs/ADAPTERS.md."""

from adapters.statistics.mapping import ADAPTER

__all__ = ["ADAPTER"]
