"""The investigator's trace: from a seizure back to its source of diversion."""
