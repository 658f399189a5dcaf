"""One sandbox, two SDKs: the C++ SDK and the Python adapter's conventions.

A sandbox created through the C++ SDK (prime_interop, built from
prime_interop.cpp) must list and read correctly the way the Python adapter
lists and reads, and one created the adapter's way must list, filter and read
correctly through the C++ SDK, as the README's "How Prime maps onto PPIO"
promises. The Python side is ppio_sandbox.core configured by PPIO_* variables;
the adapter's own metadata rules are in prime_adapter_conventions.py.
"""

import json
import os
import subprocess

import pytest
from ppio_sandbox.core import NotFoundException, Sandbox, SandboxQuery

import prime_adapter_conventions as adapter


def cpp(*args, expect_ok=True):
    """Runs one prime_interop call and returns the JSON it printed."""
    done = subprocess.run(
        [os.environ["PPIO_INTEROP_BIN"], *args], capture_output=True, text=True, timeout=120, check=False
    )
    out = json.loads(done.stdout)
    assert (done.returncode == 0) == expect_ok, f"prime_interop {args[0]}: {done.stdout} {done.stderr}"
    return out


def listed_ids(metadata):
    paginator = Sandbox.list(query=SandboxQuery(metadata=metadata))
    ids = []
    while paginator.has_next:
        ids += [key(s.sandbox_id) for s in paginator.next_items()]
    return ids


def key(sandbox_id):
    """The sandboxID part of an id. On PPIO's v1 domain ppio-sandbox names a
    sandbox <sandboxID>-<clientID> and the C++ SDK by its sandboxID alone;
    test_both_sdks_name_a_sandbox_by_the_same_id holds that difference, the
    other tests compare this part so that they check the metadata mapping."""
    return sandbox_id.split("-")[0]


def connect(sandbox_id):
    # ppio-sandbox's Sandbox.connect(id) drops the envd routing header under
    # PPIO_SANDBOX_URL (test_sdk_sync.py::test_a_sandbox_connected_by_id_reaches_its_envd).
    return Sandbox.connect(sandbox_id, headers={"PPIO-Sandbox-Id": sandbox_id})


@pytest.fixture
def cleanup():
    ids = []
    yield ids
    for sandbox_id in ids:
        Sandbox.kill(sandbox_id)


def test_a_cpp_sandbox_reads_and_lists_as_the_adapter_reads_them(run_label, cleanup):
    env = {"GREETING": "hello from C++", "QUOTED": "it's \"x\" & {y}"}
    request = {
        "name": "made-in-cpp",
        "docker_image": "python:3.11-slim",
        "labels": [run_label, "ml training"],
        "team_id": "team-interop",
        "environment_vars": env,
        "cpu_cores": 2,
        "memory_gb": 4,
        "timeout_minutes": 10,
    }
    made = cpp("create", json.dumps(request))
    cleanup.append(made["id"])
    assert made["sandbox"]["docker_image"] == "python:3.11-slim"

    info = Sandbox.get_info(made["id"])
    metadata = info.metadata
    assert metadata[adapter.NAME] == "made-in-cpp"
    assert metadata[adapter.TEAM] == "team-interop"
    assert metadata[adapter.LABEL_PREFIX + run_label] == "1"
    assert metadata[adapter.LABEL_PREFIX + "ml training"] == "1"
    assert json.loads(metadata[adapter.ENVIRONMENT_VARS]) == env

    seen = adapter.read(info)  # raises where the adapter's converter would fail
    assert seen["name"] == "made-in-cpp"
    assert sorted(seen["labels"]) == sorted([run_label, "ml training"])
    assert seen["environment_vars"] == env
    assert seen["disk_size_gb"] == 5, "Prime's default disk, as the C++ SDK stored it"
    assert seen["status"] == "RUNNING"
    assert seen["timeout_minutes"] == 10
    # Adapter defect (reference §3): it reports the template's alias (SandboxInfo.name) as
    # docker_image, not the image asked for; "base" is the template the C++ SDK chose for an
    # image PPIO lacks. The C++ SDK itself returns the image unchanged (asserted above).
    assert seen["docker_image"] == "base"

    # The adapter's list(team_id=..., labels=[...]) filters.
    assert listed_ids(adapter.list_metadata(team_id="team-interop", labels=[run_label])) == [key(made["id"])]
    assert listed_ids(adapter.list_metadata(labels=[run_label, "ml training"])) == [key(made["id"])]
    assert listed_ids(adapter.list_metadata(labels=[run_label, "not-carried"])) == []
    assert listed_ids(adapter.list_metadata(team_id="another-team", labels=[run_label])) == []

    # The variables are the sandbox's own, not only metadata.
    sbx = connect(made["id"])
    assert sbx.commands.run('printf "%s|%s" "$GREETING" "$QUOTED"').stdout == f"{env['GREETING']}|{env['QUOTED']}"


