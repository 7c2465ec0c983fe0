"""languages of customers and subscribers

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 11:45:00

Customers and subscribers already have a ``locale`` column; email now goes out in
it. Earlier versions stored Flask-Babel's locale as it came ("en", "et_EE", "fil_PH"
for Tagalog); this brings the stored values to the codes of ``LOYALTY_LANGUAGES``:
lower-case language codes ("et"), Tagalog as "tl".
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = ("loyalty_customers", "loyalty_subscribers")


def upgrade() -> None:
    for name in TABLES:
        table = sa.table(name, sa.column("locale", sa.String(16)))
        locale = table.c.locale
        op.execute(
            table.update()
            .where(locale.is_not(None))
            .values(locale=sa.func.replace(sa.func.lower(locale), "-", "_"))
        )
        op.execute(
            table.update()
            .where(sa.or_(locale == "fil", locale.like("fil\\_%", escape="\\")))
            .values(locale="tl")
        )
        op.execute(table.update().where(locale == "").values(locale=None))


def downgrade() -> None:
    # The codes stay as they are: earlier versions read them just as well.
    pass
