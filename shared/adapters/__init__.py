"""Implementations of `shared.ports`: DynamoDB, EventBridge, and in-memory fakes."""
