"""Products bought by the same customers, counted from recorded orders, for
suggestions ranked by lift."""
