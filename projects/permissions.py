"""The fixed catalogue of project permissions and the predefined roles built from them."""

from enum import StrEnum
from typing import Final, NamedTuple, Self


class Permission(StrEnum):
    """A project permission; a role is a set of these. Members are their keys (str)."""

    description: str
    description_sv: str

    def __new__(cls, key: str, description: str, description_sv: str) -> Self:
        member = str.__new__(cls, key)
        member._value_ = key
        member.description = description
        member.description_sv = description_sv
        return member

    PROJECT_VIEW = (
        "project.view",
        "See the project and its details",
        "Se projektet och dess uppgifter",
    )
    PROJECT_EDIT = (
        "project.edit",
        "Edit the project's name and details",
        "Ändra projektets namn och uppgifter",
    )
    PROJECT_DELETE = "project.delete", "Delete the project", "Ta bort projektet"
    PROJECT_SECURITY = (
        "project.security",
        "Set the project's two-factor requirements",
        "Bestämma projektets krav på tvåfaktorsinloggning",
    )
    MEMBERS_VIEW = "members.view", "See the project's members", "Se projektets medlemmar"
    MEMBERS_INVITE = (
        "members.invite",
        "Invite people to the project",
        "Bjuda in personer till projektet",
    )
    MEMBERS_MANAGE = (
        "members.manage",
        "Change members' roles and remove members",
        "Ändra medlemmars roller och ta bort medlemmar",
    )
    SCHEDULES_VIEW = "schedules.view", "Read mängdförteckningar", "Läsa mängdförteckningar"
    SCHEDULES_EDIT = (
        "schedules.edit",
        "Edit rows of mängdförteckningar",
        "Redigera rader i mängdförteckningar",
    )
    SCHEDULES_MANAGE = (
        "schedules.manage",
        "Create, rename, delete and issue mängdförteckningar",
        "Skapa, byta namn på, ta bort och ge ut mängdförteckningar",
    )
    SCHEDULES_EXPORT = (
        "schedules.export",
        "Export mängdförteckningar",
        "Exportera mängdförteckningar",
    )
    FILES_VIEW = "files.view", "See and download files", "Se och ladda ner filer"
    FILES_UPLOAD = "files.upload", "Upload files", "Ladda upp filer"
    FILES_DELETE = "files.delete", "Delete files", "Ta bort filer"
    AUDIT_VIEW = "audit.view", "Read the project's audit log", "Läsa projektets händelselogg"


# The catalogue in the order GET /permissions lists it.
PERMISSIONS: Final = tuple(Permission)


class BuiltinRole(NamedTuple):
    """A predefined role copied into every new organisation; its admins may adjust it."""

    key: str
    name_sv: str
    name_en: str
    permissions: frozenset[Permission]


_ALL = frozenset(Permission)
_VIEW = frozenset(
    {
        Permission.PROJECT_VIEW,
        Permission.MEMBERS_VIEW,
        Permission.SCHEDULES_VIEW,
        Permission.FILES_VIEW,
    }
)

BUILTIN_ROLES: Final = (
    BuiltinRole("owner", "Ägare", "Owner", _ALL),
    BuiltinRole(
        "administrator", "Administratör", "Administrator", _ALL - {Permission.PROJECT_DELETE}
    ),
    BuiltinRole(
        "editor",
        "Redaktör",
        "Editor",
        _VIEW
        | {
            Permission.SCHEDULES_EDIT,
            Permission.SCHEDULES_EXPORT,
            Permission.FILES_UPLOAD,
            Permission.FILES_DELETE,
        },
    ),
    BuiltinRole("viewer", "Läsare", "Viewer", _VIEW),
)

# Organisation roles. Admins are the organisation's creator and whom admins made admin;
# a member is someone with at least one project of the organisation, and only while so.
ORG_ADMIN: Final = "admin"
ORG_MEMBER: Final = "member"
