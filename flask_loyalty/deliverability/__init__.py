"""Deliverability: DKIM, bounces, complaints, the sending pace and their figures."""
