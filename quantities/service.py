"""Rules of the quantities area."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from quantities.models import Unit
from quantities.schemas import UnitList, UnitOut


def list_units(session: Session) -> UnitList:
    units = session.scalars(select(Unit).order_by(Unit.sort_order))
    return UnitList(items=[UnitOut.model_validate(unit) for unit in units])
