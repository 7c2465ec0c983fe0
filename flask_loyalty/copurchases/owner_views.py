"""The owner's page of products bought together: the pairs suggestions use, best
lift first, with how many customers bought each."""

from __future__ import annotations

import typing as t

from flask import Blueprint
from flask import render_template

from ..offers.suggest import shop_catalog
from ..owner.access import owner_required
from ..owner.listing import page_number
from ..state import LoyaltyState
from ..state import get_state
from . import ranking


def register(bp: Blueprint, state: LoyaltyState) -> None:
    @bp.route("/owner/bought-together/")
    @owner_required
    def owner_copurchases() -> t.Any:
        state = get_state()
        session = state.session
        least = state.settings.suggestion_min_customers
        size = state.settings.owner_page_size
        page = page_number()
        pairs = ranking.top_pairs(
            session, least, offset=(page - 1) * size, limit=size + 1
        )
        names = {product.sku: product.name for product in shop_catalog(state)}
        return render_template(
            "loyalty/copurchases/owner_pairs.html",
            pairs=[
                (pair, names.get(pair.sku_a), names.get(pair.sku_b))
                for pair in pairs[:size]
            ],
            page=page,
            has_next=len(pairs) > size,
            buyers=ranking.buyers(session),
            least=least,
        )
