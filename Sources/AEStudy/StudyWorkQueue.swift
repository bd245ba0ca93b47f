import AERun
import Foundation

/// Several processes sharing one study (MPI ranks, see AEDistributed): the leader (rank 0) hands the
/// pending runs out one at a time from a dynamic queue, so a long run never leaves the other ranks idle,
/// and trains runs itself as well. Every rank writes the run files it trains; only the leader logs and
/// writes the summary. Every rank plans the same stages (runs of later stages depend on the files of
/// earlier ones, which all ranks see after the stage ends), so the folder must be on a shared filesystem.
public protocol StudyWorkQueue: AnyObject, Sendable {
    var rank: Int { get }
    var size: Int { get }
    /// One stage: the leader shares out `ids` (others pass none and receive theirs); each rank calls
    /// `work(id)` for the runs it gets, which returns (succeeded, outcome line). The leader calls `report`
    /// (from any thread) as each run ends on any rank. Returns, on every rank, once all ranks are done;
    /// the leader gets the ids of failed runs.
    func share(_ ids: [String], work: (String) -> (ok: Bool, outcome: String),
               report: @escaping @Sendable (_ id: String, _ seconds: Double, _ rank: Int, _ outcome: String) -> Void) -> [String]
}

extension Study {
    /// `execute` across the ranks of `queue`.
    func executeShared(_ runs: [StudyRun], stage: Int, queue: StudyWorkQueue, _ options: StudyOptions) throws {
        let leads = queue.rank == 0
        let pending = leads ? try folder.pending(runs) : []
        let label = stageLabel(stage)
        if leads {
            options.log(stageLine(runs: runs.count, pending: pending.count, label: label, atATime: "\(queue.size) ranks"))
            // Fold files are made once, here, before any rank can need them.
            for run in pending { try run.fold?.ensureFile(dataDir: folder.dataDir) }
        }
        let tracker = LockedTracker(ProgressTracker(total: runs.count, done: runs.count - pending.count, jobs: queue.size, label: label))
        let log = options.log
        let failed = queue.share(pending.map(\.id), work: { id in
            guard let run = runs.first(where: { $0.id == id }) else { return (false, "FAILED: this rank planned no run '\(id)'") }
            do {
                try perform(run, observer: leads ? options.observer() : TrainingRun.Observer())
                return (true, outcome(of: run))
            } catch {
                return (false, "FAILED: \(error)")
            }
        }, report: { id, seconds, rank, outcome in
            log(tracker.finished(id, seconds: seconds, outcome: "\(outcome) [rank \(rank)]"))
        })
        if !failed.isEmpty { throw StudyError("\(failed.count) run(s) failed: \(failed.joined(separator: ", "))") }
    }
}

/// A progress tracker that ranks' reports update from the leader's dispatcher thread.
final class LockedTracker: @unchecked Sendable {
    private var tracker: ProgressTracker
    private let lock = NSLock()
    init(_ tracker: ProgressTracker) { self.tracker = tracker }
    func finished(_ id: String, seconds: Double, outcome: String) -> String {
        lock.withLock { tracker.finished(id, seconds: seconds, outcome: outcome) }
    }
}
