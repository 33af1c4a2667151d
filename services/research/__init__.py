"""课题共研: research topics set by the office, outputs co-written with versions, one final report."""
