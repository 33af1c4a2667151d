"""计划共商 · 工作共推: proposals, consultation, the annual plan, items and joint work."""
