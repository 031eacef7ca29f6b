"""What every area uses: settings, database, storage, e-mail, HTTP conventions.

Nothing here imports an area.
"""
