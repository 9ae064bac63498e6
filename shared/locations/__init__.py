"""Charging locations: sites, their chargers, EVSEs and connectors, and finding them nearby."""
