"""What notifications and seizures share: items, parties, countries, history, paging."""
