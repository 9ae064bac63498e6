"""Lambda entrypoints: parse the event, call shared/, shape the response."""
