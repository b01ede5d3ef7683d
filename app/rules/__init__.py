"""Rule settings: switch a rule on or off, put it in monitor mode, tune its parameters (admin)."""
