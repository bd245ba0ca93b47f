import AEDistributed
import AENet
import AERun
import AEStudy
import ArgumentParser
import Foundation
import Kernels

/// Options shared by every `ae study` subcommand, and the code that runs a study from them.
struct StudyCommandOptions: ParsableArguments {
    @Option(help: "Study specification (JSON, or YAML for .yaml/.yml): keys laid over the preset, e.g. {\"latents\": [15, 30]}.") var spec: String?
    @Option(help: "Starting point of the specification: full (the issue's study) or quick (tiny, minutes).") var preset: String = "full"
    @Option(help: "Study folder (runs/, study.json, summary.md, CSVs, PNGs).") var out: String
    @Option(help: "Runs trained at the same time, each in its own process.") var jobs: Int = 1
    @Option(help: "Directory holding the datasets and MANIFEST (default: ./data or AE_DATA_DIR).") var dataDir: String?
    @Flag(help: "Replace the folder's saved specification by this one (runs whose settings changed are retrained).") var overwrite = false
    @Option(help: "Ledger directory: one small JSON record per finished run (<id>.json), to commit. Recorded runs are skipped even without their run file, and the summary includes them.") var ledger: String?
    @Option(help: "Train at most this many runs now, in plan order, then write the summary (0 = only the summary).") var limit: Int?
    @Option(help: .hidden) var only: String?
    /// The commit new ledger records name. The study process takes `git rev-parse HEAD` once at its start and hands
    /// it to its `--jobs` children, so a run started hours later (after new commits) still names the commit of the
    /// binary that trains it rather than the checkout's HEAD of that moment.
    @Option(help: .hidden) var ledgerCommit: String?
    @OptionGroup var kernel: KernelOptions

    func validate() throws {
        guard ["full", "quick"].contains(preset) else { throw ValidationError("--preset must be full or quick, got '\(preset)'") }
        guard jobs >= 1 && jobs <= 256 else { throw ValidationError("--jobs must be between 1 and 256, got \(jobs)") }
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more, got \(limit)") }
    }

    /// The preset with the spec file laid over it.
    func definition<D: StudyDefinition>(_ type: D.Type) throws -> D {
        let base = preset == "quick" ? D.quick : D.full
        guard let spec else { return base }
        guard let data = FileManager.default.contents(atPath: spec) else { throw ValidationError("cannot read --spec \(spec)") }
        return try D.parse(specFile: data, over: base, file: spec)
    }

    func run<D: StudyDefinition>(_ type: D.Type) throws {
        // Under `mpirun -np N` the ranks share the study's runs (see StudyWorkQueue).
        guard let session = try DistributedSession.joinIfLaunched(), only == nil else { return try run(type, session: nil) }
        guard jobs == 1 else { throw ValidationError("under mpirun the ranks share the runs; drop --jobs") }
        guard limit == nil else { throw ValidationError("--limit cannot be used under mpirun") }
        session.guarding { try run(type, session: session) }
    }

    private func run<D: StudyDefinition>(_ type: D.Type, session: DistributedSession?) throws {
        try kernel.apply(session: session)
        let folder = StudyFolder(path: out, dataDir: dataDir, ledger: ledger.map { StudyLedger(path: $0, commit: ledgerCommit ?? StudyLedger.gitCommit()) })
        if let only {  // a child process of --jobs: one run of the folder's saved study
            try Study<D>(resumingIn: folder).runOne(id: only, observer: Self.epochObserver)
            return
        }
        let study = try Study(try definition(type), folder: folder, overwrite: overwrite)
        var options = StudyOptions()
        options.jobs = jobs
        options.limit = limit
        // This process is `ae` whatever its file is called (a copy such as /tmp/ae-grid runs its children too).
        options.executable = Bundle.main.executablePath
        // --threads is per run; without it the processors are shared out between the jobs.
        options.threadsPerJob = kernel.threads ?? (jobs > 1 ? max(1, KernelRuntime.processors / jobs) : nil)
        options.childArguments = kernel.isa.map { ["--isa", $0] } ?? []
        options.log = { line in
            print(line)
            fflush(nil)
        }
        options.observer = { StudyCommandOptions.epochObserver }
        options.queue = session?.studyQueue()
        let threads = jobs > 1 ? "\(options.threadsPerJob ?? 1) threads per job" : "\(KernelRuntime.threads) threads"
        let workers = session.map { "\($0.size) MPI ranks" } ?? "\(jobs) job(s)"
        if session?.isLeader ?? true { print("\(D.kind.rawValue) study in \(out): \(workers), \(threads), \(KernelRuntime.isa)") }
        let start = Date()
        let report = try study.run(options)
        guard session?.isLeader ?? true else { return }
        print(report.tables.first?.markdown ?? "")
        print(String(format: "done in %.1f s; summary: %@/summary.md", Date().timeIntervalSince(start), out))
    }

    /// The run being trained in this process: a live step line on a terminal, one indented line per epoch.
    static var epochObserver: TrainingRun.Observer {
        let live = isatty(STDERR_FILENO) != 0
        return TrainingRun.Observer(onStep: live ? { p in
            guard p.step % 5 == 0 || p.step == p.steps else { return }
            let line = String(format: "    epoch %d/%d  step %d/%d  loss %.5f  %.0f img/s", p.epoch, p.epochs, p.step, p.steps, p.loss,
                              p.imagesPerSecond)
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
        } : nil, onEpoch: { r in
            if live { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
            var line = String(format: "    epoch %3d  train loss %.5f", r.epoch, r.trainLoss)
            if !r.valLoss.isNaN { line += String(format: "  val loss %.5f", r.valLoss) }
            if !r.valPSNR.isNaN { line += String(format: "  val PSNR %.2f dB", r.valPSNR) }
            if !r.valAccuracy.isNaN { line += String(format: "  val acc %.2f%%", 100 * r.valAccuracy) }
            print(line + String(format: "  %.1f s", r.seconds))
            fflush(nil)
        }, onStalled: { print("    " + $0) })
    }
}
