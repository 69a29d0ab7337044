"""Storage faults, from outside: the store turning read-only or the disk filling up under a running
server, and the store problems `rampart serve` must refuse at start with a message that says what
to do.

Read-only is made with `chattr +i` on the store, its WAL and the data folder (root cannot write an
immutable file either; the `-shm` index is left alone: it is memory-mapped, and an immutable mapping
kills the process with SIGBUS inside SQLite, which no real read-only filesystem does to a process
that already has the file open). A full disk is a small tmpfs mounted for the data folder and filled
with a ballast file. Each test skips, saying why, when this machine cannot do that; none passes
without the fault having been in place."""
import errno
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from contextlib import contextmanager
from urllib.parse import urlencode

import botocore.exceptions
import botocore.session
import pytest

from conftest import ACCOUNT, free_port, rampart_bin

WRITE_TIMEOUT = 15  # a refused write must come back, not hang behind SQLite's busy timeout


# ---------------------------------------------------------------------------------------------
# Faults


def _chattr(flag, paths):
    return subprocess.run(["chattr", flag, *map(str, paths)], capture_output=True, text=True)


class ReadOnlyStore:
    """Makes the running server's store unwritable, for root too: `chattr +i` on the database, its
    WAL and the folder (so no new file can be made there either)."""

    name = "read-only"

    def __init__(self, server):
        self.server = server
        self.paths = []

    def prepare(self):
        if shutil.which("chattr") is None:
            pytest.skip("chattr is not installed: cannot make the store immutable")
        probe = self.server.scratch / "chattr-probe"
        probe.write_bytes(b"x")
        out = _chattr("+i", [probe])
        if out.returncode != 0:
            pytest.skip(f"chattr +i does not work here ({out.stderr.strip()}): needs CAP_LINUX_IMMUTABLE "
                        "and a filesystem with the immutable flag")
        _chattr("-i", [probe])
        probe.unlink()

    def on(self):
        data = self.server.data
        self.paths = [p for p in (data / "rampart.sqlite", data / "rampart.sqlite-wal") if p.exists()] + [data]
        out = _chattr("+i", self.paths)
        assert out.returncode == 0, out.stderr
        # The fault is real: root itself cannot write the store now.
        with pytest.raises(PermissionError):
            open(data / "rampart.sqlite", "r+b").close()
        with pytest.raises(PermissionError):
            (data / "new-file").write_bytes(b"x")

    def off(self):
        if self.paths:
            _chattr("-i", self.paths)
            self.paths = []

    def cleanup(self):
        self.off()


