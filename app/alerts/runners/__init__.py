"""Impure side of the rules: on each event, gather facts by indexed lookups, then evaluate."""
