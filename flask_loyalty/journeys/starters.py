"""Two journeys to start from: a welcome series and a post-purchase series.

``add_starter_journeys(session, now)`` creates them (switched on) unless journeys of
those names exist; the example shop's ``init-demo`` calls it. The owner rewrites
the texts in the owner area.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from . import models as jm
from .editing import StepData
from .editing import save_journey
from .service import resume

WELCOME = "Welcome series"
AFTER_PURCHASE = "After the first purchase"

STARTERS: dict[str, tuple[str, list[StepData]]] = {
    WELCOME: (
        jm.CONFIRMED,
        [
            StepData(
                subject="Welcome to {{ shop_name }}, {{ first_name or 'friend' }}",
                body=(
                    "Dear {{ first_name or 'friend' }},\n\n"
                    "thank you for subscribing! Every piece at {{ shop_name }} is made"
                    " by hand in a small workshop, one at a time.\n\n"
                    "Over the next days we will tell you how they are made."
                ),
            ),
            StepData(
                delay_days=3,
                at_time="10:00",
                subject="How a piece is made",
                body=(
                    "Dear {{ first_name or 'friend' }},\n\n"
                    "each ring starts as a sketch and a strip of recycled silver."
                    " It is sawn, soldered, hammered and polished by hand: a day's"
                    " work for one piece.\n\nSee you soon!"
                ),
            ),
        ],
    ),
    AFTER_PURCHASE: (
        jm.FIRST_ORDER,
        [
            StepData(
                delay_hours=1,
                subject="Thank you, {{ first_name or 'friend' }}: caring for silver",
                body=(
                    "Dear {{ first_name or 'friend' }},\n\n"
                    "thank you for your first order! A few words on caring for it:\n\n"
                    "- keep it dry and take it off before swimming;\n"
                    "- store it in the pouch it came in;\n"
                    "- polish it now and then with a soft cloth."
                ),
            ),
            StepData(
                delay_days=14,
                at_time="10:00",
                subject="A piece to go with yours",
                body=(
                    "Dear {{ first_name or 'friend' }},\n\n"
                    "how do you like your new piece? Many of our customers pair"
                    " rings with the matching earrings of the same series: have a"
                    " look at the shop when you have a moment."
                ),
            ),
        ],
    ),
}


def add_starter_journeys(session: Session, now: datetime) -> int:
    """Create the starter journeys that do not exist yet, switched on; return how
    many were created. Does not commit."""
    made = 0
    for name, (trigger, steps) in STARTERS.items():
        if session.scalar(sa.select(jm.Journey.id).where(jm.Journey.name == name)):
            continue
        journey = save_journey(
            session, now, None, name=name, trigger=trigger, steps=steps
        )
        resume(session, now, journey)
        made += 1
    return made
