"""Prometheus metrics: requests, latency, guardrail refusals by rule, cache hits, engine used."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry()
REQUESTS = Counter("lucky_requests_total", "HTTP requests", ["route", "status"], registry=REGISTRY)
LATENCY = Histogram("lucky_request_seconds", "Request latency", ["route"], registry=REGISTRY,
                    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
REFUSALS = Counter("lucky_guardrail_refusals_total", "Statements refused by the guardrails", ["rule"],
                   registry=REGISTRY)
ANSWERS = Counter("lucky_answers_total", "Answers by engine and status", ["engine", "status"], registry=REGISTRY)
CACHE_HITS = Counter("lucky_cache_hits_total", "Answers served from the result cache", registry=REGISTRY)
RATE_LIMITED = Counter("lucky_rate_limited_total", "Requests refused by the rate limiter", ["surface"],
                       registry=REGISTRY)
