"""Reference adapter of cdi: see mapping.py and docs/ADAPTERS.md."""

from adapters.cdi.mapping import ADAPTER

__all__ = ["ADAPTER"]
