"""Orders and refunds as the shop reports them: the facts points and offers build on."""
