"""Transport details of the Python SDKs' envd calls, against ppio-mock.

How each SDK actually moves bytes: gzip in both directions, file objects and
iterables as upload bodies (octet-stream, chunked), streamed downloads, stdin
to a running command, and reattaching to one with commands.connect.
"""

import hashlib
import io
import os

import pytest

HOME = "/home/user"


@pytest.fixture
def sbx(sdk, run_label):
    sandbox = sdk.Sandbox.create("base", metadata={"run": run_label}, timeout=300)
    yield sandbox
    sandbox.kill()


def test_gzip_upload_and_download(sbx):
    data = os.urandom(300_000) + b"compressible " * 50_000
    sbx.files.write("/app/gz.bin", data, gzip=True)  # Content-Encoding: gzip
    # On disk are the plain bytes, not the gzip stream the SDK sent.
    assert sbx.commands.run("sha256sum /app/gz.bin").stdout.split()[0] == hashlib.sha256(data).hexdigest()
    assert bytes(sbx.files.read("/app/gz.bin", format="bytes", gzip=True)) == data  # Accept-Encoding: gzip
    assert bytes(sbx.files.read("/app/gz.bin", format="bytes")) == data


def test_file_objects_as_upload_bodies(sdk, sbx):
    binary = os.urandom(1_000_003)
    sbx.files.write("/app/from-bytesio.bin", io.BytesIO(binary))
    assert bytes(sbx.files.read("/app/from-bytesio.bin", format="bytes")) == binary
    sbx.files.write("/app/from-stringio.txt", io.StringIO("text from a file object\n"))
    assert sbx.files.read("/app/from-stringio.txt") == "text from a file object\n"
    path = f"/tmp/ppio-upload-{os.getpid()}.bin"
    with open(path, "wb") as f:
        f.write(binary)
    try:
        with open(path, "rb") as f:
            sbx.files.write("/app/from-disk.bin", f)
    finally:
        os.unlink(path)
    assert sbx.commands.run("sha256sum /app/from-disk.bin").stdout.split()[0] == hashlib.sha256(binary).hexdigest()


def test_streamed_download(sdk, sbx):
    data = os.urandom(5 * 1024 * 1024)
    sbx.files.write("/app/stream.bin", data)
    chunks = list(sbx.files.read("/app/stream.bin", format="stream"))
    assert b"".join(bytes(c) for c in chunks) == data
    if sdk.name == "e2b":
        # ppio-sandbox 2.1.0 reads the whole body before it iterates (a plain
        # httpx get), so only e2b shows whether the fake streams.
        assert len(chunks) > 1, "the body arrives in pieces"


def test_e2b_iterable_upload(sdk, sbx):
    if sdk.name != "e2b":
        pytest.skip("iterable upload bodies are an e2b feature; ppio-sandbox 2.1.0 takes str, bytes or IO")
    pieces = [os.urandom(64 * 1024) for _ in range(20)]
    sbx.files.write("/app/iter.bin", iter(pieces))  # octet-stream, chunked
    assert bytes(sbx.files.read("/app/iter.bin", format="bytes")) == b"".join(pieces)


def test_e2b_file_metadata(sdk, sbx):
    if sdk.name != "e2b":
        pytest.skip("per-file metadata is an e2b feature (envd 0.6.2); ppio-sandbox 2.1.0 has none")
    sbx.files.write("/app/meta.txt", "with metadata", metadata={"owner": "alice", "kind": "note"})
    assert sbx.files.read("/app/meta.txt") == "with metadata"
    assert sbx.files.get_info("/app/meta.txt").metadata == {"owner": "alice", "kind": "note"}


def test_stdin_to_a_running_command(sdk, sbx):
    handle = sbx.commands.run("read line; echo got:$line", background=True, stdin=True)
    sbx.commands.send_stdin(handle.pid, "hello stdin\n")
    assert handle.wait().stdout == "got:hello stdin\n"


def test_connect_to_a_running_command(sdk, sbx):
    handle = sbx.commands.run("read line; echo late:$line", background=True, stdin=True)
    handle.disconnect()
    again = sbx.commands.connect(handle.pid)
    sbx.commands.send_stdin(handle.pid, "x\n")
    assert again.wait().stdout == "late:x\n"
    with pytest.raises(sdk.SandboxException):
        sbx.commands.connect(999_999)
