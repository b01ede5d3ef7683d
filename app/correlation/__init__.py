"""Correlation keys, candidate search by key, scored links between seizures and notifications."""
