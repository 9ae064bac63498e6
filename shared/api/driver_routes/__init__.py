"""The driver API's routes, one module per resource (all under /driver)."""