def test_an_adapter_sandbox_lists_filters_and_reads_through_the_cpp_sdk(run_label, cleanup):
    env = {"FROM_PY": "yes", "JSONISH": '{"a": 1}'}
    made = Sandbox.create(
        **adapter.create_arguments(
            name="made-in-python",
            docker_image="code-interpreter-v1",
            labels=[run_label, "async"],
            team_id="team-py",
            environment_vars=env,
            timeout_minutes=10,
        )
    )
    cleanup.append(made.sandbox_id)

    got = cpp("get", made.sandbox_id)
    assert key(got["id"]) == key(made.sandbox_id)
    assert got["name"] == "made-in-python"
    assert got["docker_image"] == "code-interpreter-v1"
    assert sorted(got["labels"]) == sorted([run_label, "async"])
    assert got["team_id"] == "team-py"
    assert got["environment_vars"] == env
    assert got["status"] == "RUNNING"
    assert got["timeout_minutes"] == 10
    assert (got["cpu_cores"], got["memory_gb"], got["disk_size_gb"]) == (2, 1, 10), "the template's resources"

    def cpp_ids(**options):
        return [key(s["id"]) for s in cpp("list", json.dumps(options))["sandboxes"]]

    assert cpp_ids(labels=[run_label], team_id="team-py") == [key(made.sandbox_id)]
    assert cpp_ids(labels=[run_label, "async"], status="RUNNING") == [key(made.sandbox_id)]
    assert cpp_ids(labels=[run_label, "not-carried"]) == []
    assert cpp_ids(labels=[run_label], team_id="another-team") == []

    assert cpp("exec", made.sandbox_id, 'printf "%s %s" "$FROM_PY" "$JSONISH"')["stdout"] == 'yes {"a": 1}'
    assert cpp("delete", made.sandbox_id) == {"success": True, "message": "Sandbox deleted"}
    with pytest.raises(NotFoundException):
        Sandbox.get_info(made.sandbox_id)
    assert cpp("get", made.sandbox_id, expect_ok=False)["error"] == "APIError"
    cleanup.remove(made.sandbox_id)


def test_pages_of_adapter_sandboxes_through_the_cpp_sdk(run_label, cleanup):
    for i in range(3):
        sbx = Sandbox.create(**adapter.create_arguments(name=f"paged-{i}", docker_image="base", labels=[run_label]))
        cleanup.append(sbx.sandbox_id)
    first = cpp("list", json.dumps({"labels": [run_label], "per_page": 2, "page": 1}))
    second = cpp("list", json.dumps({"labels": [run_label], "per_page": 2, "page": 2}))
    assert (len(first["sandboxes"]), first["has_next"]) == (2, True)
    assert (len(second["sandboxes"]), second["has_next"]) == (1, False)
    names = sorted(s["name"] for s in first["sandboxes"] + second["sandboxes"])
    assert names == ["paged-0", "paged-1", "paged-2"]
    assert {key(s["id"]) for s in first["sandboxes"] + second["sandboxes"]} == {key(i) for i in cleanup}


