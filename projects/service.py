"""Rules of the projects area."""

from projects.permissions import PERMISSIONS
from projects.schemas import PermissionList, PermissionOut


def list_permissions() -> PermissionList:
    return PermissionList(
        [
            PermissionOut(key=key, description=english, description_sv=swedish)
            for key, (english, swedish) in PERMISSIONS.items()
        ]
    )
