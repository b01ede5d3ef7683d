"""The write pipeline: drafts, key locks, set reads, decisions, set writes."""
