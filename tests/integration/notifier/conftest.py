import pytest

from tests.integration.notifier.support import start_notifier, start_smtp


@pytest.fixture(scope="module")
def smtp():
    server = start_smtp()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def notifier(tmp_path_factory, smtp):
    n = start_notifier(tmp_path_factory.mktemp("notifier"), smtp)
    yield n
    n.stop()
