"""Charging sessions from the charger's side: authorization, transactions, meter values."""
