"""One module per activity type; importing this package registers every handler with the runner."""

from adfgen.local.activities import (  # noqa: F401
    copy,
    execute_pipeline,
    fail,
    filter,
    foreach,
    get_metadata,
    if_condition,
    lookup,
    switch,
    until,
    variables,
    wait,
    web,
)
