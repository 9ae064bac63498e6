"""Request and response bodies of the operator API (pydantic; camelCase on the wire)."""
