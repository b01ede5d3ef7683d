"""The write pipeline: drafts (`pipeline`), key locks (`keys`, `locks`), what a transaction reads
once and keeps (`kept`, `facts`, `entities`, `replays`); set decisions and set writes to come
(DESIGN.md section 3)."""
