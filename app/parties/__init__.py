"""Party entities that records resolve to."""
