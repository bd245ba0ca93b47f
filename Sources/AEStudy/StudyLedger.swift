import AEData
import AERun
import Foundation

/// A directory of small JSON records, one per finished run (`<id>.json`), meant to be committed: a study
/// whose run files do not survive (a long grid spread over several sessions on different machines) keeps
/// its results in the ledger. A run with a record counts as finished even without its `.h5` file, and the
/// summary is built from records and run files alike.
///
/// A record is derived only from the finished run file (settings, metrics, history, and the thread count
/// and ISA stored in it), so it does not depend on who wrote it: the study process, a `--jobs` child or an
/// MPI rank. Records are written temp + rename when a run ends. An unreadable record, or one made with
/// other settings than the planned run, is an error naming the file rather than a silent retraining: it
/// stands for committed work (delete the file to redo the run).
public struct StudyLedger: Sendable {
    public let path: String
    /// The commit of the code that writes new records (nil = unknown); see `gitCommit(in:)`.
    public let commit: String?

    public init(path: String, commit: String? = nil) {
        self.path = path
        self.commit = commit
    }

    public func recordPath(_ id: String) -> String { "\(path)/\(id).json" }

    /// The record of `run`, nil when there is none; throws when the file is unreadable, is not a record
    /// of this run, or was made with other settings.
    public func record(of run: StudyRun) throws -> LedgerRecord? {
        let file = recordPath(run.id)
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        let record: LedgerRecord
        do {
            record = try ledgerDecoder().decode(LedgerRecord.self, from: data)
        } catch {
            throw StudyError("\(file): not a readable ledger record (\(firstLine(error))); delete it to redo run \(run.id)")
        }
        guard record.format == LedgerRecord.format, record.id == run.id else {
            throw StudyError("\(file): not a ledger record of run \(run.id); delete it to redo the run")
        }
        guard sameSettings(planned: run.spec, stored: record.runSpec) else {
            throw StudyError("\(file): run \(run.id) was recorded with other settings than this study plans; "
                             + "use another --ledger, or delete the record to redo the run")
        }
        return record
    }

    /// Writes the record of `run` from its finished file in `folder` (temp + rename).
    public func write(_ run: StudyRun, from folder: StudyFolder) throws {
        let record = try LedgerRecord(run, file: folder.runPath(run.id), commit: commit)
        guard record.isDone else { throw StudyError("run \(run.id) is \(record.status), not finished; nothing to record") }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try record.json().write(to: URL(fileURLWithPath: recordPath(run.id)), options: .atomic)
    }

    /// The recorded runs of `runs`, in plan order, with where and how long each trained (the study's own
    /// tables leave times out, so that they stay byte-identical between machines).
    public func table(of runs: [StudyRun]) throws -> StudyTable {
        let recorded = try runs.compactMap { try record(of: $0) }
        return StudyTable(
            title: "Ledger: \(recorded.count) of \(runs.count) runs recorded in \(path), in plan order", name: "ledger",
            columns: ["run", "status", "epochs", "val PSNR (dB)", "test PSNR (dB, mean ± std)", "training time (min)", "img/s",
                      "threads", "ISA", "commit"],
            rows: recorded.map { r in
                let val = r.metrics["val"]?.psnrMean ?? .nan, test = r.metrics["test"]
                return [r.id, r.status, "\(r.epochs)", cell(val), cell(test?.psnrMean ?? .nan, test?.psnrStd ?? .nan),
                        cell(r.trainingSeconds / 60, 1), cell(r.imagesPerSecond, 0), "\(r.threads)", r.isa,
                        r.commit.map { String($0.prefix(10)) } ?? ""]
            })
    }

    /// `git rev-parse HEAD` in `directory` (nil outside a repository or without git). With uncommitted
    /// changes under `Sources/` the commit gets a `+dirty` suffix: the binary may differ from it.
    public static func gitCommit(in directory: String = FileManager.default.currentDirectoryPath) -> String? {
        guard let head = git(["rev-parse", "HEAD"], in: directory), !head.isEmpty else { return nil }
        let dirty = git(["status", "--porcelain", "--", "Sources"], in: directory).map { !$0.isEmpty } ?? false
        return dirty ? head + "+dirty" : head
    }

