"""Seizures, stopped shipments, illicit laboratories, suspicious orders and thefts."""
