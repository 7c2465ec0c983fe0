"""Single-use discount codes (points redemptions now, offers later)."""
