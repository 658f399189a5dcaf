"""The two official Python SDKs behind one small interface.

ppio_sandbox.core is PPIO's fork of E2B's Python SDK, so both expose the same
Sandbox / AsyncSandbox classes and exception names; this module picks one by
name so that test_sdk_sync.py and test_sdk_async.py run unchanged on either.
"""

import importlib
from types import SimpleNamespace

MODULES = {"ppio": "ppio_sandbox.core", "e2b": "e2b"}


def load(name):
    module = importlib.import_module(MODULES[name])
    return SimpleNamespace(
        name=name,
        module=module,
        Sandbox=module.Sandbox,
        AsyncSandbox=module.AsyncSandbox,
        SandboxQuery=module.SandboxQuery,
        SandboxState=module.SandboxState,
        SandboxException=module.SandboxException,
        NotFoundException=module.NotFoundException,
        SandboxNotFoundException=module.SandboxNotFoundException,
        FileNotFoundException=module.FileNotFoundException,
        TimeoutException=module.TimeoutException,
        CommandExitException=module.CommandExitException,
        AuthenticationException=module.AuthenticationException,
        FilesystemEventType=module.FilesystemEventType,
        FileType=module.FileType,
    )
