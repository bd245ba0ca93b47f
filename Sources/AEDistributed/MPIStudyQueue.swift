#if AE_MPI
import AEStudy
import CMPI
import Foundation

/// The study work queue over MPI point-to-point messages. Rank 0 keeps the queue of run ids: a
/// dispatcher thread answers the other ranks' requests (MPI_Iprobe + a short sleep, so it does not take a
/// core from training) while rank 0's main thread takes runs from the same queue and trains them.
///
/// Messages: a worker sends `request` (empty the first time, then "id\tseconds\tok\toutcome" of the run it
/// finished) and receives `assign` (the next id, or empty when the stage has no more work).
final class MPIStudyQueue: StudyWorkQueue, @unchecked Sendable {
    private let world: MPIWorld
    private static let request: Int32 = 101, assign: Int32 = 102

    init(_ world: MPIWorld) { self.world = world }

    var rank: Int { world.rank }
    var size: Int { world.size }

    func share(_ ids: [String], work: (String) -> (ok: Bool, outcome: String),
               report: @escaping @Sendable (String, Double, Int, String) -> Void) -> [String] {
        var failed: [String] = []
        if rank == 0 {
            failed = lead(ids, work: work, report: report)
        } else {
            follow(work: work)
        }
        world.quietBarrier()
        return failed
    }

    private func lead(_ ids: [String], work: (String) -> (ok: Bool, outcome: String),
                      report: @escaping @Sendable (String, Double, Int, String) -> Void) -> [String] {
        let queue = SharedQueue(ids)
        let dispatcherDone = DispatchSemaphore(value: 0)
        let world = self.world
        let dispatcher = Thread {
            var stopped = 0
            while stopped < world.size - 1 {
                guard world.probe(tag: Self.request) else {
                    usleep(5_000)
                    continue
                }
                let (source, text) = world.receive(tag: Self.request)
                if let finished = FinishedRun(text) {
                    if !finished.ok { queue.fail(finished.id) }
                    report(finished.id, finished.seconds, source, finished.outcome)
                }
                let next = queue.next()
                if next == nil { stopped += 1 }
                world.send(next ?? "", to: source, tag: Self.assign)
            }
            dispatcherDone.signal()
        }
        dispatcher.start()
        while let id = queue.next() {
            let start = Date()
            let (ok, outcome) = work(id)
            if !ok { queue.fail(id) }
            report(id, Date().timeIntervalSince(start), 0, outcome)
        }
        dispatcherDone.wait()
        return queue.failed
    }

    private func follow(work: (String) -> (ok: Bool, outcome: String)) {
        var message = ""
        while true {
            world.send(message, to: 0, tag: Self.request)
            let id = world.receive(from: 0, tag: Self.assign).text
            if id.isEmpty { return }
            let start = Date()
            let (ok, outcome) = work(id)
            message = FinishedRun(id: id, seconds: Date().timeIntervalSince(start), ok: ok, outcome: outcome).text
        }
    }
}

/// The leader's queue of ids, shared by its main and dispatcher threads.
private final class SharedQueue: @unchecked Sendable {
    private var ids: ArraySlice<String>
    private var failures: [String] = []
    private let lock = NSLock()
    init(_ ids: [String]) { self.ids = ids[...] }
    func next() -> String? { lock.withLock { ids.popFirst() } }
    func fail(_ id: String) { lock.withLock { failures.append(id) } }
    var failed: [String] { lock.withLock { failures } }
}

/// A worker's report of a run it finished.
private struct FinishedRun {
    var id: String, seconds: Double, ok: Bool, outcome: String
    init(id: String, seconds: Double, ok: Bool, outcome: String) {
        (self.id, self.seconds, self.ok, self.outcome) = (id, seconds, ok, outcome)
    }
    init?(_ text: String) {
        let f = text.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
        guard f.count == 4, let s = Double(f[1]) else { return nil }
        self.init(id: f[0], seconds: s, ok: f[2] == "1", outcome: f[3])
    }
    var text: String { "\(id)\t\(seconds)\t\(ok ? 1 : 0)\t\(outcome.replacingOccurrences(of: "\t", with: " "))" }
}
#endif
