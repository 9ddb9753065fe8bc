"""Shared test settings: hypothesis draws the same examples on every run."""

from hypothesis import settings

settings.register_profile("microgradrnn", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("microgradrnn")