class FullDisk:
    """Serves the data folder from a small tmpfs; `on` fills it with a ballast file, `off` removes it."""

    name = "disk-full"

    def __init__(self, server):
        self.server = server
        self.mount = server.scratch / "small-disk"
        self.mounted = False
        self.ballast = self.mount / "ballast"

    def prepare(self):
        if shutil.which("mount") is None:
            pytest.skip("mount is not installed: cannot make a small filesystem for the data folder")
        self.mount.mkdir()
        out = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m,mode=0700", "rampart-full-disk", str(self.mount)],
                             capture_output=True, text=True)
        if out.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs for the data folder ({out.stderr.strip()}): needs CAP_SYS_ADMIN")
        self.mounted = True
        # Move the (stopped) server's data folder onto the small disk and serve it from there.
        assert self.server.stop() == 0
        shutil.copytree(self.server.data, self.mount / "data", copy_function=shutil.copy2)
        os.chmod(self.mount / "data", 0o700)
        self.server.data = self.mount / "data"
        self.server.start_again("on-small-disk")

    def on(self):
        with open(self.ballast, "wb", buffering=0) as f:
            for chunk in (1 << 20, 64 << 10, 4096, 512, 1):
                block = b"\0" * chunk
                while True:
                    try:
                        f.write(block)
                    except OSError as e:
                        assert e.errno == errno.ENOSPC, e
                        break
        assert shutil.disk_usage(self.mount).free == 0
        with pytest.raises(OSError) as e:
            (self.mount / "one-more-byte").write_bytes(b"x")
        assert e.value.errno == errno.ENOSPC

    def off(self):
        if self.ballast.exists():
            self.ballast.unlink()
        leftover = self.mount / "one-more-byte"
        if leftover.exists():
            leftover.unlink()

    def cleanup(self):
        self.off()
        if self.mounted:
            self.server.stop()
            if subprocess.run(["umount", str(self.mount)], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", str(self.mount)], capture_output=True)
            self.mounted = False


@contextmanager
def storage_fault(kind, server):
    fault = kind(server)
    try:
        fault.prepare()
        yield fault
    finally:
        fault.cleanup()


# ---------------------------------------------------------------------------------------------
# Helpers


def all_logs(server):
    return "".join(p.read_text(errors="replace") for p in sorted(server.scratch.glob("*.log")))


def kms_raw(server, operation, body):
    """A signed KMS call; returns (status, parsed JSON body, headers, seconds)."""
    t = time.monotonic()
    r = server.signed(f"TrentService.{operation}", json.dumps(body))
    return r.status_code, r.json(), r.headers, time.monotonic() - t


def iam_raw(server, action, **params):
    t = time.monotonic()
    r = server.signed(None, urlencode({"Action": action, "Version": "2010-05-08", **params}), service="iam",
                      content_type="application/x-www-form-urlencoded")
    return r.status_code, r.text, r.headers, time.monotonic() - t


def assert_clean_kms_5xx(status, body, headers, seconds, what):
    assert 500 <= status < 600, (what, status, body)
    assert seconds < WRITE_TIMEOUT, (what, seconds)
    assert set(body) == {"__type", "message"}, (what, body)
    assert body["__type"] and body["message"], (what, body)
    text = json.dumps(body).lower()
    for leak in ("sqlite", "disk i/o", "ioerr", str(ACCOUNT) + "/", "/tmp", ".sqlite"):
        assert leak not in text, (what, body)
    assert headers.get("x-amzn-RequestId"), (what, headers)


def integrity_check(path):
    with sqlite3.connect(path) as db:
        result = db.execute("PRAGMA integrity_check").fetchall()
    db.close()
    return result


def every_key_usable(kms):
    ids = [k["KeyId"] for k in kms.list_keys(Limit=1000)["Keys"]]
    for key_id in ids:
        meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        assert meta["KeyState"] in ("Enabled", "Disabled", "PendingDeletion"), meta
        if meta["KeyState"] == "Enabled" and meta["KeySpec"] == "SYMMETRIC_DEFAULT":
            blob = kms.encrypt(KeyId=key_id, Plaintext=b"after the outage")["CiphertextBlob"]
            assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"after the outage"
    return set(ids)


# ---------------------------------------------------------------------------------------------
# (a) The store stops taking writes while the server runs


@pytest.mark.parametrize("kind", [ReadOnlyStore, FullDisk], ids=["read-only", "disk-full"])
def test_writes_fail_cleanly_reads_go_on_and_writes_resume(fresh_server, kind):
    server = fresh_server
    with storage_fault(kind, server) as fault:
        kms, iam, sts = server.client("kms"), server.client("iam"), server.client("sts")
        key = kms.create_key(Description="before the outage")["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName="alias/before", TargetKeyId=key)
        blob = kms.encrypt(KeyId=key, Plaintext=b"written before")["CiphertextBlob"]
        iam.create_user(UserName="before")
        keys_before = {k["KeyId"] for k in kms.list_keys(Limit=1000)["Keys"]}

        fault.on()
        try:
            # Writes: a clean AWS 5xx each, quickly, with nothing internal in the message.
            seen = {}
            for op, body in [("CreateKey", {"Description": "during the outage"}),
                             ("CreateAlias", {"AliasName": "alias/during", "TargetKeyId": key}),
                             ("DisableKey", {"KeyId": key}),
                             ("TagResource", {"KeyId": key, "Tags": [{"TagKey": "t", "TagValue": "v"}]})]:
                status, body_, headers, seconds = kms_raw(server, op, body)
                assert_clean_kms_5xx(status, body_, headers, seconds, op)
                seen[op] = (status, body_["__type"])
            status, text, headers, seconds = iam_raw(server, "CreateUser", UserName="during")
            assert status == 500, text
            assert "<ErrorResponse" in text and "<Code>ServiceFailure</Code>" in text, text
            assert "sqlite" not in text.lower() and "disk i/o" not in text.lower(), text
            assert seconds < WRITE_TIMEOUT and headers.get("x-amzn-RequestId")

            # A refused change left nothing behind in what the server answers from memory.
            meta = kms.describe_key(KeyId=key)["KeyMetadata"]
            assert meta["KeyState"] == "Enabled" and meta["Enabled"] is True
            assert kms.list_resource_tags(KeyId=key)["Tags"] == []
            assert "alias/during" not in {a["AliasName"] for a in kms.list_aliases()["Aliases"]}
            assert {k["KeyId"] for k in kms.list_keys(Limit=1000)["Keys"]} == keys_before
            with pytest.raises(botocore.exceptions.ClientError) as e:
                iam.get_user(UserName="during")
            assert e.value.response["Error"]["Code"] == "NoSuchEntity"

            # Reads and cryptography need no write: they go on working, again and again.
            for _ in range(20):
                assert kms.describe_key(KeyId="alias/before")["KeyMetadata"]["KeyId"] == key
                assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"written before"
                fresh = kms.encrypt(KeyId=key, Plaintext=b"during")["CiphertextBlob"]
                assert kms.decrypt(CiphertextBlob=fresh)["Plaintext"] == b"during"
                assert len(kms.generate_data_key(KeyId=key, KeySpec="AES_256")["Plaintext"]) == 32
            assert key in {k["KeyId"] for k in kms.list_keys(Limit=1000)["Keys"]}
            assert iam.get_user(UserName="before")["User"]["UserName"] == "before"
            assert sts.get_caller_identity()["Account"] == ACCOUNT
            assert server.proc.poll() is None, "the server died when its store stopped taking writes"
        finally:
            fault.off()

        # Writability is back: the same writes succeed, without a restart.
        after = kms.create_key(Description="after the outage")["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName="alias/during", TargetKeyId=after)
        kms.tag_resource(KeyId=key, Tags=[{"TagKey": "t", "TagValue": "v"}])
        iam.create_user(UserName="during")
        assert kms.decrypt(CiphertextBlob=kms.encrypt(KeyId=after, Plaintext=b"x")["CiphertextBlob"])["Plaintext"] == b"x"
        log = all_logs(server)
        assert "kms store write failed" in log, "the fault never reached the server"

        # After a restart nothing is half-written: the store is sound and holds exactly what was acknowledged.
        assert server.stop() == 0
        assert integrity_check(server.data / "rampart.sqlite") == [("ok",)]
        server.start_again("after-outage")
        kms, iam = server.client("kms"), server.client("iam")
        listed = every_key_usable(kms)
        assert listed == keys_before | {after}
        assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"written before"
        aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
        assert aliases["alias/before"] == key and aliases["alias/during"] == after
        assert kms.list_resource_tags(KeyId=key)["Tags"] == [{"TagKey": "t", "TagValue": "v"}]
        assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Enabled"
        assert {u["UserName"] for u in iam.list_users()["Users"]} == {"before", "during"}
        assert server.proc.poll() is None
        assert server.stop() == 0
        assert integrity_check(server.data / "rampart.sqlite") == [("ok",)]


def test_cryptographic_calls_during_the_outage_reach_the_trail_afterwards(fresh_server):
    """Records of reads and cryptographic calls are group-committed; while the store refuses writes
    they wait in memory, and are written once it takes writes again."""
    server = fresh_server
    with storage_fault(ReadOnlyStore, server) as fault:
        kms = server.client("kms")
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        fault.on()
        try:
            ids = [kms.encrypt(KeyId=key, Plaintext=b"audit me")["ResponseMetadata"]["RequestId"] for _ in range(5)]
            time.sleep(1.2)  # two or more group-commit rounds fail meanwhile
        finally:
            fault.off()
        events = server.client("cloudtrail").lookup_events(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "Encrypt"}], MaxResults=50)["Events"]
        recorded = {json.loads(e["CloudTrailEvent"])["requestID"] for e in events}
        assert set(ids) <= recorded
        assert "writing audit records failed" in all_logs(server)


def test_changes_refused_during_the_outage_still_reach_the_trail(fresh_server):
    server = fresh_server
    with storage_fault(ReadOnlyStore, server) as fault:
        kms = server.client("kms")
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        fault.on()
        try:
            status, body, headers, _ = kms_raw(server, "DisableKey", {"KeyId": key})
            assert status >= 500, body
            disable_id = headers["x-amzn-RequestId"]
            status, text, headers, _ = iam_raw(server, "CreateUser", UserName="refused")
            assert status == 500, text
            user_id = headers["x-amzn-RequestId"]
        finally:
            fault.off()
        trail = server.client("cloudtrail")
        found = {}
        for name, request_id in (("DisableKey", disable_id), ("CreateUser", user_id)):
            events = trail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}],
                                         MaxResults=50)["Events"]
            found[name] = [json.loads(e["CloudTrailEvent"]) for e in events
                           if json.loads(e["CloudTrailEvent"])["requestID"] == request_id]
        assert found["DisableKey"] and found["DisableKey"][0].get("errorCode"), found
        assert found["CreateUser"] and found["CreateUser"][0].get("errorCode"), found


