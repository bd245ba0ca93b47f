import AEData
import AENet
import AERun
import Foundation

/// How a study executes its runs.
public struct StudyOptions: Sendable {
    /// Runs trained at the same time, each in its own `ae` child process (1 = in this process).
    public var jobs: Int = 1
    /// Kernel threads per child process (nil = the child's default); in-process runs use the caller's setting.
    public var threadsPerJob: Int?
    /// The `ae` executable children run as `ae study <kind> --out <folder> --only <id>`.
    public var executable: String?
    /// Extra arguments passed to every child (e.g. `--isa avx2`).
    public var childArguments: [String] = []
    /// Progress lines (runs done / total, ETA, per-run results).
    public var log: @Sendable (String) -> Void = { print($0) }
    /// Per-epoch callbacks of in-process runs (the current run's progress bar).
    public var observer: @Sendable () -> TrainingRun.Observer = { TrainingRun.Observer() }
    /// Set when several processes (MPI ranks) share the study; `jobs` is then ignored.
    public var queue: StudyWorkQueue?
    /// Train at most this many runs in this invocation, in plan order (nil = all). Stages after an
    /// unfinished one are not planned; the summary covers what is done so far. Not with `queue`.
    public var limit: Int?

    public init() {}
}

/// A study in its folder: checks or records the specification, runs what is not done yet (skipping
/// finished runs, resuming interrupted ones), and writes the summary.
public struct Study<D: StudyDefinition> {
    public let definition: D
    public let folder: StudyFolder

    /// Opens `folder` for `definition`. A folder holding another specification is refused unless
    /// `overwrite` (runs whose own specification changed are then retrained, the others kept).
    public init(_ definition: D, folder: StudyFolder, overwrite: Bool) throws {
        self.definition = definition
        self.folder = folder
        let fm = FileManager.default
        if fm.fileExists(atPath: folder.specPath), !overwrite {
            guard let saved = try? Self.load(folder) else {
                throw StudyError("\(folder.specPath) is not a \(D.kind.rawValue) study specification; use another --out or --overwrite")
            }
            guard saved == definition else {
                throw StudyError("\(folder.path) holds a different \(D.kind.rawValue) study (\(folder.specPath)); "
                                 + "use another --out, or --overwrite to replace its specification")
            }
        }
        guard let first = try definition.runs(stage: 0, in: folder), !first.isEmpty else {
            throw StudyError("the \(D.kind.rawValue) specification plans no runs (is one of its lists empty?)")
        }
        try Self.checkPlan(first)
        try fm.createDirectory(atPath: folder.path + "/runs", withIntermediateDirectories: true)
        let saved = StoredStudy(kind: D.kind, spec: definition)
        let data = try studyJSON(saved, pretty: true)
        if fm.contents(atPath: folder.specPath) != data { try data.write(to: URL(fileURLWithPath: folder.specPath), options: .atomic) }
    }

    /// The study recorded in `folder` (child processes use this).
    public init(resumingIn folder: StudyFolder) throws {
        self.definition = try Self.load(folder)
        self.folder = folder
    }

    static func load(_ folder: StudyFolder) throws -> D {
        guard let data = FileManager.default.contents(atPath: folder.specPath) else {
            throw StudyError("\(folder.path) has no study.json; start the study first")
        }
        let stored = try JSONDecoder().decode(StoredStudy<D>.self, from: data)
        guard stored.kind == D.kind else { throw StudyError("\(folder.path) holds a \(stored.kind.rawValue) study, not \(D.kind.rawValue)") }
        return stored.spec
    }

