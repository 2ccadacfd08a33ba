"""Pacing math: how far apart one lane's requests go, and the longest one page can take."""

from __future__ import annotations

import math

# Pacing (issue 9). A spec's `requests_per_minute` is read as "at most N calls in ANY 60 s" (a rolling minute: Xero's
# X-MinLimit-Remaining counts down per call, source-apis.md §1.5); a schedule that obeys a rolling minute also obeys
# fixed minute windows. Each of the `lanes` copies running at once gets a whole share of N: with its requests at least
# d = 60 s / share apart, a lane has at most `share` requests in any 60 s, so all lanes together at most N. (Dividing
# 60 s x lanes / N instead lets a lane fit ceil(N / lanes) calls in a minute: 9 x 7 = 63 > 60 for N 60, 7 lanes.)
# requestInterval is "the time to await before sending next page request" (documented, RestSource in
# https://learn.microsoft.com/azure/data-factory/connector-rest#rest-as-source and the ARM/SDK reference); whether it
# runs from the previous send or the previous reply is not said (the local runtime waits after the reply), so
# latency may or may not add to it: never subtract latency, which breaks the bound whenever a reply is fast.
# A Copy's FIRST request gets no interval, so each Copy is preceded by the Wait of `copy_start_wait`.
PACING_HEADROOM = 0.02  # the API counts a call when it admits it, after transit and queueing delays that vary per
# call, so calls sent d apart may be counted a little closer. 2% more spacing leaves 1.2 s of slack in every rolling
# minute whatever the rate: a lane's (share + 1)-th call lands 61.2 s after its first, so admission jitter up to
# +-0.6 s at a window's edges causes no 429 (a size assumed, not measured: the local runtime waits after each reply,
# so it shows none). Measured cost (bench/run.py, Xero's limits, uniform sizes): 94% of the limit vs 99% without,
# the rest of the difference being the whole-second Wait before each Copy rounding 5.1 s up.
RATE_WINDOW_MILLIS = 60000


def request_interval_millis(requests_per_minute: int, lanes: int) -> int:
    """Pause between one lane's requests, in ms: a whole share of any rolling minute's calls per lane, plus headroom."""
    if lanes > requests_per_minute:
        raise ValueError(f"{lanes} lanes cannot share {requests_per_minute} requests per minute (one each at least)")
    share = requests_per_minute // lanes
    return max(10, math.ceil(RATE_WINDOW_MILLIS * (1 + PACING_HEADROOM) / share))


def page_seconds(requests_per_minute: int, lanes: int, request_timeout: int) -> int:
    """The longest one page can take: the pause before it plus the request timeout (whole seconds, rounded up).

    n pages budgeted this way also cover the Wait before their Copy (at most one interval, rounded up): a Copy of n
    pages waits only n - 1 intervals itself."""
    return math.ceil(request_interval_millis(requests_per_minute, lanes) / 1000) + request_timeout
