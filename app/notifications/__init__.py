"""Pre-export notifications and their replies, arrivals, withdrawals and suspensions."""
