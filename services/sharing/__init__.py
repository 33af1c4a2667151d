"""信息共享 · 成果共用: agency records with provenance, sharing rules, portraits, early warnings,
and the results library."""
