"""Hostile clients must not starve well-behaved ones. Each test runs an attack from raw sockets in the
background while a well-behaved boto3 KMS client (a pooled connection) and raw signed calls (a new
connection each) keep getting answers, each within BOUND seconds; afterwards the server is alive
and answering.

What the server does (Hummingbird 2 over SwiftNIO, `idleTimeout` 60 s):
- a connection that has not completed a request head is closed 60 s after it opened, however
  slowly it trickles header bytes (only whole request parts count as activity); no response is sent;
- an idle connection is closed 60 s after its last request (or after it opened);
- request heads are limited to 80 KiB per field, 80 KiB in all and 1000 fields: beyond that the answer
  is a bare `400 Bad Request` with `Connection: close` at once; the server then shuts its side down and
  reads no more, but keeps the socket (FIN-WAIT-2, unread bytes queued) until the idle timeout;
- a declared Content-Length over 1 MiB is answered 413 RequestEntityTooLargeException at once; the
  connection stays open and the rest of the body is read and dropped;
- a chunked body is refused 413 once it passes 1 MiB;
- pipelined requests are answered in order; a client that reads none of its answers is pushed back once
  the socket buffers are full (seen: the server stopped reading after ~8,400 of 50,000 pipelined
  Encrypts), so its backlog does not pile up in the server's memory;
- connections are capped below the open-files limit (the limit less an eighth of it, at least 96 held
  back): one past the cap is closed as soon as it is accepted, so descriptors never run out, the
  connections already open keep being served, and ids stay random."""
import os
import re
import resource
import select
import selectors
import shutil
import socket
import stat
import threading
import time

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest
import requests

from conftest import Server, rampart_bin

BOUND = 5.0  # seconds for any one well-behaved call: ~10 ms unloaded; generous for a 2-core machine shared with the attack
IDLE_TIMEOUT = 60  # the server's idle timeout
CLOSE_WITHIN = IDLE_TIMEOUT + 30  # how long an attacker's connection may live at most
ZERO_UUID = "00000000-0000-4000-8000-000000000000"


class WellBehaved:
    """A patient, ordinary client: KMS calls through boto3's pooled connection, plus a raw signed
    ListKeys on a new connection each time (so accepting connections is tested too)."""

    def __init__(self, server):
        self.server = server
        self.kms = server.client("kms", connect_timeout=10, read_timeout=30)
        self.key = self.kms.create_key(Description="well behaved")["KeyMetadata"]["KeyId"]

    def _timed(self, what, fn):
        t = time.monotonic()
        result = fn()
        elapsed = time.monotonic() - t
        assert elapsed < BOUND, f"{what} took {elapsed:.2f}s under attack (bound {BOUND}s)"
        return result

    def once(self):
        blob = self._timed("Encrypt", lambda: self.kms.encrypt(KeyId=self.key, Plaintext=b"hello")["CiphertextBlob"])
        assert self._timed("Decrypt", lambda: self.kms.decrypt(CiphertextBlob=blob))["Plaintext"] == b"hello"
        assert self._timed("ListKeys", lambda: self.kms.list_keys(Limit=10))["Keys"]
        r = self._timed("ListKeys on a new connection", lambda: self.server.signed("TrentService.ListKeys", "{}"))
        assert r.status_code == 200, r.text

    def keep_going(self, seconds, pause=0.1, until=None):
        """Calls for `seconds` (or until `until()` holds); returns how many rounds were made."""
        rounds = 0
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.once()
            rounds += 1
            if until is not None and until():
                break
            time.sleep(pause)
        return rounds


def alive_and_answering(server):
    assert server.proc.poll() is None, f"rampart died (exit {server.proc.returncode}): {server.server_log()}"
    assert requests.get(server.endpoint + "/_rampart/health", timeout=5).json() == {"status": "ok"}
    assert server.signed("TrentService.ListKeys", "{}").status_code == 200


def rss_kib(server):
    return int(open(f"/proc/{server.proc.pid}/status").read().split("VmRSS:")[1].split()[0])


