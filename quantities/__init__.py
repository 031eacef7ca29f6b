"""Schedules (mängdförteckningar): rows, totals, revisions, exchange, files; and units."""
