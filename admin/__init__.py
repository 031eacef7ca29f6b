"""Platform administration: accounts and support tickets across the whole platform.

Its own area rather than part of auth: auth is about one's own account, while this acts
on everyone's and on support's tickets, with a power no organisation or project role
holds. One guard (admin.routes.platform_admin) is its only door, and the flag it checks
is granted and revoked only by the command line (`python -m admin`), never over HTTP.
"""
