import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How a process ended, in the words of AWS's `Runtime exited with error:` messages (Go's).
struct ExitStatus: Sendable, Equatable, CustomStringConvertible {
    var code: Int32?
    var signal: Int32?

    init(waitStatus: Int32) {
        if waitStatus & 0x7f == 0 {
            code = (waitStatus >> 8) & 0xff
        } else {
            signal = waitStatus & 0x7f
        }
    }

    var description: String {
        if let code { return "exit status \(code)" }
        let names: [Int32: String] = [
            SIGKILL: "killed", SIGTERM: "terminated", SIGSEGV: "segmentation fault", SIGABRT: "aborted",
            SIGBUS: "bus error", SIGILL: "illegal instruction", SIGFPE: "floating point exception",
            SIGINT: "interrupt", SIGHUP: "hangup", SIGPIPE: "broken pipe", SIGQUIT: "quit",
        ]
        let number = signal ?? 0
        return "signal: \(names[number] ?? "signal \(number)")"
    }
}

/// A function's process, started in its own process group with only the variables it is given.
struct ChildProcess: Sendable {
    let pid: pid_t
    /// The read ends of the process's stdout and stderr.
    let outputDescriptors: [Int32]

    /// Starts `executable` with stdin on /dev/null and stdout and stderr piped to the caller.
    static func spawn(
        executable: String,
        arguments: [String],
        environment: [String: String],
        directory: String
    ) throws(FunctionRuntimeError) -> ChildProcess {
        var stdoutPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        guard GNU.pipe2(&stdoutPipe, O_CLOEXEC) == 0 else { throw .cannotStartProcess("pipe: errno \(errno)") }
        guard GNU.pipe2(&stderrPipe, O_CLOEXEC) == 0 else {
            close(stdoutPipe[0])
            close(stdoutPipe[1])
            throw .cannotStartProcess("pipe: errno \(errno)")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        guard GNU.addchdir(&actions, directory) == 0 else {
            for descriptor in stdoutPipe + stderrPipe { close(descriptor) }
            throw .cannotStartProcess("posix_spawn_file_actions_addchdir_np failed")
        }
        // Nothing of the server (sockets, the store's files) may reach the function, even without O_CLOEXEC.
        _ = GNU.addclosefrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        // Signals the server ignores (SIGPIPE) would stay ignored across exec: give the function the defaults.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }

        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(stdoutPipe[1])
        close(stderrPipe[1])
        guard result == 0 else {
            close(stdoutPipe[0])
            close(stderrPipe[0])
            throw .cannotStartProcess("\(executable): \(String(cString: strerror(result)))")
        }
        return ChildProcess(pid: pid, outputDescriptors: [stdoutPipe[0], stderrPipe[0]])
    }

    /// Blocks until the process has exited, without reaping it: its pid (and so its group's id) stays
    /// reserved until `reap()`, so the group can still be killed safely.
    func waitForExitWithoutReaping() {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
    }

    /// Reaps the exited process; call only after `waitForExitWithoutReaping()`.
    func reap() -> ExitStatus {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return ExitStatus(waitStatus: status)
    }

    /// SIGKILL to every process of the group, forked children included, and to the descendants that
    /// left it (`setsid`, `setpgid`) while they are still in the process's tree.
    func killGroup() {
        // The tree first: once the leader dies its children are handed to init, out of reach.
        let members = processTree()
        kill(-pid, SIGKILL)
        for member in members where member != pid {
            kill(member, SIGKILL)
        }
    }

    /// Resident memory of the process and its descendants, in bytes.
    func residentBytes() -> Int {
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        var total = 0
        for member in processTree() {
            guard let statm = Self.readSmallFile("/proc/\(member)/statm") else { continue }
            let fields = statm.split(separator: " ")
            if fields.count > 1, let pages = Int(fields[1]) { total += pages * pageSize }
        }
        return total
    }

    /// The pids of the process and its descendants.
    func processTree() -> [pid_t] {
        var pending: [pid_t] = [pid]
        var seen: [pid_t] = []
        while let next = pending.popLast(), seen.count < 4096 {
            guard !seen.contains(next) else { continue }
            seen.append(next)
            guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(next)/task") else {
                continue
            }
            for task in tasks {
                guard let children = Self.readSmallFile("/proc/\(next)/task/\(task)/children") else { continue }
                pending.append(contentsOf: children.split(separator: " ").compactMap { pid_t($0) })
            }
        }
        return seen
    }

    /// Whether the loopback TCP connection from `clientPort` to `serverPort` was opened by this process or
    /// one of its descendants: its socket's inode, from /proc/net/tcp, is among their descriptors.
    func ownsLoopbackConnection(clientPort: Int, serverPort: Int) -> Bool {
        guard let table = Self.readSmallFile("/proc/net/tcp", limit: 64 << 20) else { return false }
        let local = String(format: "0100007F:%04X", clientPort)
        let remote = String(format: "0100007F:%04X", serverPort)
        var inode: String?
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 9, fields[1] == local, fields[2] == remote else { continue }
            inode = String(fields[9])
        }
        guard let inode, inode != "0" else { return false }
        let target = "socket:[\(inode)]"
        for member in processTree() {
            guard let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(member)/fd") else {
                continue
            }
            for descriptor in descriptors {
                var buffer = [CChar](repeating: 0, count: 64)
                let count = readlink("/proc/\(member)/fd/\(descriptor)", &buffer, buffer.count - 1)
                guard count > 0 else { continue }
                let link = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if link == target { return true }
            }
        }
        return false
    }

    private static func readSmallFile(_ path: String, limit: Int = 1 << 20) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > limit { break }
        }
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Bytes waiting to be read in a pipe.
    static func pendingBytes(in descriptor: Int32) -> Int {
        var count: Int32 = 0
        guard ioctl(descriptor, UInt(FIONREAD), &count) == 0 else { return 0 }
        return Int(count)
    }
}

/// glibc's GNU extensions, which Swift's Glibc module leaves out without `_GNU_SOURCE` (glibc 2.34 and later).
private enum GNU {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    private static func symbol<T>(_ name: String, as type: T.Type) -> T {
        guard let address = dlsym(nil, name) else { fatalError("glibc without \(name)") }
        return unsafeBitCast(address, to: type)
    }

    static func pipe2(_ descriptors: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32 {
        symbol("pipe2", as: Pipe2.self)(descriptors, flags)
    }

    static func addchdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: String) -> Int32 {
        symbol("posix_spawn_file_actions_addchdir_np", as: AddChdir.self)(actions, path)
    }

    static func addclosefrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ lowest: Int32) -> Int32 {
        symbol("posix_spawn_file_actions_addclosefrom_np", as: AddClosefrom.self)(actions, lowest)
    }
}
