"""The servers under test: each started in its own session on a free port, stopped with its whole
process group; starting Rampart, moto, OpenBao and the ceiling; finding pip-installed tools."""

import configparser
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error

from .common import ACCOUNT, http, log, note, run_quiet
from .procstats import listener_pid, proc_hwm_mb

SERVERS = []   # every Server started and not yet stopped


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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
