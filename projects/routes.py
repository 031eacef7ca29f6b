from projects import service
from projects.schemas import PermissionList
from shared import http

bp = http.Blueprint()


@bp.endpoint("GET", "permissions", response=PermissionList)
def list_permissions(ctx: http.Context) -> PermissionList:
    """The catalogue of permissions that roles are made of."""
    return service.list_permissions()
