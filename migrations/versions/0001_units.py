"""Units of measurement, seeded (UN/ECE Recommendation 20 codes).

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# code, symbol, Swedish name, English name, UN/ECE Rec. 20 code
UNITS = [
    ("st", "st", "styck", "piece", "H87"),
    ("m", "m", "meter", "metre", "MTR"),
    ("lm", "lm", "löpmeter", "linear metre", "LM"),
    ("m2", "m²", "kvadratmeter", "square metre", "MTK"),
    ("m3", "m³", "kubikmeter", "cubic metre", "MTQ"),
    ("mm", "mm", "millimeter", "millimetre", "MMT"),
    ("km", "km", "kilometer", "kilometre", "KMT"),
    ("ha", "ha", "hektar", "hectare", "HAR"),
    ("l", "l", "liter", "litre", "LTR"),
    ("kg", "kg", "kilogram", "kilogram", "KGM"),
    ("ton", "ton", "ton", "tonne", "TNE"),
    ("tim", "tim", "timme", "hour", "HUR"),
    ("dygn", "dygn", "dygn", "day", "DAY"),
    ("vecka", "v", "vecka", "week", "WEE"),
    ("mån", "mån", "månad", "month", "MON"),
    ("sats", "sats", "sats", "set", "SET"),
    ("kWh", "kWh", "kilowattimme", "kilowatt hour", "KWH"),
    ("ls", "ls", "lumpsumma", "lump sum", "LS"),
]


def upgrade() -> None:
    units = op.create_table(
        "units",
        sa.Column("code", sa.Unicode(16), nullable=False),
        sa.Column("symbol", sa.Unicode(16), nullable=False),
        sa.Column("name_sv", sa.Unicode(64), nullable=False),
        sa.Column("name_en", sa.Unicode(64), nullable=False),
        sa.Column("unece_code", sa.String(3), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_units")),
    )
    # A plain INSERT rather than op.bulk_insert: in offline mode Alembic wraps bulk
    # inserts for mssql in SET IDENTITY_INSERT, which fails on a table without identity.
    op.execute(
        units.insert().values(
            [
                {
                    "code": code,
                    "symbol": symbol,
                    "name_sv": name_sv,
                    "name_en": name_en,
                    "unece_code": unece,
                    "sort_order": order,
                }
                for order, (code, symbol, name_sv, name_en, unece) in enumerate(UNITS, start=1)
            ]
        )
    )


def downgrade() -> None:
    op.drop_table("units")
