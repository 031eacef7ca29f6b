"""What the audit trails of organisations and projects say happened, named once.

A reader of the trail (`GET …/audit`), a test and the code that records an event
spell each the same way, as Warehouse names its event tags.
"""

from enum import StrEnum


class OrgEvent(StrEnum):
    """Events of an organisation's trail. A role edit is also written to the trail of
    every project where the role is used."""

    ORG_CREATED = "org_created"
    ORG_RENAMED = "org_renamed"
    ORG_ROLE_CHANGED = "org_role_changed"
    MEMBER_LEFT = "org_member_left"
    ROLE_CREATED = "role_created"
    ROLE_CHANGED = "role_changed"
    ROLE_DELETED = "role_deleted"


class ProjectEvent(StrEnum):
    """Events of a project's trail (its schedules' events: quantities.events)."""

    PROJECT_CREATED = "project_created"
    PROJECT_CHANGED = "project_changed"
    PROJECT_DELETED = "project_deleted"
    SECURITY_CHANGED = "security_changed"
    MEMBER_CHANGED = "member_changed"
    MEMBER_REMOVED = "member_removed"
    INVITATION_SENT = "invitation_sent"
    INVITATION_ACCEPTED = "invitation_accepted"
    INVITATION_REVOKED = "invitation_revoked"
