"""Developer tools that generate documentation from the code (never shipped)."""
