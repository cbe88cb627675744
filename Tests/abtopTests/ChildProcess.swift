import Foundation
import Glibc

/// A child process started with `posix_spawn`, for the tests that run `abtop`, `python3` or `chromium`.
///
/// Not Foundation's `Process`: on Linux with Swift 6.3.1 its `run()` reads each `/proc/self/fd` entry as a whole
/// 256-byte `d_name` and crashes when an entry ends a page (swift-corelibs-foundation PR #5472, merged after
/// 6.3.1). The parallel suite, with over a thousand descriptors open, hit it. This one closes every descriptor
/// above 2 in the child (`posix_spawn_file_actions_addclosefrom_np`), so no test's pipe leaks into another's child.
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    /// The read ends of the child's stdout and stderr, when captured.
    let stdout: FileHandle?
    let stderr: FileHandle?
    private let reaped = NSLock()
    private var status: Int32?

    enum Output {
        case capture
        case discard
        case file(String)
    }

    init(
        _ executable: String, _ arguments: [String], environment: [String: String], directory: String? = nil,
        stdout out: Output = .capture, stderr err: Output = .capture
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var parentEnds: [Int32] = []
        var childEnds: [Int32] = []
        func wire(_ output: Output, to fd: Int32) throws -> FileHandle? {
            switch output {
            case .discard:
                posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0)
                return nil
            case .file(let path):
                posix_spawn_file_actions_addopen(&actions, fd, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                return nil
            case .capture:
                var ends: [Int32] = [0, 0]
                guard pipe(&ends) == 0 else { throw CocoaError(.fileWriteUnknown) }
                for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
                posix_spawn_file_actions_adddup2(&actions, ends[1], fd)
                parentEnds.append(ends[0])
                childEnds.append(ends[1])
                return FileHandle(fileDescriptor: ends[0], closeOnDealloc: true)
            }
        }
        stdout = try wire(out, to: 1)
        stderr = try wire(err, to: 2)
        _ = Self.closeFrom(&actions, 3)
        if let directory { _ = Self.changeDirectory(&actions, directory) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for a in argv { free(a) }
            for e in envp { free(e) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        for fd in childEnds { close(fd) }
        guard spawned == 0 else {
            for fd in parentEnds { close(fd) }
            throw CocoaError(.executableLoad)
        }
        self.pid = pid
    }

    // glibc's GNU extensions (2.34+), which the Glibc module does not declare: looked up once by name.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias ChangeDirectory =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private static let closeFrom: CloseFrom = unsafeBitCast(
        dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np")!, to: CloseFrom.self)
    private static let changeDirectory: ChangeDirectory = unsafeBitCast(
        dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addchdir_np")!, to: ChangeDirectory.self)

    /// Waits for the child and returns its exit status (128 + the signal, for a child a signal ended).
    @discardableResult
    func wait() -> Int32 {
        reaped.lock()
        defer { reaped.unlock() }
        if let status { return status }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
        let code = raw & 0x7F == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
        status = code
        return code
    }

    /// Asks the child to stop (SIGTERM) and reaps it.
    func terminate() {
        kill(pid, SIGTERM)
        wait()
    }
}
