"""Fixtures of the console's browser tests (a module may define its own ``browser``, which then wins)."""

from tests.support.console_browser import browser, person_page

__all__ = ["browser", "person_page"]