    /// Every stage's runs, trains what is missing (at most `options.limit` runs), and writes `summary.md`,
    /// the CSVs and the figures.
    @discardableResult
    public func run(_ options: StudyOptions) throws -> StudyReport {
        if options.limit != nil, options.queue != nil { throw StudyError("a run limit cannot be combined with MPI ranks") }
        var all: [StudyRun] = []
        var stage = 0
        var allowed = options.limit
        while let runs = try definition.runs(stage: stage, in: folder) {
            try checkUnique(all + runs)
            try Self.checkPlan(runs)
            let complete = try execute(runs, stage: stage, options, allowed: &allowed)
            all += runs
            stage += 1
            guard complete else { break }
        }
        var report = try definition.summarize(folder, runs: all)
        if let ledger = folder.ledger { report.tables.append(try ledger.table(of: all)) }
        if options.queue.map({ $0.rank == 0 }) ?? true { try report.write(to: folder.path) }
        return report
    }

    /// Trains (or finishes, or evaluates) the single run `id` in this process.
    public func runOne(id: String, observer: TrainingRun.Observer = TrainingRun.Observer()) throws {
        var stage = 0
        while let runs = try definition.runs(stage: stage, in: folder) {
            if let run = runs.first(where: { $0.id == id }) { return try perform(run, observer: observer) }
            stage += 1
        }
        throw StudyError("no run '\(id)' in the study in \(folder.path)")
    }

    /// All runs of every stage that can be planned now (later stages need earlier results).
    public func plannedRuns() throws -> [StudyRun] {
        var all: [StudyRun] = []
        var stage = 0
        while let runs = try definition.runs(stage: stage, in: folder) {
            all += runs
            stage += 1
        }
        return all
    }

    /// Refuses runs whose settings are out of range (a spec file's `latents: [-5]` or `dropouts: [1.5]`) before
    /// anything is trained; each would otherwise fail only when its turn came, possibly hours into the study.
    static func checkPlan(_ runs: [StudyRun]) throws {
        for run in runs {
            do {
                try run.spec.validate()
                try run.spec.model.validate()
                let input = run.spec.model.input
                for text in run.evaluations.compactMap(\.corruption) {
                    try Corruption(parsing: text).check(height: input.h, width: input.w)
                }
            } catch {
                throw StudyError("run \(run.id): \(error)")
            }
        }
    }

    private func checkUnique(_ runs: [StudyRun]) throws {
        var seen = Set<String>()
        for r in runs where !seen.insert(r.id).inserted { throw StudyError("two configurations share the id '\(r.id)'; make the grid's values distinct") }
    }

    /// Runs the stage's pending runs (at most `allowed`, which is decreased), in process or in `options.jobs`
    /// children, with progress lines. Returns whether no run of the stage is left to do.
    private func execute(_ runs: [StudyRun], stage: Int, _ options: StudyOptions, allowed: inout Int?) throws -> Bool {
        if let queue = options.queue {
            try executeShared(runs, stage: stage, queue: queue, options)
            return true
        }
        let outstanding = try folder.pending(runs)
        let pending = allowed.map { Array(outstanding.prefix(max(0, $0))) } ?? outstanding
        allowed = allowed.map { $0 - pending.count }
        let label = stageLabel(stage)
        options.log(stageLine(runs: runs.count, pending: outstanding.count, label: label, atATime: String(max(1, options.jobs))))
        if pending.count < outstanding.count {
            options.log("\(label)run limit: training \(pending.count) of the \(outstanding.count) now; run the command again to continue")
        }
        guard !pending.isEmpty else { return pending.count == outstanding.count }
        for run in pending { try run.fold?.ensureFile(dataDir: folder.dataDir) }
        var tracker = ProgressTracker(total: runs.count, done: runs.count - outstanding.count, jobs: max(1, options.jobs), label: label)
        if options.jobs <= 1 {
            for run in pending {
                let start = Date()
                try perform(run, observer: options.observer())
                options.log(tracker.finished(run.id, seconds: Date().timeIntervalSince(start), outcome: outcome(of: run)))
            }
        } else {
            try ChildPool(folder: folder, kind: D.kind, options: options).run(pending) { run, seconds, ok in
                options.log(tracker.finished(run.id, seconds: seconds, outcome: ok ? outcome(of: run) : "FAILED (see logs/\(run.id).log)"))
            }
        }
        return pending.count == outstanding.count
    }

