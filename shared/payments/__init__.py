"""Payments: pre-authorisation holds, captures, refunds and the provider's webhooks,
behind a port (docs/adr/0021-payments.md)."""
