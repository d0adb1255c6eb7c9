"""Timing a page in-process for the page benchmarks (`benchmark_desk`, `benchmark_bureau`):
Django's test client, so middleware, view, templates and queries count, the network not."""

from __future__ import annotations

import time

from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def page_measure(client: Client, url: str, *, repeat: int) -> tuple[list[float], int, int]:
    """(milliseconds of each of `repeat` runs, HTML bytes, queries) of GET `url`, after one
    warm-up run (templates compiled, caches filled); a status other than 200 fails."""
    client.get(url)
    times, size, queries = [], 0, 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise CommandError(f"{url} 返回 {response.status_code}")
        size, queries = len(response.content), len(captured.captured_queries)
    return times, size, queries
