"""The pytest plugin of the xxb-mock package: the ``xxb_mock`` fixture, a server of its own for each
test, and the ``xxb_mock`` marker for extra ``serve`` arguments. Registered through the ``pytest11``
entry point, so installing the package is enough."""

import pytest

from . import XxbMock


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "xxb_mock(*args): extra `xxb-mock serve` arguments for the xxb_mock fixture"
    )


@pytest.fixture
def xxb_mock(request):
    """A running xxb-mock (``url``, ``sign``, ``notifications``, ``requests``, ``wait_for``, ``reset``,
    ``stop``), stopped after the test."""
    marker = request.node.get_closest_marker("xxb_mock")
    server = XxbMock.start(*(marker.args if marker else ()))
    try:
        yield server
    finally:
        server.stop()
