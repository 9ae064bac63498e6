"""The OCPP Core block of a charging station: boot, heartbeat and connector status, the
connection lifecycle, firmware/diagnostics status reports and vendor DataTransfer."""
