"""Reference adapter of plc: see mapping.py and docs/ADAPTERS.md."""

from adapters.plc.mapping import ADAPTER

__all__ = ["ADAPTER"]
