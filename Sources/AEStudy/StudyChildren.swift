import Foundation

/// Runs of a study in parallel child processes: `ae study <kind> --out <folder> --only <id> --threads T`
/// (and `--ledger DIR`: each child records the run it finishes).
///
/// Separate processes rather than threads, because the kernels' thread count (OpenMP) is process-wide:
/// two runs in one process could not each have their own share of the cores. Each child writes only its
/// own run file (crash-safe renames), and its output to `logs/<id>.log`.
struct ChildPool {
    let folder: StudyFolder
    let kind: StudyKind
    let options: StudyOptions

    /// Starts at most `options.jobs` children at a time, calling `finished(run, seconds, succeeded)` as each
    /// ends. Throws after all have ended if any failed.
    func run(_ runs: [StudyRun], finished: (StudyRun, Double, Bool) -> Void) throws {
        guard let executable = options.executable ?? Self.defaultExecutable() else {
            throw StudyError("--jobs needs the path of the ae executable to start children; none found")
        }
        let logs = folder.path + "/logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        var queue = runs[...]
        var active: [(run: StudyRun, process: Process, start: Date)] = []
        var failed: [String] = []
        while !queue.isEmpty || !active.isEmpty {
            while active.count < options.jobs, let run = queue.popFirst() {
                active.append((run, try start(run, executable: executable, log: "\(logs)/\(run.id).log"), Date()))
            }
            Thread.sleep(forTimeInterval: 0.05)
            for (i, child) in active.enumerated().reversed() where !child.process.isRunning {
                let ok = child.process.terminationStatus == 0
                if !ok { failed.append(child.run.id) }
                finished(child.run, Date().timeIntervalSince(child.start), ok)
                active.remove(at: i)
            }
        }
        if !failed.isEmpty {
            throw StudyError("\(failed.count) run(s) failed: \(failed.joined(separator: ", ")); see \(logs)/<id>.log")
        }
    }

    private func start(_ run: StudyRun, executable: String, log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        var arguments = ["study", kind.rawValue, "--out", folder.path, "--only", run.id]
        if let t = options.threadsPerJob { arguments += ["--threads", String(t)] }
        if let dir = folder.dataDir { arguments += ["--data-dir", dir] }
        if let ledger = folder.ledger {
            arguments += ["--ledger", ledger.path]
            // The parent's commit, not one each child looks up when it starts (HEAD may have moved since).
            if let commit = ledger.commit { arguments += ["--ledger-commit", commit] }
        }
        process.arguments = arguments + options.childArguments
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// This process's executable when it is `ae` (not a test runner).
    static func defaultExecutable() -> String? {
        guard let path = Bundle.main.executablePath ?? CommandLine.arguments.first,
              (path as NSString).lastPathComponent == "ae" else { return nil }
        return path
    }
}
