"""journeys steps and enrolments

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 11:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flask_loyalty.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC = flask_loyalty.db.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "loyalty_journeys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("trigger_n", sa.Integer(), nullable=True),
        sa.Column("segment", sa.String(length=32), nullable=True),
        sa.Column("segment_checked_at", UTC(timezone=True), nullable=True),
        sa.Column("reentry", sa.String(length=20), nullable=False),
        sa.Column("exit_on_order", sa.Boolean(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("paused_reason", sa.String(length=300), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["loyalty_topics.id"],
            name=op.f("fk_loyalty_journeys_topic_id_loyalty_topics"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_journeys")),
    )
    op.create_index(
        op.f("ix_loyalty_journeys_topic_id"), "loyalty_journeys", ["topic_id"]
    )
    op.create_table(
        "loyalty_journey_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("entry_key", sa.String(length=320), nullable=False),
        sa.Column("active_key", sa.String(length=320), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("exit_reason", sa.String(length=20), nullable=True),
        sa.Column("entered_at", UTC(timezone=True), nullable=False),
        sa.Column("next_step", sa.Integer(), nullable=False),
        sa.Column("due_at", UTC(timezone=True), nullable=True),
        sa.Column("waiting", sa.String(length=20), nullable=True),
        sa.Column("ended_at", UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["loyalty_customers.id"],
            name=op.f("fk_loyalty_journey_enrolments_customer_id_loyalty_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["journey_id"],
            ["loyalty_journeys.id"],
            name=op.f("fk_loyalty_journey_enrolments_journey_id_loyalty_journeys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_journey_enrolments")),
        sa.UniqueConstraint(
            "journey_id",
            "active_key",
            name=op.f("uq_loyalty_journey_enrolments_active_key"),
        ),
        sa.UniqueConstraint(
            "journey_id",
            "entry_key",
            name=op.f("uq_loyalty_journey_enrolments_entry_key"),
        ),
    )
    op.create_index(
        op.f("ix_loyalty_journey_enrolments_customer_id"),
        "loyalty_journey_enrolments",
        ["customer_id"],
    )
    op.create_index(
        "ix_loyalty_journey_enrolments_due",
        "loyalty_journey_enrolments",
        ["status", "due_at"],
    )
    op.create_index(
        op.f("ix_loyalty_journey_enrolments_email"),
        "loyalty_journey_enrolments",
        ["email"],
    )
    op.create_table(
        "loyalty_journey_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("delay_minutes", sa.Integer(), nullable=False),
        sa.Column("after", sa.String(length=10), nullable=False),
        sa.Column("at_minute", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("suggest", sa.Boolean(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("offer_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "delay_minutes >= 0",
            name=op.f("ck_loyalty_journey_steps_delay_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["journey_id"],
            ["loyalty_journeys.id"],
            name=op.f("fk_loyalty_journey_steps_journey_id_loyalty_journeys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["loyalty_offers.id"],
            name=op.f("fk_loyalty_journey_steps_offer_id_loyalty_offers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_journey_steps")),
    )
    op.create_index(
        op.f("ix_loyalty_journey_steps_journey_id"),
        "loyalty_journey_steps",
        ["journey_id"],
    )
    op.create_index(
        op.f("ix_loyalty_journey_steps_offer_id"), "loyalty_journey_steps", ["offer_id"]
    )
    op.create_table(
        "loyalty_journey_segment_members",
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["loyalty_customers.id"],
            name=op.f(
                "fk_loyalty_journey_segment_members_customer_id_loyalty_customers"
            ),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["journey_id"],
            ["loyalty_journeys.id"],
            name=op.f("fk_loyalty_journey_segment_members_journey_id_loyalty_journeys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "journey_id",
            "customer_id",
            name=op.f("pk_loyalty_journey_segment_members"),
        ),
    )
    op.create_table(
        "loyalty_journey_step_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["loyalty_journey_enrolments.id"],
            name=op.f(
                "fk_loyalty_journey_step_runs_enrolment_id_loyalty_journey_enrolments"
            ),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["loyalty_outbox.id"],
            name=op.f("fk_loyalty_journey_step_runs_outbox_id_loyalty_outbox"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["loyalty_journey_steps.id"],
            name=op.f("fk_loyalty_journey_step_runs_step_id_loyalty_journey_steps"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_journey_step_runs")),
        sa.UniqueConstraint(
            "enrolment_id",
            "step_id",
            name=op.f("uq_loyalty_journey_step_runs_enrolment_id"),
        ),
    )
    op.create_index(
        op.f("ix_loyalty_journey_step_runs_outbox_id"),
        "loyalty_journey_step_runs",
        ["outbox_id"],
    )
    op.create_index(
        op.f("ix_loyalty_journey_step_runs_step_id"),
        "loyalty_journey_step_runs",
        ["step_id"],
    )


def downgrade() -> None:
    op.drop_table("loyalty_journey_step_runs")
    op.drop_table("loyalty_journey_segment_members")
    op.drop_table("loyalty_journey_steps")
    op.drop_table("loyalty_journey_enrolments")
    op.drop_table("loyalty_journeys")
