"""HTTP APIs (Powertools event handler)."""
