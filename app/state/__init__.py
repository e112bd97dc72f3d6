"""Writable service state (API keys, audit trail, saved queries), kept apart from the read-only data."""
