"""Black-box harness: starts the release `rampart` binary on a free loopback port with a fresh
data folder, and hands tests boto3 clients, the aws CLI and raw signed HTTP."""
import configparser
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from unittest import mock
from pathlib import Path

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions
import pytest
import requests
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[2]
# The long local mode: RAMPART_TEST_SCALE=10 runs the crash, race and hostile-input tests ten
# times longer than CI's short versions.
SCALE = max(1, int(os.environ.get("RAMPART_TEST_SCALE", "1")))
ACCOUNT = "111111111111"


def rampart_bin():
    path = os.environ.get("RAMPART_BIN", str(ROOT / ".build" / "release" / "rampart"))
    if not os.path.exists(path):
        pytest.exit(f"no rampart binary at {path}: build it with `swift build -c release` or set RAMPART_BIN")
    return path


def tls_files(folder):
    """A self-signed EC P-256 certificate for 127.0.0.1 and its key, as PEM files in `folder`."""
    import datetime
    import ipaddress
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = Path(folder) / "cert.pem", Path(folder) / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One running `rampart serve`, its data folder and credentials."""

    def __init__(self, extra_args=(), scheme="http", account=ACCOUNT):
        self.bin = rampart_bin()
        self.scratch = Path(tempfile.mkdtemp(prefix="rampart-interop-"))
        self.data = self.scratch / "data"
        self.port = free_port()
        self.scheme = scheme
        self.endpoint = f"{scheme}://127.0.0.1:{self.port}"
        self.account = account
        self.extra_args = tuple(extra_args)
        subprocess.run([self.bin, "init", "--data-dir", str(self.data), "--account-id", account],
                       check=True, capture_output=True)
        self.log = open(self.scratch / "server.log", "wb")
        self.proc = subprocess.Popen(
            [self.bin, "serve", "--data-dir", str(self.data), "--listen", f"127.0.0.1:{self.port}", "--dev-clock",
             *extra_args],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.wait_ready()

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"rampart exited with {self.proc.returncode}: {self.server_log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("rampart did not start: " + self.server_log())

    def server_log(self):
        self.log.flush()
        return (self.scratch / "server.log").read_text(errors="replace")[-4000:]

    def profile(self, name="default"):
        cp = configparser.RawConfigParser()
        cp.read(self.data / "credentials")
        return cp[name]["aws_access_key_id"], cp[name]["aws_secret_access_key"]

    def add_account(self, account_id):
        subprocess.run([self.bin, "account", "create", "--data-dir", str(self.data), "--account-id", account_id],
                       check=True, capture_output=True)
        return self.profile(account_id)

    def client(self, service, region="us-east-1", profile="default", keys=None, validate=False, **config):
        """A boto3 client; `keys` is (id, secret) or (id, secret, session token). Client-side parameter validation is off by default so that the
        server's own validation is what the tests see (botocore checks minimums itself)."""
        akid, secret, *token = keys or self.profile(profile)
        return boto3.client(
            service, endpoint_url=self.endpoint, region_name=region, aws_access_key_id=akid,
            aws_secret_access_key=secret, aws_session_token=token[0] if token else None, verify=False,
            config=Config(retries={"max_attempts": 1}, parameter_validation=validate, **config))

    def cli_env(self, profile="default"):
        env = dict(os.environ)
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            env.pop(k, None)
        env.update(AWS_SHARED_CREDENTIALS_FILE=str(self.data / "credentials"), AWS_CONFIG_FILE=str(self.scratch / "config"),
                   AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=self.endpoint, AWS_PROFILE=profile,
                   AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
        return env

    def cli(self, *args, profile="default", check=True):
        """Runs the aws CLI; returns parsed JSON output (or text), raising on failure when check."""
        out = subprocess.run(["aws", *args, "--output", "json"], env=self.cli_env(profile), capture_output=True, text=True)
        if check and out.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed: {out.stderr}")
        if not check:
            return out
        return json.loads(out.stdout) if out.stdout.strip() else {}

    def advance_clock(self, seconds):
        subprocess.run([self.bin, "dev", "advance-clock", "--endpoint", self.endpoint, "--seconds", str(seconds)],
                       env=self.cli_env(), check=True, capture_output=True)

    def signed(self, target, body, service="kms", region="us-east-1", keys=None, timestamp=None, mutate=None,
               content_type="application/x-amz-json-1.1"):
        """A raw SigV4-signed POST, signed by botocore; `mutate(headers, body)` may tamper afterwards."""
        akid, secret = keys or self.profile()
        data = body if isinstance(body, bytes) else body.encode()
        headers = {"Content-Type": content_type}
        if target:
            headers["X-Amz-Target"] = target
        req = botocore.awsrequest.AWSRequest(method="POST", url=self.endpoint + "/", data=data, headers=headers)
        signer = botocore.auth.SigV4Auth(botocore.credentials.Credentials(akid, secret), service, region)
        if timestamp is not None:  # a datetime: sign as if it were then
            with mock.patch("botocore.auth.get_current_datetime", return_value=timestamp):
                signer.add_auth(req)
        else:
            signer.add_auth(req)
        out_headers = dict(req.headers.items())
        if mutate:
            out_headers, data = mutate(out_headers, data)
        return requests.post(self.endpoint + "/", data=data, headers=out_headers, verify=False, timeout=30)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode

    def start_again(self, name="restarted"):
        """Starts the server again on the same data folder and port, after `stop` or a kill, with
        the options it was first started with."""
        if self.proc.poll() is None:
            self.proc.wait()
        if not self.log.closed:
            self.log.close()
        self.log = open(self.scratch / f"{name}.log", "wb")
        self.proc = subprocess.Popen(
            [self.bin, "serve", "--data-dir", str(self.data), "--listen", f"127.0.0.1:{self.port}", "--dev-clock",
             *self.extra_args],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.wait_ready()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.scratch, ignore_errors=True)


@pytest.fixture(scope="session")
def server():
    s = Server()
    yield s
    s.cleanup()


@pytest.fixture(scope="session")
def kms(server):
    return server.client("kms")


@pytest.fixture()
def fresh_server():
    s = Server()
    yield s
    s.cleanup()


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def fails(code, fn, *args, **kwargs):
    """Calls fn, which must fail with AWS error `code`; returns the whole error response."""
    with pytest.raises(botocore.exceptions.ClientError) as e:
        fn(*args, **kwargs)
    assert error_code(e) == code, e.value.response["Error"]
    return e.value.response


def policy_doc(*statements):
    """An IAM policy document with these statements, as JSON text."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **extra):
    """An Allow statement; `extra` adds members (Condition, …)."""
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def user_with_keys(iam, name, **create):
    """Creates IAM user `name` (with `create`'s members) and an access key; (id, secret)."""
    iam.create_user(UserName=name, **create)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def session_keys(credentials):
    """STS credentials as the (id, secret, token) a client takes."""
    return credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
