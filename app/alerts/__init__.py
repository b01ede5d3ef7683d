"""Alerts: rule firings with a fingerprint, their lifecycle, and the change feed."""
