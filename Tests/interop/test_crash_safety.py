"""Issue 9: SIGKILL under mixed load, twenty times in a row. After every restart each
acknowledged key, alias, grant and IAM user exists, each acknowledged ciphertext decrypts to its
plaintext, the trail holds a record of every acknowledged change, and the store passes SQLite's
integrity check."""
import json
import os
import random
import signal
import sqlite3
import threading
import time

from conftest import SCALE

KILLS = 20 * SCALE


def test_sigkill_under_mixed_load(fresh_server):
    server = fresh_server
    rng = random.Random(9)
    acked = {"keys": [], "aliases": [], "grants": [], "users": [], "ciphertexts": [], "deletions": []}
    grantee = server.client("iam").create_user(UserName="grantee")["User"]["Arn"]
    totals = {k: 0 for k in acked}

    def load(worker, stop):
        kms, iam = server.client("kms"), server.client("iam")
        n = 0
        while not stop.is_set():
            n += 1
            tag = f"w{worker}-{os.getpid()}-{time.monotonic_ns()}"
            try:
                key = kms.create_key(Description=tag)["KeyMetadata"]["Arn"]
                acked["keys"].append(key)
                alias = f"alias/{tag}"
                kms.create_alias(AliasName=alias, TargetKeyId=key)
                acked["aliases"].append((alias, key))
                plaintext = os.urandom(rng.randint(1, 64))
                blob = kms.encrypt(KeyId=key, Plaintext=plaintext)["CiphertextBlob"]
                acked["ciphertexts"].append((key, blob, plaintext))
                data_key = kms.generate_data_key(KeyId=key, KeySpec="AES_256")
                acked["ciphertexts"].append((key, data_key["CiphertextBlob"], data_key["Plaintext"]))
                grant = kms.create_grant(KeyId=key, GranteePrincipal=grantee, Operations=["Decrypt"])["GrantId"]
                acked["grants"].append((key, grant))
                iam.create_user(UserName=tag[:60])
                acked["users"].append(tag[:60])
                if n % 3 == 0:
                    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
                    acked["deletions"].append(key)
            except Exception:
                return

    for round_ in range(KILLS):
        before = {k: len(v) for k, v in acked.items()}
        stop = threading.Event()
        threads = [threading.Thread(target=load, args=(w, stop)) for w in range(3)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.3, 1.2))
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait()
        stop.set()
        for t in threads:
            t.join()
        # The store as the kill left it: SQLite finds nothing wrong.
        db = sqlite3.connect(f"file:{server.data / 'rampart.sqlite'}?mode=ro", uri=True)
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        db.close()
        server.start_again(f"after-kill-{round_}")
        kms, iam = server.client("kms"), server.client("iam")
        new = {k: v[before[k]:] for k, v in acked.items()}
        pending = set()
        for key in new["keys"]:
            state = kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"]
            # A deletion the kill cut off before its answer may or may not have happened.
            assert state == "PendingDeletion" if key in new["deletions"] else state in ("Enabled", "PendingDeletion"), key
            if state == "PendingDeletion":
                pending.add(key)
        aliases = {
            a["AliasName"]: a.get("TargetKeyId")
            for page in kms.get_paginator("list_aliases").paginate()
            for a in page["Aliases"]
        }
        for alias, key in new["aliases"]:
            assert aliases.get(alias) == key.split("/")[-1], alias
        for key, grant in new["grants"]:
            assert grant in {g["GrantId"] for g in kms.list_grants(KeyId=key)["Grants"]}
        for user in new["users"]:
            iam.get_user(UserName=user)
        for key in pending:
            # A key pending deletion keeps its material: cancel, enable, and its ciphertext decrypts.
            kms.cancel_key_deletion(KeyId=key)
            kms.enable_key(KeyId=key)
        for key, blob, plaintext in new["ciphertexts"]:
            out = kms.decrypt(CiphertextBlob=blob)
            assert out["Plaintext"] == plaintext and out["KeyId"] == key
        # Every acknowledged change has its record.
        trail = server.client("cloudtrail")
        for key in new["keys"]:
            events = trail.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": key}],
                                         MaxResults=50)["Events"]
            names = {e["EventName"] for e in events}
            assert "CreateKey" in names, (key, names)
            if key in {k for _, k in new["aliases"]}:
                assert "CreateAlias" in names, (key, names)
            if key in {k for k, _ in new["grants"]}:
                assert "CreateGrant" in names, (key, names)
            if key in new["deletions"]:
                assert "ScheduleKeyDeletion" in names, (key, names)
        for k in totals:
            totals[k] += len(new[k])
    print(f"\n{KILLS} kills; acknowledged and verified after restarts: " +
          ", ".join(f"{v} {k}" for k, v in totals.items()))
    assert totals["keys"] > KILLS
    # Stronger than acknowledged: a change is never on disk without its record, because the
    # record commits in the change's own transaction. Every key that exists, acknowledged or
    # cut off by a kill, has its CreateKey record.
    kms, trail = server.client("kms"), server.client("cloudtrail")
    created = set()
    for page in trail.get_paginator("lookup_events").paginate(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateKey"}]):
        for event in page["Events"]:
            record = json.loads(event["CloudTrailEvent"])
            created.add((record.get("requestParameters") or {}).get("description"))
    existing = [k["KeyId"] for page in kms.get_paginator("list_keys").paginate() for k in page["Keys"]]
    unrecorded = [k for k in existing if kms.describe_key(KeyId=k)["KeyMetadata"]["Description"] not in created]
    print(f"{len(existing)} keys on disk, each with its CreateKey record")
    assert not unrecorded
