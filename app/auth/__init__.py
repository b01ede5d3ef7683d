"""Authorities, API keys, roles and visibility."""
