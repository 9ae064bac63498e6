"""Pricing: what a charging session costs under a tariff (a pure function, no I/O)."""
