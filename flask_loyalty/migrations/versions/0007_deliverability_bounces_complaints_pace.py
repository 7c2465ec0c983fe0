"""deliverability: bounce and complaint events, the recipient domain for the pace

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 11:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flask_loyalty.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "loyalty_mail_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("email_hash", sa.String(64), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("external_id", sa.String(250), nullable=True),
        sa.Column("detail", sa.String(500), nullable=True),
        sa.Column("at", flask_loyalty.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["loyalty_campaigns.id"],
            name=op.f("fk_loyalty_mail_events_campaign_id_loyalty_campaigns"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["loyalty_outbox.id"],
            name=op.f("fk_loyalty_mail_events_outbox_id_loyalty_outbox"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_mail_events")),
        sa.UniqueConstraint(
            "source",
            "external_id",
            name=op.f("uq_loyalty_mail_events_source"),
        ),
    )
    with op.batch_alter_table("loyalty_mail_events") as batch:
        batch.create_index(
            batch.f("ix_loyalty_mail_events_campaign_id"), ["campaign_id"]
        )
        batch.create_index(batch.f("ix_loyalty_mail_events_email_hash"), ["email_hash"])
        batch.create_index("ix_loyalty_mail_events_kind_at", ["kind", "at"])
        batch.create_index(batch.f("ix_loyalty_mail_events_outbox_id"), ["outbox_id"])
    with op.batch_alter_table("loyalty_outbox") as batch:
        batch.add_column(sa.Column("to_domain", sa.String(254), nullable=True))
        batch.create_index("ix_loyalty_outbox_claimed_at", ["claimed_at"])
    # Messages still to be sent get their domain; sent ones keep NULL (the pace
    # only looks at the last minute).
    outbox = sa.table(
        "loyalty_outbox",
        sa.column("id", sa.Integer()),
        sa.column("to_addr", sa.String()),
        sa.column("to_domain", sa.String()),
        sa.column("status", sa.String()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(outbox.c.id, outbox.c.to_addr).where(
            outbox.c.status.in_(("queued", "sending"))
        )
    ).all()
    for row_id, to_addr in rows:
        domain = (to_addr or "").strip().rstrip(">").rpartition("@")[2].lower()
        bind.execute(
            outbox.update().where(outbox.c.id == row_id).values(to_domain=domain[:254])
        )


def downgrade() -> None:
    with op.batch_alter_table("loyalty_outbox") as batch:
        batch.drop_index("ix_loyalty_outbox_claimed_at")
        batch.drop_column("to_domain")
    op.drop_table("loyalty_mail_events")
