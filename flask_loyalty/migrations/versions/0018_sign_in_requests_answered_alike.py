"""sign-in requests answered alike

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 05:50:00

``loyalty_sign_in_requests``: the addresses sign-in links were asked for. The
request writes one row whether or not the address is a customer's; the worker
looks it up and mails the link, so the answer takes the same time for both.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flask_loyalty.db

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "loyalty_sign_in_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("locale", sa.String(16), nullable=True),
        sa.Column("requested_at", flask_loyalty.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_sign_in_requests")),
    )


def downgrade() -> None:
    op.drop_table("loyalty_sign_in_requests")