def test_a_refused_kms_write_uses_an_error_the_kms_model_declares(fresh_server):
    model = botocore.session.get_session().get_service_model("kms")
    declared = {s.name for s in model.operation_model("CreateKey").error_shapes}
    server = fresh_server
    with storage_fault(ReadOnlyStore, server) as fault:
        fault.on()
        try:
            status, body, _, _ = kms_raw(server, "CreateKey", {})
        finally:
            fault.off()
    assert body["__type"] in declared & {"KMSInternalException", "DependencyTimeoutException"}, body
    assert status == 500, (status, body)


# ---------------------------------------------------------------------------------------------
# (b) Start-up refusals: non-zero exit, a message naming the problem and what to do, no hang


def init_folder(path, account=ACCOUNT):
    subprocess.run([rampart_bin(), "init", "--data-dir", str(path), "--account-id", account],
                   check=True, capture_output=True)
    return path


def serve_expecting_refusal(data, timeout=30):
    """Runs `rampart serve` on `data`; returns (exit code, stderr). Fails if it serves instead or hangs."""
    port = free_port()
    started = time.monotonic()
    proc = subprocess.Popen([rampart_bin(), "serve", "--data-dir", str(data), "--listen", f"127.0.0.1:{port}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        pytest.fail(f"rampart serve did not refuse {data} within {timeout}s (it served or hung): {err[-2000:]}")
    assert time.monotonic() - started < timeout
    return proc.returncode, out + err


def serves(data):
    """Whether `rampart serve` starts on `data` (then stops it with SIGTERM)."""
    port = free_port()
    proc = subprocess.Popen([rampart_bin(), "serve", "--data-dir", str(data), "--listen", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return True
            except OSError:
                time.sleep(0.05)
        return False
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)


def test_a_root_key_that_does_not_match_the_store_is_refused(tmp_path):
    a, b = init_folder(tmp_path / "a"), init_folder(tmp_path / "b")
    key_a, key_b = (a / "root.key").read_bytes(), (b / "root.key").read_bytes()
    assert key_a != key_b
    store_a, store_b = (a / "rampart.sqlite").read_bytes(), (b / "rampart.sqlite").read_bytes()
    (a / "root.key").write_bytes(key_b)
    (b / "root.key").write_bytes(key_a)
    for folder in (a, b):
        code, message = serve_expecting_refusal(folder)
        assert code != 0
        assert "root key" in message and "does not match" in message, message
        assert str(folder) in message, message
        assert "restore" in message, message  # says what to do
    # The refusal changed nothing: with their own keys back, both folders serve.
    assert (a / "rampart.sqlite").read_bytes() == store_a and (b / "rampart.sqlite").read_bytes() == store_b
    (a / "root.key").write_bytes(key_a)
    (b / "root.key").write_bytes(key_b)
    assert serves(a) and serves(b)


def test_a_store_written_by_a_newer_rampart_is_refused(tmp_path):
    data = init_folder(tmp_path / "d")
    store = data / "rampart.sqlite"
    with sqlite3.connect(store) as db:
        newest = db.execute("SELECT max(version) FROM rampart_schema WHERE module = 'core'").fetchone()[0]
        db.execute("INSERT INTO rampart_schema (module, version, name, applied_at) VALUES ('core', ?, ?, ?)",
                   (newest + 1, "from-a-newer-rampart", time.time()))
    db.close()
    code, message = serve_expecting_refusal(data)
    assert code != 0
    assert "newer Rampart" in message, message
    assert f"schema version {newest + 1}" in message and str(newest) in message, message
    assert "run that version or newer" in message, message  # says what to do
    # Nothing was guessed at or rolled back: the newer step is still recorded, the store is sound.
    with sqlite3.connect(store) as db:
        versions = [v for (v,) in db.execute(
            "SELECT version FROM rampart_schema WHERE module = 'core' ORDER BY version")]
    db.close()
    assert versions[-1] == newest + 1 and len(versions) == newest + 1
    assert integrity_check(store) == [("ok",)]


# test_foundation covers root.key at 0644; these are the other ways others can get in.
@pytest.mark.parametrize("target,mode,what", [
    (".", 0o750, "the data folder"),
    (".", 0o705, "the data folder"),
    (".", 0o711, "the data folder"),
    ("root.key", 0o640, "the root key file"),
    ("root.key", 0o604, "the root key file"),
    ("root.key", 0o620, "the root key file"),
])
def test_a_folder_or_root_key_open_to_others_is_refused(tmp_path, target, mode, what):
    data = init_folder(tmp_path / "d")
    path = data if target == "." else data / target
    os.chmod(path, mode)
    code, message = serve_expecting_refusal(data)
    assert code != 0
    assert what in message and str(path) in message, message
    assert f"mode {mode:o}" in message and "chmod go-rwx" in message, message
    os.chmod(path, 0o700 if target == "." else 0o600)
    assert serves(data)


def test_a_store_or_credentials_file_open_to_others_is_refused_or_tightened(tmp_path):
    data = init_folder(tmp_path / "d")
    os.chmod(data / "rampart.sqlite", 0o644)
    os.chmod(data / "credentials", 0o644)
    port = free_port()
    proc = subprocess.Popen([rampart_bin(), "serve", "--data-dir", str(data), "--listen", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        if proc.poll() is not None:  # refused: fine, if it says which file and what to do
            message = proc.stderr.read()
            assert proc.returncode != 0 and "chmod" in message, message
            return
        loose = {p.name: oct(p.stat().st_mode & 0o777) for p in data.iterdir() if p.stat().st_mode & 0o077}
        assert loose == {}, loose
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)


def _garbage(store):
    store.write_bytes(os.urandom(100_000))


def _truncated(store):
    with open(store, "r+b") as f:
        f.truncate(store.stat().st_size // 3)


@pytest.mark.parametrize("damage", [_garbage, _truncated], ids=["garbage", "truncated"])
def test_a_damaged_store_is_refused_naming_the_file(tmp_path, damage):
    data = init_folder(tmp_path / "d")
    damage(data / "rampart.sqlite")
    code, message = serve_expecting_refusal(data)
    assert code != 0
    assert str(data / "rampart.sqlite") in message, message


@pytest.mark.parametrize("kind", [ReadOnlyStore, FullDisk], ids=["read-only", "disk-full"])
def test_serve_on_an_unwritable_store_is_refused_naming_the_file(fresh_server, kind):
    server = fresh_server
    with storage_fault(kind, server) as fault:
        assert server.stop() == 0
        fault.on()
        try:
            code, message = serve_expecting_refusal(server.data)
        finally:
            fault.off()
        assert code != 0
        assert str(server.data / "rampart.sqlite") in message, message
