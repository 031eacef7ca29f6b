"""Support (DESIGN.md §6): the Intercom chat's configuration, opening hours and tickets.

Not built yet. The deployment already provides its settings (CASAI_INTERCOM_APP_ID and
the CASAI_INTERCOM_SECRET Key Vault reference), so the area can land without infra changes.
"""
