"""The fixed catalogue of project permissions; roles are sets of these keys."""

from types import MappingProxyType
from typing import Final

# key -> (English description, Swedish description)
PERMISSIONS = MappingProxyType(
    {
        "project.view": ("See the project and its details", "Se projektet och dess uppgifter"),
        "project.edit": (
            "Edit the project's name and details",
            "Ändra projektets namn och uppgifter",
        ),
        "project.delete": ("Delete the project", "Ta bort projektet"),
        "project.security": (
            "Set the project's two-factor requirements",
            "Bestämma projektets krav på tvåfaktorsinloggning",
        ),
        "members.view": ("See the project's members", "Se projektets medlemmar"),
        "members.invite": ("Invite people to the project", "Bjuda in personer till projektet"),
        "members.manage": (
            "Change members' roles and remove members",
            "Ändra medlemmars roller och ta bort medlemmar",
        ),
        "schedules.view": ("Read mängdförteckningar", "Läsa mängdförteckningar"),
        "schedules.edit": (
            "Edit rows of mängdförteckningar",
            "Redigera rader i mängdförteckningar",
        ),
        "schedules.manage": (
            "Create, rename, delete and issue mängdförteckningar",
            "Skapa, byta namn på, ta bort och ge ut mängdförteckningar",
        ),
        "schedules.export": ("Export mängdförteckningar", "Exportera mängdförteckningar"),
        "files.view": ("See and download files", "Se och ladda ner filer"),
        "files.upload": ("Upload files", "Ladda upp filer"),
        "files.delete": ("Delete files", "Ta bort filer"),
        "audit.view": ("Read the project's audit log", "Läsa projektets händelselogg"),
    }
)

_ALL = frozenset(PERMISSIONS)
_VIEW = frozenset({"project.view", "members.view", "schedules.view", "files.view"})

# The predefined roles copied into every new organisation (key, Swedish, English,
# permissions); its admins may adjust them afterwards.
BUILTIN_ROLES: tuple[tuple[str, str, str, frozenset[str]], ...] = (
    ("owner", "Ägare", "Owner", _ALL),
    ("administrator", "Administratör", "Administrator", _ALL - {"project.delete"}),
    (
        "editor",
        "Redaktör",
        "Editor",
        _VIEW | {"schedules.edit", "schedules.export", "files.upload", "files.delete"},
    ),
    ("viewer", "Läsare", "Viewer", _VIEW),
)
MANAGE_MEMBERS = "members.manage"

# Organisation roles. Admins are the organisation's creator and whom admins made admin;
# a member is someone with at least one project of the organisation, and only while so.
ORG_ADMIN: Final = "admin"
ORG_MEMBER: Final = "member"
