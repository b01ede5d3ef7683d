"""Runners of further rules (being written)."""

from app.alerts.runners.base import Registration

REGISTRATIONS: list[Registration] = []