    func stageLabel(_ stage: Int) -> String { stage == 0 ? "" : "stage \(stage + 1): " }

    func stageLine(runs: Int, pending: Int, label: String, atATime: String) -> String {
        "\(label)\(runs) runs, \(runs - pending) already done, \(pending) to do" + (pending == 0 ? "" : " (\(atATime) at a time)")
    }

    /// One line about a finished run: status and its headline metric.
    func outcome(of run: StudyRun) -> String {
        guard let r = try? folder.result(of: run) else { return "unreadable" }
        let test = r.metric("test")
        let headline = run.spec.model.isAutoencoder ? "test PSNR \(cell(test.psnrMean)) dB" : "test accuracy \(cell(100 * test.accuracy))%"
        return "\(r.status), \(r.epochs) epochs, \(headline)"
    }

    /// Brings one run up to date: trains it (new, stale, or interrupted), then adds missing evaluations.
    func perform(_ run: StudyRun, observer: TrainingRun.Observer) throws {
        let path = folder.runPath(run.id)
        try run.fold?.ensureFile(dataDir: folder.dataDir)
        switch folder.state(of: run) {
        case .done: break
        case .running:
            // An interrupted run continues from its last checkpoint; one without any is started again.
            if let resumed = try? TrainingRun.resume(at: path, dataDir: folder.dataDir) {
                try resumed.train(observer: observer)
            } else {
                try TrainingRun.create(run.spec, at: path, overwrite: true, dataDir: folder.dataDir).train(observer: observer)
            }
        case .missing, .stale:
            try TrainingRun.create(run.spec, at: path, overwrite: true, dataDir: folder.dataDir).train(observer: observer)
        }
        try evaluate(run)
        try folder.ledger?.write(run, from: folder)
    }

    /// Writes the run's missing `/metrics/<name>` groups, loading each dataset once.
    private func evaluate(_ run: StudyRun) throws {
        let missing = folder.missingEvaluations(of: run)
        guard !missing.isEmpty else { return }
        let trained = try TrainedModel(path: folder.runPath(run.id))
        var data: [String: RunData] = [:]
        for e in missing {
            let dataset = e.dataset ?? run.spec.dataset
            if data[dataset] == nil { data[dataset] = try trained.data(dataset: e.dataset, dataDir: folder.dataDir) }
            let set = try data[dataset]!.split(e.split)
            _ = try trained.evaluate(set, name: e.name, dataset: dataset, corruption: try e.corruption.map(Corruption.init(parsing:)),
                                     seed: run.spec.train.seed)
        }
    }
}

/// `study.json`: the kind and the full specification.
struct StoredStudy<D: StudyDefinition>: Codable {
    var kind: StudyKind
    var spec: D
}

/// Runs done / total and an ETA from the mean time per run so far.
struct ProgressTracker {
    let total: Int
    var done: Int
    let jobs: Int
    let label: String
    private var seconds: [Double] = []
    private let start = Date()

    init(total: Int, done: Int, jobs: Int, label: String) {
        self.total = total
        self.done = done
        self.jobs = jobs
        self.label = label
    }

    mutating func finished(_ id: String, seconds s: Double, outcome: String) -> String {
        done += 1
        seconds.append(s)
        let elapsed = Date().timeIntervalSince(start)
        // Wall time per completed run so far, which already reflects the parallelism.
        let eta = elapsed / Double(seconds.count) * Double(total - done)
        return "\(label)[\(done)/\(total)] \(id): \(outcome) (\(duration(s)); elapsed \(duration(elapsed)), ETA \(duration(eta)))"
    }
}

/// `1h02m`, `3m07s`, `12s`.
func duration(_ seconds: Double) -> String {
    let t = Int(seconds.rounded())
    if t >= 3600 { return "\(t / 3600)h\(String(format: "%02d", t % 3600 / 60))m" }
    return t >= 60 ? "\(t / 60)m\(String(format: "%02d", t % 60))s" : "\(t)s"
}
