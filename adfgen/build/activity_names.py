"""Every activity name of the generated pipelines, in one place: the templates name their activities with these (the
renderer gives every template this module as `act`) and the contexts' expressions and dependencies refer to them, so
renaming one here renames both."""

from __future__ import annotations

from adfgen.build.fragments import quote_literal

# vulture cannot see what the templates read (`act.COPY_IN_CHUNKS`): __all__ marks every name as used, and
# tests/test_activity_names.py checks that each one is read by a template or the build
__all__ = [
    "REFRESH_TOKEN", "CHECK_WORKERS", "FAIL_RUN",
    "NOTE_REQUEST_TIME", "REQUEST_TOKEN", "CHECK_TOKEN_REPLY", "TOKEN_REPLY_REFUSED", "SAVE_REFRESH_TOKEN",
    "SAVE_ACCESS_TOKEN",
    "RUN_ENDPOINT", "UNKNOWN_ENDPOINT",
    "NOTE_SYNC_START", "READ_WATERMARK", "COPY_IN_CHUNKS", "READ_TOKEN_EXPIRY", "REFRESH_IF_NEAR_EXPIRY",
    "GET_ACCESS_TOKEN", "MARK_CHUNK_START", "SIZE_CHUNK", "PACE_COPY", "COPY_CHUNK", "NOTE_COPY_END", "CHUNK_LANDED",
    "MARK_DONE", "ADVANCE", "RESET_FAILURES", "CHECK_CAP", "COUNT_FAILURE", "RETRY_OR_GIVE_UP", "GIVE_UP", "BACK_OFF",
    "CHECK_WINDOW_LANDED", "WINDOW_NOT_LANDED", "SAVE_WATERMARK",
    "LIST_PARENT_FILES", "CHECK_FILE_COUNT", "TOO_MANY_FILES", "RUN_PER_FILE",
    "EXTRACT_KEYS", "READ_PARENT_KEYS", "CHECK_ROW_LIMIT", "TOO_MANY_PARENTS", "RUN_PER_PARENT",
    "run", "read_secret", "read_identity", "for_each_file", "for_each_parent", "output",
]

# controller (and the worker's refresh near expiry)
REFRESH_TOKEN = "Refresh Token"
CHECK_WORKERS = "Check Workers"
FAIL_RUN = "Fail Run"

# refresh
NOTE_REQUEST_TIME = "Note Request Time"
REQUEST_TOKEN = "Request Token"
CHECK_TOKEN_REPLY = "Check Token Reply"
TOKEN_REPLY_REFUSED = "Token Reply Refused"
SAVE_REFRESH_TOKEN = "Save Refresh Token"
SAVE_ACCESS_TOKEN = "Save Access Token"

# slot
RUN_ENDPOINT = "Run Endpoint"
UNKNOWN_ENDPOINT = "Unknown Endpoint"

# worker
NOTE_SYNC_START = "Note Sync Start"
READ_WATERMARK = "Read Watermark"
COPY_IN_CHUNKS = "Copy In Chunks"
READ_TOKEN_EXPIRY = "Read Token Expiry"
REFRESH_IF_NEAR_EXPIRY = "Refresh If Near Expiry"
GET_ACCESS_TOKEN = "Get Access Token"
MARK_CHUNK_START = "Mark Chunk Start"
SIZE_CHUNK = "Size Chunk"
PACE_COPY = "Pace Copy"
COPY_CHUNK = "Copy Chunk"
NOTE_COPY_END = "Note Copy End"
CHUNK_LANDED = "Chunk Landed"
MARK_DONE = "Mark Done"
ADVANCE = "Advance"
RESET_FAILURES = "Reset Failures"
CHECK_CAP = "Check Cap"
COUNT_FAILURE = "Count Failure"
RETRY_OR_GIVE_UP = "Retry Or Give Up"
GIVE_UP = "Give Up"
BACK_OFF = "Back Off"
CHECK_WINDOW_LANDED = "Check Window Landed"
WINDOW_NOT_LANDED = "Window Not Landed"
SAVE_WATERMARK = "Save Watermark"

# fan-out over a parent's files
LIST_PARENT_FILES = "List Parent Files"
CHECK_FILE_COUNT = "Check File Count"
TOO_MANY_FILES = "Too Many Files"
RUN_PER_FILE = "Run Per File"

# one parent file
EXTRACT_KEYS = "Extract Keys"
READ_PARENT_KEYS = "Read Parent Keys"
CHECK_ROW_LIMIT = "Check Row Limit"
TOO_MANY_PARENTS = "Too Many Parents"
RUN_PER_PARENT = "Run Per Parent"


def run(target: str) -> str:
    """The Execute Pipeline activity that runs an endpoint's worker (or a group of workers), e.g. `Run invoices`."""
    return f"Run {target}"


def read_secret(role: str) -> str:
    """The Web activity that reads one secret role from Key Vault, e.g. `Get Client Id`."""
    return "Get " + role.replace("_", " ").title()


def read_identity(secret: str) -> str:
    """The Web activity that reads an identity value (secret names are safe in activity names)."""
    return f"Get {secret}"


def for_each_file(parent: str) -> str:
    """The ForEach over a parent endpoint's landed files."""
    return f"For Each {parent} File"


def for_each_parent(parent: str) -> str:
    """The ForEach over the parent records of one file."""
    return f"For Each {parent}"


def output(activity: str) -> str:
    """The expression of an activity's output, e.g. `activity('Copy Chunk').output`."""
    return f"activity({quote_literal(activity)}).output"
