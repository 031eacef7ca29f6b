"""Amounts and totals: Decimal only, rounded half-up to öre per row.

An empty quantity or price means "not priced", which is never 0: such a row has
no amount and adds nothing to any total.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, Inexact, InvalidOperation, Overflow

ORE = Decimal("0.01")
ZERO = Decimal("0.00")

# The default context keeps 28 digits, but a 15-digit quantity times a 15-digit price
# has up to 30, and totals of such amounts a few more: every product and sum is made
# in this context, wide enough to be exact. Inexact traps, so nothing is ever rounded
# silently; the only rounding is the explicit one to öre.
EXACT = Context(prec=60, rounding=ROUND_HALF_UP, traps=[Inexact, InvalidOperation, Overflow])


def add(a: Decimal, b: Decimal) -> Decimal:
    """a + b, exactly."""
    return EXACT.add(a, b)


def amount_of(
    kind: str,
    entry_rule: str,
    quantity: Decimal | None,
    unit_price: Decimal | None,
    lump_sum: Decimal | None,
) -> Decimal | None:
    """The row's amount, or None when it has none.

    normal and provisional: quantity × unit price; lump_sum: its amount;
    included_elsewhere (fyrstreckad) and rate_only: none.
    """
    if kind != "item":
        return None
    if entry_rule == "lump_sum":
        return lump_sum
    if entry_rule in ("included_elsewhere", "rate_only"):
        return None
    if quantity is None or unit_price is None:
        return None
    return EXACT.multiply(quantity, unit_price).quantize(ORE, rounding=ROUND_HALF_UP)


def is_priced(entry_rule: str, unit_price: Decimal | None, amount: Decimal | None) -> bool | None:
    """Whether an item has the price its entry rule asks for; None when it asks for none."""
    if entry_rule == "included_elsewhere":
        return None
    if entry_rule == "rate_only":
        return unit_price is not None
    return amount is not None
