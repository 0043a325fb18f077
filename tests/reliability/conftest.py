import pytest

from tests.reliability.services import PrivateRedis


@pytest.fixture
def private_redis():
    """A Redis of this test's own, which the test may stop and start at will."""
    redis = PrivateRedis().start()
    yield redis
    redis.stop()


@pytest.fixture
def var_dir(tmp_path):
    """VAR_DIR of the subprocesses: uploads, mail files and broker folders stay in the test's tmp."""
    path = tmp_path / "var"
    path.mkdir()
    return path
