"""Firmware images, the files chargers download and upload, and campaigns
(docs/adr/0045-firmware-campaigns.md)."""
