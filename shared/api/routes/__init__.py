"""Route modules of the operator API; each exposes `register(ctx)`."""
