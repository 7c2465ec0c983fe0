"""Newsletter: double opt-in subscriptions, topics, campaigns, one-click unsubscribe."""
