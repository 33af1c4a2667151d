"""线索共处: leads registered, transferred, accepted or returned, handled and answered, need-to-know."""
