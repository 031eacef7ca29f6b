"""What the project's audit trail says happened to its schedules and files.

One name per kind of event, as Warehouse names its event tags: a reader of the
trail, a test and the code that records an event spell it the same way.
"""

from enum import StrEnum


class ScheduleEvent(StrEnum):
    SCHEDULE_CREATED = "schedule_created"
    SCHEDULE_CHANGED = "schedule_changed"
    SCHEDULE_DELETED = "schedule_deleted"
    ROWS_CHANGED = "rows_changed"
    REVISION_ISSUED = "revision_issued"
    FILE_UPLOAD_STARTED = "file_upload_started"
    FILE_UPLOAD_COMPLETED = "file_upload_completed"
    FILE_DOWNLOAD_URL_ISSUED = "file_download_url_issued"
    FILE_DELETED = "file_deleted"
    EXPORT_MADE = "export_made"
    IMPORT_APPLIED = "import_applied"
