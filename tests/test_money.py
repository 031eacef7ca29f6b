"""Amounts and totals are exact: property-based tests against Python's Decimal.

The pure tests check the tree's totals against a reference computed directly; the
round trip sends random values through the app and both databases and reads back
the same digits (no float anywhere on the way).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quantities.money import amount_of
from quantities.totals import summarize
from quantities.tree import Node, Tree
from tests.accounts import Account, new_team
from tests.conftest import Host

quantities = st.decimals(min_value=0, max_value=Decimal("999999999999.999"), places=3)
prices = st.decimals(min_value=0, max_value=Decimal("9999999999999.99"), places=2)
lump_sums = st.decimals(
    min_value=Decimal("-9999999999999.99"), max_value=Decimal("9999999999999.99"), places=2
)
rules = st.sampled_from(["normal", "provisional", "included_elsewhere", "rate_only", "lump_sum"])


@st.composite
def items(draw: st.DrawFn) -> dict[str, Any]:
    rule = draw(rules)
    quantity = draw(st.none() | quantities)
    price = draw(st.none() | prices)
    item: dict[str, Any] = {"entry_rule": rule}
    if rule == "lump_sum":
        item["lump_sum"] = draw(st.none() | lump_sums)
    if rule not in ("lump_sum", "rate_only"):
        item["quantity"] = quantity
    if rule not in ("lump_sum", "included_elsewhere"):
        item["unit_price"] = price
    return item


def reference_amount(item: dict[str, Any]) -> Decimal | None:
    rule = item["entry_rule"]
    if rule == "lump_sum":
        lump: Decimal | None = item.get("lump_sum")
        return lump
    if rule in ("included_elsewhere", "rate_only"):
        return None
    q: Decimal | None = item.get("quantity")
    p: Decimal | None = item.get("unit_price")
    if q is None or p is None:
        return None
    # With fractions, not Decimal: the product of two 15-digit values has up to 30
    # digits, and Decimal's default 28-digit context would round it before the öre.
    cents = Fraction(q) * Fraction(p) * 100
    return Decimal(math.floor(cents + Fraction(1, 2))).scaleb(-2)  # half-up, q × p ≥ 0


def test_a_30_digit_product_is_rounded_once() -> None:
    """Found by comparing with fractions: the default context rounded twice here."""
    quantity, price = Decimal("827235305157.877"), Decimal("6040542313081.67")
    exact = Fraction(quantity) * Fraction(price)
    assert exact * 100 % 1 < Fraction(1, 2)  # the exact amount rounds down
    amount = amount_of("item", "normal", quantity, price, None)
    assert amount == reference_amount(
        {"entry_rule": "normal", "quantity": quantity, "unit_price": price}
    )
    assert amount == Decimal(math.floor(exact * 100)).scaleb(-2)


@given(st.lists(st.lists(items(), max_size=8), min_size=1, max_size=6))
def test_totals_equal_the_decimal_reference(groups: list[list[dict[str, Any]]]) -> None:
    nodes = []
    expected_total = Fraction(0)
    expected_headings = []
    for position, group in enumerate(groups):
        heading = Node(uuid.uuid4(), None, position, "heading", "H", uuid.uuid4(), 1)
        nodes.append(heading)
        subtotal = Fraction(0)
        for index, item in enumerate(group):
            nodes.append(
                Node(uuid.uuid4(), heading.id, index, "item", "I", uuid.uuid4(), 1, **item)
            )
            amount = reference_amount(item)
            if amount is not None:
                subtotal += Fraction(amount)
        expected_headings.append(subtotal)
        expected_total += subtotal
    totals = summarize(Tree.build(nodes))
    assert totals.total == expected_total
    assert type(totals.total) is Decimal
    assert [Fraction(total) for _, _, total in totals.headings] == expected_headings


@given(items())
def test_a_row_amount_is_the_decimal_reference(item: dict[str, Any]) -> None:
    amount = amount_of(
        "item",
        item["entry_rule"],
        item.get("quantity"),
        item.get("unit_price"),
        item.get("lump_sum"),
    )
    assert amount == reference_amount(item)
    assert amount is None or type(amount) is Decimal


@pytest.fixture(scope="module")
def owner_schedule(host: Host) -> Iterator[tuple[Account, str]]:
    with host.client() as client:
        team = new_team(host, client, "exact")
        schedules = f"/api/projects/{team.project_id}/schedules"
        schedule_id = team.owner.browser.post(schedules, json={"name": "MF"}).json()["id"]
        yield team.owner, f"{schedules}/{schedule_id}"


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.tuples(quantities, prices), min_size=1, max_size=20))
def test_values_round_trip_exactly_through_the_database(
    owner_schedule: tuple[Account, str], values: list[tuple[Decimal, Decimal]]
) -> None:
    owner, schedule = owner_schedule
    heading = str(uuid.uuid4())
    operations: list[dict[str, Any]] = [
        {"op": "create", "id": heading, "kind": "heading", "title": "Prov"}
    ]
    operations += [
        {
            "op": "create",
            "kind": "item",
            "title": "Rad",
            "parent_id": heading,
            "quantity": str(q),
            "unit_price": str(p),
        }
        for q, p in values
    ]
    response = owner.browser.post(f"{schedule}/rows/batch", json={"operations": operations})
    assert response.status_code == 200, response.text
    rows = [
        r
        for r in owner.browser.get(f"{schedule}/rows").json()["items"]
        if r["parent_id"] == heading
    ]
    assert [(Decimal(r["quantity"]), Decimal(r["unit_price"])) for r in rows] == values
    amounts = [
        reference_amount({"entry_rule": "normal", "quantity": q, "unit_price": p})
        for q, p in values
    ]
    assert [r["amount"] for r in rows] == [f"{a:.2f}" for a in amounts]
    summary = owner.browser.get(f"{schedule}/summary").json()
    [mine] = [h for h in summary["headings"] if h["id"] == heading]
    cents = int(sum(Fraction(a) for a in amounts if a is not None) * 100)
    assert mine["total"] == f"{cents // 100}.{cents % 100:02d}"
