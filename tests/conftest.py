"""Every test process is pointed at the tests' own servers before anything reads settings."""

from __future__ import annotations

import pytest

from tests.servers import isolate_environment


def pytest_configure(config: pytest.Config) -> None:
    isolate_environment()
