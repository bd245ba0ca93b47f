import Foundation
import TestSupport
import XCTest

/// Runs the built `ae` under the real `mpirun` (Open MPI). Without mpirun, or with an `ae` built without
/// MPI, the calling test is skipped — except in CI, which installs Open MPI (scripts/setup.sh), where
/// that is a failure.
enum MPI {
    static func unavailable(_ why: String) -> Error {
        if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("CI must run the MPI tests: \(why)") }
        return XCTSkip(why)
    }

    static func mpirun() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/mpirun") {
            return "\(dir)/mpirun"
        }
        throw unavailable("mpirun not found: install Open MPI (openmpi-bin, libopenmpi-dev; scripts/setup.sh)")
    }

    /// `ae` after checking it was built with MPI.
    static func ae() throws -> String {
        let ae = try builtAEExecutable()
        guard try run(ae, ["info"]).output.contains("MPI:        yes") else {
            throw unavailable("ae was built without MPI: install libopenmpi-dev and rebuild (rm -rf ~/.cache/org.swift.swiftpm/manifests)")
        }
        return ae
    }

    /// `mpirun --oversubscribe -np ranks ae arguments` (plus --allow-run-as-root as root), 1 thread per rank.
    static func launch(ranks: Int, _ arguments: [String]) throws -> Process {
        var mpiArgs = ["--oversubscribe", "-np", String(ranks)]
        if getuid() == 0 { mpiArgs.append("--allow-run-as-root") }
        return try start(try mpirun(), mpiArgs + [try ae()] + arguments)
    }

    static func mpiAE(ranks: Int, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try finish(try launch(ranks: ranks, arguments))
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try finish(try start(executable, arguments))
    }

    /// Output goes to a file (not a pipe) so a chatty process never blocks on a full pipe.
    private static func start(_ executable: String, _ arguments: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["OMP_NUM_THREADS"] = "1"
        p.environment = env
        let log = NSTemporaryDirectory() + "ae-mpi-test-\(UUID().uuidString).log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        (p.standardOutput, p.standardError) = (handle, handle)
        logs[ObjectIdentifier(p)] = log
        try p.run()
        return p
    }

    nonisolated(unsafe) private static var logs: [ObjectIdentifier: String] = [:]

    static func finish(_ p: Process) throws -> (status: Int32, output: String) {
        p.waitUntilExit()
        let log = logs.removeValue(forKey: ObjectIdentifier(p))!
        defer { try? FileManager.default.removeItem(atPath: log) }
        return (p.terminationStatus, try String(contentsOfFile: log, encoding: .utf8))
    }

    /// Direct children of `pid` (the ranks mpirun started on this machine).
    static func children(of pid: Int32) -> [Int32] {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return tasks.compactMap(Int32.init).filter { child in
            guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid
        }
    }
}
