"""Accounts, passwords, sessions and second factors (e-mail codes, TOTP, recovery codes)."""
