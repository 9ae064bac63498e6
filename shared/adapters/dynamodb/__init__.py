"""DynamoDB adapters: one module per table (commands and reservations per aggregate), the item
conversion they share (`items`) and paging with opaque cursors (`paging`).

Every write that could race with another Lambda for the same charger is conditional; none
reads first.
"""
