"""`--only overhead`: the api section's per-request overhead lines alone (API ÷ SQL for count and a records page,
the fixed cost per request, a cheap aggregation's), without its ten-minute table of every aggregation."""

from __future__ import annotations

from bench import api
from bench.reporter import Reporter
from bench.setup import BenchEnv


def run(env: BenchEnv, reporter: Reporter) -> None:
    env.overhead_only = True
    try:
        api.run(env, reporter)
    finally:
        env.overhead_only = False
