"""Site load management (docs/adr/0046-site-load-allocation.md): a site's grid connection and
circuits as a tree, and a pure allocator that shares the site's current between its EVSEs
without ever exceeding a limit. Nothing here does I/O: the modules take plain values and
answer plain values, so they can be proved by property tests and run anywhere."""
