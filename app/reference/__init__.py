"""Substance reference data shipped with the service."""
