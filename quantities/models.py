"""Tables of the quantities area."""

from __future__ import annotations

from sqlalchemy import Integer, String, Unicode
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base


class Unit(Base):
    """A unit of measurement a row may use; seeded by migration, read-only to the app."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(Unicode(16), primary_key=True)
    symbol: Mapped[str] = mapped_column(Unicode(16))
    name_sv: Mapped[str] = mapped_column(Unicode(64))
    name_en: Mapped[str] = mapped_column(Unicode(64))
    unece_code: Mapped[str] = mapped_column(String(3))
    sort_order: Mapped[int] = mapped_column(Integer)
