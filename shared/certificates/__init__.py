"""Certificates of charging stations: a CSMS-side certificate authority signs what stations ask
for (OCPP 2.0.1 A02/A03, the 1.6 security extension), docs/adr/0041-certificate-authority.md."""