def fd_budget(wanted, reserve=500):
    """How many sockets this process (and the server, which inherits the limit) may open."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    n = min(wanted, soft - reserve)
    if n < wanted // 4:
        pytest.skip(f"ulimit -n is {soft}: too low to open {wanted} attack connections")
    return n


def signed_request_bytes(server, target, body):
    """One SigV4-signed KMS request as raw HTTP/1.1 bytes (replayable within the 15-minute skew)."""
    akid, secret = server.profile()
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=server.endpoint + "/", data=body.encode(),
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(akid, secret), "kms", "us-east-1").add_auth(req)
    head = ["POST / HTTP/1.1", f"Host: 127.0.0.1:{server.port}", f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in req.headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body.encode()


def exchange(port, data, wait=10):
    """Sends `data` on a new connection while reading what comes back (the server may answer and stop
    reading midway), until the server closes its side or `wait` passes. Returns (status or None,
    whether the server closed its side, bytes read)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=wait)
    s.setblocking(False)
    sel = selectors.DefaultSelector()
    view, pos, out, closed = memoryview(data), 0, b"", False
    deadline = time.monotonic() + wait
    try:
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
        while time.monotonic() < deadline:
            for _, events in sel.select(max(0.0, deadline - time.monotonic())):
                if events & selectors.EVENT_WRITE and pos < len(data):
                    try:
                        pos += s.send(view[pos:pos + 65536])
                    except BlockingIOError:
                        pass
                    except (BrokenPipeError, ConnectionResetError):
                        pos = len(data)
                    if pos >= len(data):
                        sel.modify(s, selectors.EVENT_READ)
                if events & selectors.EVENT_READ:
                    try:
                        chunk = s.recv(65536)
                    except BlockingIOError:
                        continue
                    except ConnectionResetError:
                        chunk = b""
                    if not chunk:
                        closed = True
                        break
                    out += chunk
            if closed:
                break
            head, sep, body = out.partition(b"\r\n\r\n")
            if sep and b"connection: close" not in head.lower():
                length = re.search(rb"(?im)^content-length: *(\d+)", head)
                if length and len(body) >= int(length.group(1)):
                    break  # a complete keep-alive answer
        status = int(out.split(b" ", 2)[1]) if out.startswith(b"HTTP/1.1 ") else None
        return status, closed, out
    finally:
        sel.close()
        s.close()


class Watch:
    """Follows many attacker sockets: when the server closes each (EOF or reset), and what it sent."""

    def __init__(self, socks):
        self.socks = {s.fileno(): s for s in socks}
        self.opened = time.monotonic()
        self.closed_after = {}
        self.received = {}
        self.poller = select.poll()
        for fd in self.socks:
            self.poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)

    def check(self, timeout_ms=0):
        for fd, _ in self.poller.poll(timeout_ms):
            if fd in self.closed_after:
                continue
            try:
                data = self.socks[fd].recv(65536)
            except BlockingIOError:
                continue
            except OSError:  # reset
                data = b""
            if data:
                self.received[fd] = self.received.get(fd, b"") + data
                continue
            self.closed_after[fd] = time.monotonic() - self.opened
            self.poller.unregister(fd)

    @property
    def open_count(self):
        return len(self.socks) - len(self.closed_after)

    def close_all(self):
        for s in self.socks.values():
            s.close()


# ---------------------------------------------------------------------------------------------
# (a) slowloris


def test_slowloris_does_not_starve_others_and_is_cut_off(fresh_server):
    server = fresh_server
    client = WellBehaved(server)
    n = fd_budget(400)
    socks = []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: TrentService.ListKeys\r\nX-Slow-" + str(i).encode())
        s.setblocking(False)
        socks.append(s)
    watch = Watch(socks)
    stop = threading.Event()
    lock = threading.Lock()
    rss_before = rss_kib(server)
    # And one that streams a header line that never ends, as fast as the server takes it.
    endless = socket.create_connection(("127.0.0.1", server.port), timeout=CLOSE_WITHIN + 30)
    endless.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Endless: ")
    streamed, endless_closed_after = [0], []

    def stream():
        try:
            while not stop.is_set():
                endless.sendall(b"a" * 65536)
                streamed[0] += 65536
        except (BrokenPipeError, ConnectionResetError):
            if not stop.is_set():
                endless_closed_after.append(time.monotonic() - watch.opened)
        except OSError:
            pass

    streamer = threading.Thread(target=stream, daemon=True)
    streamer.start()

    def drip():  # one more header byte on every connection every 2 s: the head never completes
        while not stop.is_set():
            with lock:
                watch.check()
                for fd, s in watch.socks.items():
                    if fd not in watch.closed_after:
                        try:
                            s.send(b"x")
                        except OSError:
                            pass
            stop.wait(2)

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    try:
        # Well-behaved calls keep getting answers for as long as the attack lasts.
        rounds = client.keep_going(CLOSE_WITHIN, pause=0.2,
                                   until=lambda: watch.open_count == 0 and bool(endless_closed_after))
        rss_during = rss_kib(server)
    finally:
        stop.set()
        dripper.join(10)
        with lock:
            watch.check()
            watch.close_all()
        try:
            endless.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        streamer.join(10)
        endless.close()
    assert rounds >= 50, rounds
    # The endless header was not buffered: the server stopped reading it (observed: after the ~4 MB the
    # socket buffers hold) and closed it at the idle timeout, sending nothing.
    assert endless_closed_after, "the endless header's connection was never closed"
    assert endless_closed_after[0] <= CLOSE_WITHIN, endless_closed_after
    assert streamed[0] < 64 << 20, f"the server took {streamed[0]} bytes of one header line"
    assert rss_during - rss_before < 64 * 1024, (rss_before, rss_during)
    # The server cut every slowloris connection off (observed: ~60 s after it opened), sending nothing.
    assert watch.open_count == 0, f"{watch.open_count} of {n} trickling connections still open after {CLOSE_WITHIN}s"
    times = sorted(watch.closed_after.values())
    assert times[0] >= IDLE_TIMEOUT - 10, f"cut off after {times[0]:.1f}s: sooner than the idle timeout"
    assert times[-1] <= CLOSE_WITHIN, times[-1]
    assert all(not data.startswith(b"HTTP/1.1 2") for data in watch.received.values()), watch.received
    alive_and_answering(server)


