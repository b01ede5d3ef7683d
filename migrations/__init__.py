"""Alembic migrations, shipped in the package so `serve` can migrate."""
