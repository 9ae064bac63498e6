"""Site load management (issue #18): the I/O side of the pure allocator in
`shared.smart_charging` — site stores, charging profiles sent through the command engine,
rejections and the per-site allocation loop."""
