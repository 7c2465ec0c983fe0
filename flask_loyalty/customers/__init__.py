"""Customers: one row per email address that ordered, subscribed or signed in."""
