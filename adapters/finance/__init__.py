"""Reference adapter of finance: see mapping.py and docs/ADAPTERS.md."""

from adapters.finance.mapping import ADAPTER

__all__ = ["ADAPTER"]
