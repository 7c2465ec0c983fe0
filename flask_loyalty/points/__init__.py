"""Points: a ledger of earned and spent points, tiers, bonuses and expiry."""
