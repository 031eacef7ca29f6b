from quantities import service
from quantities.schemas import UnitList
from shared import http

bp = http.Blueprint()


@bp.endpoint("GET", "units", response=UnitList)
def list_units(ctx: http.Context) -> UnitList:
    """The units of measurement a row may use, with Swedish and English names."""
    return service.list_units(ctx.db)