# ---------------------------------------------------------------------------------------------
# (b) many idle connections


def test_a_thousand_idle_connections_do_not_starve_others_and_are_closed(fresh_server):
    server = fresh_server
    client = WellBehaved(server)
    n = fd_budget(1000)
    socks = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(n)]
    for s in socks:
        s.setblocking(False)
    watch = Watch(socks)
    try:
        # While they are all open, new and pooled connections alike are served at once.
        client.keep_going(10, pause=0.1)
        watch.check()
        assert watch.open_count == n, f"{n - watch.open_count} idle connections closed within 10 s"
        # Then the server closes them by itself (observed: 60 s after they opened), and keeps serving.
        deadline = time.monotonic() + CLOSE_WITHIN
        while watch.open_count and time.monotonic() < deadline:
            client.once()
            watch.check(timeout_ms=1000)
    finally:
        watch.close_all()
    assert watch.open_count == 0, f"{watch.open_count} of {n} idle connections still open after {CLOSE_WITHIN}s"
    times = sorted(watch.closed_after.values())
    assert IDLE_TIMEOUT - 10 <= times[0] and times[-1] <= CLOSE_WITHIN, (times[0], times[-1])
    assert not watch.received, "the server sent something on a connection that sent nothing"
    alive_and_answering(server)


FEW_DESCRIPTORS = 256


