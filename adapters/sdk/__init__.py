"""Adapter SDK: read an agency's export, map and validate, sign, keep in a local outbox, publish.

from adapters.sdk import ingest_file, get_adapter
report = ingest_file(get_adapter("finance"), "export.csv")
"""

from adapters.sdk.ingest import IngestReport, format_summary, ingest_file, process_file
from adapters.sdk.mapping import Adapter, Column, MappingError, TableMapper, col
from adapters.sdk.registry import get_adapter, known_agencies

__all__ = [
    "Adapter",
    "Column",
    "IngestReport",
    "MappingError",
    "TableMapper",
    "col",
    "format_summary",
    "get_adapter",
    "ingest_file",
    "known_agencies",
    "process_file",
]