def test_both_sdks_name_a_sandbox_by_the_same_id(run_label, cleanup, legacy, request):
    if legacy:
        # Known difference, kept visible (strict: it fails the run once fixed):
        # on PPIO's v1 domain ppio-sandbox joins <sandboxID>-<clientID>, the id
        # PPIO shows its users, while the C++ SDK reports the bare sandboxID.
        # Both forms reach the sandbox; the C++ SDK knows no v1 domain to join
        # them on (sandbox_client.cpp, outside this change).
        request.applymarker(pytest.mark.xfail(strict=True, raises=AssertionError, reason="C++ SDK reports bare sandboxIDs on the v1 domain"))
    from_python = Sandbox.create(**adapter.create_arguments(name="same-id", docker_image="base", labels=[run_label]))
    cleanup.append(from_python.sandbox_id)
    from_cpp = cpp("create", json.dumps({"name": "same-id", "docker_image": "base", "labels": [run_label]}))["id"]
    cleanup.append(from_cpp)
    python_ids = {s.sandbox_id for s in Sandbox.list(query=SandboxQuery(metadata={"custom_label#" + run_label: "1"})).next_items()}
    cpp_ids = {s["id"] for s in cpp("list", json.dumps({"labels": [run_label]}))["sandboxes"]}
    assert cpp_ids == python_ids == {from_python.sandbox_id, from_cpp}


def test_a_fractional_disk_size_from_cpp_reads_in_both(run_label, cleanup):
    made = cpp("create", json.dumps({"name": "half-disk", "docker_image": "base", "labels": [run_label], "disk_size_gb": 2.5}))
    cleanup.append(made["id"])
    info = Sandbox.get_info(made["id"])
    assert info.metadata[adapter.DISK_SIZE_GB] == "3", "whole-number text, which the adapter's int() reads"
    assert adapter.read(info)["disk_size_gb"] == 3
    assert cpp("get", made["id"])["disk_size_gb"] == 2.5, "the exact size, from prime_disk_size_gb"


def test_a_sandbox_paused_in_python_reads_paused_through_the_cpp_sdk(run_label, cleanup):
    sbx = Sandbox.create(**adapter.create_arguments(name="to-pause", docker_image="base", labels=[run_label]))
    cleanup.append(sbx.sandbox_id)
    sbx.pause()
    got = cpp("get", sbx.sandbox_id)
    assert (got["name"], got["status"]) == ("to-pause", "PAUSED")
    assert [key(s["id"]) for s in cpp("list", json.dumps({"labels": [run_label], "status": "PAUSED"}))["sandboxes"]] == [key(sbx.sandbox_id)]
    assert cpp("list", json.dumps({"labels": [run_label], "status": "RUNNING"}))["sandboxes"] == []
    # Adapter defect (reference §3): it reads a paused sandbox as PROVISIONING, and lists paused
    # sandboxes under PENDING or STOPPED; the C++ SDK says PAUSED (README, "How Prime maps onto PPIO").
    assert adapter.read(Sandbox.get_info(sbx.sandbox_id))["status"] == "PROVISIONING"


def test_a_label_with_a_hash_reads_whole_in_cpp_and_cut_in_the_adapter(run_label, cleanup):
    made = cpp("create", json.dumps({"name": "hashed", "docker_image": "base", "labels": [run_label, "gpu#a100"]}))
    cleanup.append(made["id"])
    info = Sandbox.get_info(made["id"])
    assert info.metadata[adapter.LABEL_PREFIX + "gpu#a100"] == "1"
    assert sorted(cpp("get", made["id"])["labels"]) == sorted([run_label, "gpu#a100"])
    assert [key(s["id"]) for s in cpp("list", json.dumps({"labels": ["gpu#a100", run_label]}))["sandboxes"]] == [key(made["id"])]
    assert listed_ids(adapter.list_metadata(labels=[run_label, "gpu#a100"])) == [key(made["id"])]
    # Adapter defect (reference §3, §6): it reads the label up to its second "#", so it
    # reads back "gpu", not the "gpu#a100" it would itself have written and filters on.
    assert sorted(adapter.read(info)["labels"]) == sorted([run_label, "gpu"])
