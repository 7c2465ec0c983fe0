"""Customer segments computed in SQL from recorded orders."""
