"""Process statistics from /proc: CPU seconds, memory figures, the pid behind a listening port."""

import os


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
