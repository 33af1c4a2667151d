"""How agencies join the bus: the adapter SDK (`adapters.sdk`) and one reference adapter per agency.

See docs/ADAPTERS.md for the export formats and the command line.
"""
