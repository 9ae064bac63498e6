"""CSMS-initiated calls (commands): sending, correlating replies, timeouts, outcomes."""
