"""Payments: pre-authorisation holds, captures, refunds and the provider's webhooks."""
