"""Fixtures shared by the Python external-client tests.

Each pytest run starts its own ppio-mock on a free port (the binary comes from
PPIO_MOCK_BIN, set by run_python_sdk_test.sh), points the SDKs at it through
the environment variables their documentation names, and stops it at the end.

ppio-sandbox picks its protocol from PPIO_DOMAIN: the default domain
(sandbox.ppio.cn) is PPIO's v1 ("legacy") service, which the fake plays with
--legacy-v1; any other domain is the modern service. `--ppio-domain` chooses
which one a run tests.
"""

import contextlib
import datetime
import os
import subprocess
import threading
import uuid

import httpx
import pytest

import sdk_under_test

LEGACY_DOMAIN = "sandbox.ppio.cn"
API_KEY = "sk_mock_default_key"
ADMIN_TOKEN = "ppio-mock-admin"


def pytest_addoption(parser):
    parser.addoption("--sdk", default="ppio", choices=sorted(sdk_under_test.MODULES), help="which official SDK to test")
    parser.addoption(
        "--ppio-domain",
        default=LEGACY_DOMAIN,
        help="PPIO_DOMAIN for ppio-sandbox; the default v1 domain runs the fake with --legacy-v1",
    )


@contextlib.contextmanager
def running_ppio_mock(*flags):
    """Starts ppio-mock on a free port and yields its URL; kills it on exit."""
    binary = os.environ["PPIO_MOCK_BIN"]
    proc = subprocess.Popen(
        [binary, "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url, seen = None, []
        for line in proc.stdout:  # ends when the fake exits
            seen.append(line)
            if line.startswith("ppio-mock listening on "):
                url = line.split()[-1]
                break
        if url is None:
            raise RuntimeError("ppio-mock did not start:\n" + "".join(seen))
        # Keep reading so that the fake never blocks on a full pipe.
        threading.Thread(target=proc.stdout.read, daemon=True).start()
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def ppio_domain(pytestconfig):
    return pytestconfig.getoption("--ppio-domain")


@pytest.fixture(scope="session")
def legacy(pytestconfig, ppio_domain):
    """Whether this run plays PPIO's v1 service: ppio-sandbox on its default domain."""
    return pytestconfig.getoption("--sdk") == "ppio" and ppio_domain == LEGACY_DOMAIN


@pytest.fixture(scope="session")
def fake_url(legacy):
    with running_ppio_mock(*(["--legacy-v1"] if legacy else [])) as url:
        yield url


@pytest.fixture(scope="session", autouse=True)
def sdk_environment(fake_url, ppio_domain):
    """The variables ppio-sandbox (PPIO_*) and e2b (E2B_*) read, for the whole run."""
    saved = dict(os.environ)
    for name in ("PPIO_DEBUG", "PPIO_ACCESS_TOKEN", "E2B_DEBUG", "E2B_DOMAIN", "E2B_ACCESS_TOKEN"):
        os.environ.pop(name, None)
    os.environ.update(
        PPIO_API_URL=fake_url,
        PPIO_SANDBOX_URL=fake_url,
        PPIO_API_KEY=API_KEY,
        PPIO_DOMAIN=ppio_domain,
        E2B_API_URL=fake_url,
        E2B_SANDBOX_URL=fake_url,
        E2B_API_KEY=API_KEY,
    )
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="session")
def sdk(pytestconfig):
    return sdk_under_test.load(pytestconfig.getoption("--sdk"))


@pytest.fixture
def run_label():
    """A metadata value unique to one test, so that list filters see only its sandboxes."""
    return f"run-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def fake_now(fake_url):
    """The fake's virtual clock (GET /_mock/clock): what its sandboxes' times are
    measured on, so that tests compare with it and never with this machine's clock."""

    def now():
        res = httpx.get(fake_url + "/_mock/clock", headers={"X-Admin-Token": ADMIN_TOKEN})
        res.raise_for_status()
        return datetime.datetime.fromisoformat(res.json()["now"].replace("Z", "+00:00"))

    return now
