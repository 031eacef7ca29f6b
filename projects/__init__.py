"""Organisations, projects, roles and permissions, members, invitations, audit."""
