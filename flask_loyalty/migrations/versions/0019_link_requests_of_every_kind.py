"""link requests of every kind

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 06:20:00

``loyalty_sign_in_requests`` becomes ``loyalty_mail_requests`` with a ``kind``
(``sign-in``, ``newsletter-link``): the preferences-link form answers a known and an
unknown address with the same work too, and the worker mails the link.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.rename_table("loyalty_sign_in_requests", "loyalty_mail_requests")
    with op.batch_alter_table("loyalty_mail_requests") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(20), nullable=False, server_default="sign-in")
        )


def downgrade() -> None:
    with op.batch_alter_table("loyalty_mail_requests") as batch:
        batch.drop_column("kind")
    op.rename_table("loyalty_mail_requests", "loyalty_sign_in_requests")
