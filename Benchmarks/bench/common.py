"""What every part of the driver shares: paths, the account, notes and logging, HTTP helpers."""

import base64
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_RAMPART = os.path.join(ROOT, ".build", "release", "rampart")
DEFAULT_CEILING = os.path.join(ROOT, "Benchmarks", ".build", "release", "Ceiling")
REGION = "us-east-1"
ACCOUNT = "111122223333"

ERROR_SHARE = 0.01          # more than 1% non-200 answers: the cell reads "errors"
CHECK_SECONDS = 1           # the pre-flight wrk run that checks for 200s

NOTES = []


def note(msg):
    NOTES.append(msg)
    log("note: " + msg)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def b64(data):
    return base64.b64encode(data).decode()


def run_quiet(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def http(method, url, body=None, headers=None, timeout=10):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def request(method, path, headers, body):
    """One pre-built request, as loadgen.write_script turns it into wrk's Lua."""
    return {"method": method, "path": path, "headers": headers, "body": body}
