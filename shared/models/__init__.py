"""Records the platform stores and the domain events it publishes.

The WebSocket path uses plain dataclasses (no pydantic import on the hot path: cold start).
"""
