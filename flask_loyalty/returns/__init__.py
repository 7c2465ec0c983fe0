"""Return requests: a customer asks, the owner approves, receives and refunds."""
