"""`make bench`: the platform's main jobs measured against the raw bus in the same run."""
