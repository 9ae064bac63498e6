"""Firmware: campaigns rolling images out over the fleet (docs/adr/0045-firmware-campaigns.md)."""
