"""Fixtures for the real services: SMTP (aiosmtpd), Redis, Chromium. Filled in by
the infrastructure work; see tests/conftest.py for ``require``."""
