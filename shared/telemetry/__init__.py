"""Consumers of the telemetry stream and of domain events: live session energy, roll-ups."""
