"""Personal offers: first purchase, birthday, win-back, stamp cards..."""
