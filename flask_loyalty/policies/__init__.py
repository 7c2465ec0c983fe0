"""Policy pages the owner writes, and the shop's structured return rules."""
