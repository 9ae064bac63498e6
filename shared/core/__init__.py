"""Core functional block: charger admission, connections, boot, heartbeat, status."""