    private static func git(_ arguments: [String], in directory: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// One finished run in a ledger: its configuration, the metrics a summary needs, and where it ran.
public struct LedgerRecord: Codable, Equatable, Sendable {
    public static let format = "ae-ledger-record"
    public var format: String
    public var id: String
    /// The table columns of the run (`model`, `latent`, …).
    public var factors: [String: String]
    /// The settings as stored in the run file (input size filled in from the data).
    public var runSpec: RunSpec
    /// `finished` or `stopped-early`.
    public var status: String
    public var epochs: Int
    /// Every `/metrics/<name>` group of the run (`test`, `val`, …).
    public var metrics: [String: MetricSummary]
    /// Train and validation loss of the last epoch.
    public var finalTrainLoss: Double
    public var finalValLoss: Double
    /// Sum of the epochs' wall times (training only, all sessions of a resumed run).
    public var trainingSeconds: Double
    /// Mean training throughput over the epochs.
    public var imagesPerSecond: Double
    public var seed: UInt64
    public var threads: Int
    public var isa: String
    public var aeVersion: String
    /// SHA-256 of the dataset's files, by file name.
    public var datasetSHA256: [String: String]
    public var commit: String?

    public var isDone: Bool { status == "finished" || status == "stopped-early" }

    /// The record of the run file at `file`.
    init(_ run: StudyRun, file: String, commit: String?) throws {
        let (stored, history, metrics) = try RunFile.read(at: file) { f -> (Stored, [String: [Double]], [String: MetricSummary]) in
            guard let json = try f.stringAttribute("run_spec") else { throw StudyError("\(file) has no run_spec; not an autoencoder or classifier run") }
            let stored = Stored(spec: try decodeRunSpec(json), status: try f.stringAttribute("status") ?? "?",
                                epochs: Int(try f.intAttribute("epochs_done") ?? 0), seed: UInt64(bitPattern: try f.intAttribute("seed") ?? 0),
                                threads: Int(try f.intAttribute("threads") ?? 0), isa: try f.stringAttribute("isa") ?? "?",
                                aeVersion: try f.stringAttribute("ae_version") ?? "?", sha256: hashes(try f.stringAttribute("dataset_sha256")))
            var history: [String: [Double]] = [:]
            for column in ["train_loss", "val_loss", "seconds", "images_per_second"] where f.isDataset("/history/\(column)") {
                history[column] = try f.readDoubles("/history/\(column)").values
            }
            return (stored, history, try metricSummaries(in: f))
        }
        let seconds = history["seconds"] ?? []
        let throughput = history["images_per_second"] ?? []
        self.format = Self.format
        self.id = run.id
        self.factors = run.factors
        self.runSpec = stored.spec
        self.status = stored.status
        self.epochs = stored.epochs
        self.metrics = metrics
        self.finalTrainLoss = history["train_loss"]?.last ?? .nan
        self.finalValLoss = history["val_loss"]?.last ?? .nan
        self.trainingSeconds = seconds.reduce(0, +)
        self.imagesPerSecond = throughput.isEmpty ? .nan : throughput.reduce(0, +) / Double(throughput.count)
        self.seed = stored.seed
        self.threads = stored.threads
        self.isa = stored.isa
        self.aeVersion = stored.aeVersion
        self.datasetSHA256 = stored.sha256
        self.commit = commit
    }

    /// Root attributes read from a run file.
    private struct Stored {
        var spec: RunSpec, status: String, epochs: Int, seed: UInt64, threads: Int, isa: String, aeVersion: String, sha256: [String: String]
    }

    /// The record as a table row source.
    func result(for run: StudyRun) -> RunResult {
        RunResult(run: run, status: status, epochs: epochs, metrics: metrics)
    }

    /// Pretty, key-sorted JSON (non-finite numbers as strings), so records diff well in git.
    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self) + Data("\n".utf8)
    }
}

/// The `dataset_sha256` attribute (JSON object) as a dictionary; empty when absent or not an object of strings.
private func hashes(_ json: String?) -> [String: String] {
    guard let json else { return [:] }
    return (try? JSONDecoder().decode([String: String].self, from: Data(json.utf8))) ?? [:]
}

private func ledgerDecoder() -> JSONDecoder {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return decoder
}

/// The first line of an error's description, for one-line messages.
private func firstLine(_ error: Error) -> String {
    "\(error)".split(whereSeparator: \.isNewline).first.map(String.init) ?? "\(error)"
}
