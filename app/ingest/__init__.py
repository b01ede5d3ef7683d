"""The write pipeline: drafts (`pipeline`), key locks (`keys`, `locks`); set reads, decisions
and set writes to come (DESIGN.md section 3)."""