def server_with_few_descriptors(tmp_path, monkeypatch):
    """A server started under `ulimit -n 256` (systemd's default soft limit for services is 1024)."""
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        pytest.skip("prlimit is not installed: cannot start rampart with a small descriptor limit")
    wrapper = tmp_path / "rampart-few-fds"
    wrapper.write_text(f'#!/bin/sh\nexec {prlimit} --nofile={FEW_DESCRIPTORS}:{FEW_DESCRIPTORS} {rampart_bin()} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("RAMPART_BIN", str(wrapper))
    server = Server()
    limits = open(f"/proc/{server.proc.pid}/limits").read().split("Max open files")[1].split()[:2]
    assert limits == [str(FEW_DESCRIPTORS)] * 2, limits
    return server


def use_up_descriptors(server, count=FEW_DESCRIPTORS + 150):
    """Opens more connections than the server has descriptors: its accept() fails with EMFILE."""
    socks = []
    for _ in range(count):
        try:
            socks.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        except OSError:
            break
    return socks


def test_more_connections_than_descriptors_do_not_kill_the_server(tmp_path, monkeypatch):
    server = server_with_few_descriptors(tmp_path, monkeypatch)
    try:
        client = WellBehaved(server)
        client.once()
        socks = use_up_descriptors(server)
        try:
            # Past the cap each connection is closed on accept: the server always has descriptors left.
            time.sleep(0.5)
            in_use = len(os.listdir(f"/proc/{server.proc.pid}/fd"))
            assert in_use < FEW_DESCRIPTORS - 32, f"{in_use} of {FEW_DESCRIPTORS} descriptors in use"
            assert "connection limit reached" in server.server_log()
            # The well-behaved client's connection was accepted before: it keeps being served, and the
            # server lives through it (no answer is owed to the connections it could not accept).
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    blob = client.kms.encrypt(KeyId=client.key, Plaintext=b"still here")["CiphertextBlob"]
                    assert client.kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"still here"
                except Exception:
                    try:
                        server.proc.wait(2)
                    except Exception:
                        pass
                    assert server.proc.poll() is None, f"rampart died (exit {server.proc.returncode}) with " \
                                                       f"{len(socks)} connections open: {server.server_log()[-800:]}"
                    raise
        finally:
            for s in socks:
                s.close()
        time.sleep(2)
        alive_and_answering(server)
        WellBehaved(server).once()
    finally:
        server.cleanup()


def test_ids_stay_unique_when_descriptors_run_out(tmp_path, monkeypatch):
    server = server_with_few_descriptors(tmp_path, monkeypatch)
    try:
        kms = server.client("kms", connect_timeout=5, read_timeout=10)
        first = kms.create_key(Description="before")  # the pooled connection is made before the flood
        assert first["KeyMetadata"]["KeyId"] != ZERO_UUID
        socks = use_up_descriptors(server)
        try:
            time.sleep(0.3)
            made = [kms.create_key(Description=f"during {i}") for i in range(3)]
        finally:
            for s in socks:
                s.close()
        key_ids = [m["KeyMetadata"]["KeyId"] for m in made]
        request_ids = [m["ResponseMetadata"]["RequestId"] for m in made]
        assert ZERO_UUID not in key_ids and len(set(key_ids)) == 3, key_ids
        assert ZERO_UUID not in request_ids and len(set(request_ids)) == 3, request_ids
        assert {m["KeyMetadata"]["Description"] for m in made} == {"during 0", "during 1", "during 2"}
        descriptions = {kms.describe_key(KeyId=k)["KeyMetadata"]["Description"] for k in key_ids}
        assert descriptions == {"during 0", "during 1", "during 2"}, descriptions
    finally:
        server.cleanup()


# ---------------------------------------------------------------------------------------------
# (c) oversized request heads


def test_oversized_headers_get_a_4xx_or_a_close_and_others_are_served(fresh_server):
    server = fresh_server
    port = server.port
    signed = signed_request_bytes(server, "TrentService.ListKeys", "{}")
    head, _, body = signed.partition(b"\r\n\r\n")

    def with_extra(extra):
        return head + b"\r\n" + extra + b"\r\n\r\n" + body

    # Within the limits (80 KiB per field and in all): an ordinary answer, as for any request.
    status, _, out = exchange(port, with_extra(b"X-Big: " + b"a" * (64 * 1024)))
    assert status == 200, out[:300]
    for name, data in [
        ("a 1 MiB header line", with_extra(b"X-Big: " + b"a" * (1 << 20))),
        ("a 100 KiB header line", with_extra(b"X-Big: " + b"a" * (100 * 1024))),
        ("2000 small headers", with_extra(b"\r\n".join(b"X-H%d: v" % i for i in range(2000)))),
        ("8000 headers of 100 bytes", with_extra(b"\r\n".join(b"X-H%d: " % i + b"v" * 100 for i in range(8000)))),
        ("a 1 MiB request target", b"POST /" + b"a" * (1 << 20) + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
    ]:
        status, closed, out = exchange(port, data)
        assert status is None or 400 <= status < 500, (name, out[:300])
        assert closed, f"{name}: answered {status} but the connection was left open"
    # Many at once, over and over, while well-behaved calls go on.
    client = WellBehaved(server)
    stop = threading.Event()
    results = []
    big = with_extra(b"X-Big: " + b"a" * (1 << 20))

    def attack():
        while not stop.is_set():
            results.append(exchange(port, big)[:2])

    attackers = [threading.Thread(target=attack, daemon=True) for _ in range(6)]
    for t in attackers:
        t.start()
    try:
        client.keep_going(10)
    finally:
        stop.set()
        for t in attackers:
            t.join(30)
    assert len(results) >= 6, results
    assert all((status is None or 400 <= status < 500) and closed for status, closed in results), set(results)
    alive_and_answering(server)


# ---------------------------------------------------------------------------------------------
# (d) pipelined flood and body flood


def test_a_pipelined_flood_that_reads_nothing_does_not_starve_others(fresh_server):
    server = fresh_server
    client = WellBehaved(server)
    one = signed_request_bytes(server, "TrentService.Encrypt",
                               '{"KeyId": "%s", "Plaintext": "aGVsbG8="}' % client.key)
    count = 3000
    flood = socket.create_connection(("127.0.0.1", server.port))
    flood.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window, and nothing read for now
    sent = [0]

    def write_all():
        try:
            for _ in range(count):
                flood.sendall(one)
                sent[0] += 1
        except OSError:
            pass

    writer = threading.Thread(target=write_all, daemon=True)
    writer.start()
    try:
        rss_before = rss_kib(server)
        client.keep_going(8)
        assert server.proc.poll() is None
        assert rss_kib(server) - rss_before < 64 * 1024, "the unread answers piled up in the server"
        # Now read: every pipelined request is answered, in order, with a 200.
        statuses, answers, buf = {}, 0, b""
        flood.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        flood.settimeout(10)
        deadline = time.monotonic() + 120
        while answers < count and time.monotonic() < deadline:
            try:
                chunk = flood.recv(1 << 20)
            except socket.timeout:
                continue
            if not chunk:
                break
            buf += chunk
            while True:  # take every complete response off the front
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    break
                head = buf[:end]
                length = re.search(rb"(?im)^content-length: *(\d+)", head)
                assert length, head
                if len(buf) < end + 4 + int(length.group(1)):
                    break
                statuses[head[9:12]] = statuses.get(head[9:12], 0) + 1
                answers += 1
                buf = buf[end + 4 + int(length.group(1)):]
    finally:
        flood.close()
        writer.join(10)
    assert sent[0] == count, f"only {sent[0]} of {count} requests could be written"
    assert answers == count, (answers, statuses)
    assert statuses == {b"200": count}, statuses
    alive_and_answering(server)


def test_a_slow_100_mb_body_does_not_starve_others(fresh_server):
    server = fresh_server
    client = WellBehaved(server)
    signed = signed_request_bytes(server, "TrentService.ListKeys", "{}")
    head = signed.split(b"\r\n\r\n")[0].replace(b"Content-Length: 2", b"Content-Length: 104857600")
    assert b"Content-Length: 104857600" in head
    huge = socket.create_connection(("127.0.0.1", server.port))
    huge.sendall(head + b"\r\n\r\n")
    # And twenty that claim a body under the limit and send it a byte every tenth of a second.
    slow = []
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", server.port))
        s.sendall(signed.split(b"\r\n\r\n")[0].replace(b"Content-Length: 2", b"Content-Length: 1000000") + b"\r\n\r\n")
        slow.append(s)
    stop = threading.Event()
    sent = [0]

    def trickle():
        while not stop.is_set():
            try:
                huge.sendall(b"a" * 65536)  # ~640 KB/s: 100 MB would take minutes
                sent[0] += 65536
                for s in slow:
                    s.send(b"{")
            except OSError:
                return
            stop.wait(0.1)

    t = threading.Thread(target=trickle, daemon=True)
    t.start()
    try:
        # The declared length alone is refused at once, with an AWS error.
        huge.settimeout(5)
        answer = huge.recv(65536)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
        assert b'"__type":"RequestEntityTooLargeException"' in answer, answer
        client.keep_going(10)
    finally:
        stop.set()
        try:
            huge.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        t.join(10)
        huge.close()
        for s in slow:
            s.close()
    assert sent[0] > 0
    alive_and_answering(server)


def test_a_chunked_body_past_the_limit_is_cut_off(fresh_server):
    server = fresh_server
    client = WellBehaved(server)
    signed = signed_request_bytes(server, "TrentService.ListKeys", "{}")
    head = signed.split(b"\r\n\r\n")[0].replace(b"Content-Length: 2", b"Transfer-Encoding: chunked")
    assert b"Transfer-Encoding: chunked" in head
    s = socket.create_connection(("127.0.0.1", server.port))
    s.sendall(head + b"\r\n\r\n")
    chunk = b"10000\r\n" + b"a" * 0x10000 + b"\r\n"
    sent = [0]
    stop = threading.Event()

    def stream():  # 64 MiB of chunks, as fast as the server takes them
        try:
            while not stop.is_set() and sent[0] < 64 << 20:
                s.sendall(chunk)
                sent[0] += 0x10000
        except OSError:
            pass

    t = threading.Thread(target=stream, daemon=True)
    t.start()
    try:
        ready, _, _ = select.select([s], [], [], 60)
        assert ready, f"no answer after {sent[0]} bytes of a chunked body"
        at = sent[0]
        answer = s.recv(65536)
    finally:
        stop.set()
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        t.join(10)
        s.close()
    # Answered 413 once the body passes 1 MiB, not after reading all of it.
    assert answer.startswith(b"HTTP/1.1 413"), (at, answer[:300])
    assert b'"__type":"RequestEntityTooLargeException"' in answer, answer
    assert at < 32 << 20, f"the server took {at} bytes before refusing a body over 1 MiB"
    client.keep_going(2)
    alive_and_answering(server)
