"""How ppio_sandbox.prime_compatible keeps Prime's fields in PPIO metadata.

No published ppio-sandbox ships the adapter (see
test_prime_compatible_adapter.py), so the interop tests speak its conventions
through ppio_sandbox.core, the SDK the adapter is built on: what its create
writes, what its list filters on, and how its converter reads a sandbox back.
They follow the reference's account of the adapter's source
(../shared/reference/ppio-prime-compatible.md: §2.2 create, §2.3 list, §3 the
converter), restated here; the README's "How Prime maps onto PPIO" promises
that the C++ SDK reads and writes the same keys.
"""

import json
import math

NAME = "sandbox_name"
TEAM = "team_id"
LABEL_PREFIX = "custom_label#"
ENVIRONMENT_VARS = "environment_vars"
DISK_SIZE_GB = "disk_size_gb"
DISK_MOUNT_PATH = "disk_mount_path"


def create_arguments(name, docker_image, labels=(), team_id=None, environment_vars=None, timeout_minutes=60):
    """The arguments the adapter's create passes to ppio_sandbox.core's Sandbox.create."""
    metadata = {}
    if name:
        metadata[NAME] = name
    if team_id:
        metadata[TEAM] = team_id
    metadata.update({LABEL_PREFIX + label: "1" for label in labels if label})
    if environment_vars:
        metadata[ENVIRONMENT_VARS] = json.dumps(environment_vars)
    return {
        "template": docker_image,  # the adapter uses docker_image as the template's name
        "timeout": timeout_minutes * 60,
        "metadata": metadata,
        "envs": environment_vars,
    }


def list_metadata(team_id=None, labels=()):
    """The metadata filter of the adapter's list(team_id=..., labels=...)."""
    query = {TEAM: team_id} if team_id else {}
    query.update({LABEL_PREFIX + label: "1" for label in labels if label})
    return query


def _environment_vars(metadata):
    try:
        parsed = json.loads(metadata.get(ENVIRONMENT_VARS) or "null")
    except json.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) and parsed else None


def read(info):
    """The Prime fields the adapter's converter fills from a SandboxInfo.

    It raises where the adapter's would (a disk_size_gb that int() cannot
    read, a state other than running or paused), which the adapter turns into
    APIError("Unexpected error ...") for get and list.
    """
    metadata = info.metadata or {}
    status = {"running": "RUNNING", "paused": "PROVISIONING"}[info.state.value]
    return {
        "id": info.sandbox_id,
        "name": metadata.get(NAME, ""),
        "docker_image": info.name,  # the template's alias, not the docker_image asked for
        "cpu_cores": info.cpu_count,
        "memory_gb": math.ceil(info.memory_mb / 1024),
        "disk_size_gb": int(metadata.get(DISK_SIZE_GB, 0)),
        "disk_mount_path": metadata.get(DISK_MOUNT_PATH, ""),
        "status": status,
        "timeout_minutes": int((info.end_at - info.started_at).total_seconds() / 60),
        "environment_vars": _environment_vars(metadata),
        "labels": [key.split("#")[1] for key in metadata if key.startswith(LABEL_PREFIX)],
        "team_id": None,  # stored by create, never read back
    }
