"""Is the seed's adapter, ppio_sandbox.prime_compatible, in the pinned ppio-sandbox?

The seed README documents `from ppio_sandbox.prime_compatible import ...`, but
no ppio-sandbox on the Python package index ships that module: not 2.1.0, the
pin, nor 1.1.3, 1.0.5 and 1.0.4, the other releases, nor 2.1.1a6, the newest
pre-release (their wheels' file lists, checked 2026-12-01). Its flows can
therefore not run here. This test records what the pinned package contains,
and fails the day a pinned version ships the adapter, so that its flows
(quick start, async, files, bulk, labels and filters) get run against the
fake then, unchanged, as issue 18 asks.
"""

import importlib.util
import pkgutil

import ppio_sandbox


def test_the_pinned_ppio_sandbox_does_not_ship_prime_compatible():
    assert ppio_sandbox.__version__ == "2.1.0"
    assert importlib.util.find_spec("ppio_sandbox.prime_compatible") is None, (
        "ppio-sandbox now ships ppio_sandbox.prime_compatible: run the seed README's flows through it"
    )
    shipped = sorted(m.name for m in pkgutil.iter_modules(ppio_sandbox.__path__))
    assert shipped == ["agent_runtime", "artifact_hosting", "code_interpreter", "connect", "core", "desktop"]
