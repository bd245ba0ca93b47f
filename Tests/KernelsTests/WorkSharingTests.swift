import CKernels
import Kernels
import XCTest

/// The kernels' parallel loops (CK_PARALLEL_FOR, the GEMM's row strips, the Winograd chunks) split iterations
/// into one range per thread, and threads done with their own range take over the rest of the others'.
final class WorkSharingTests: XCTestCase {
    private func trace(threads: Int, count: Int, delayMicroseconds: Int) -> (hits: [Int32], runner: [Int32]) {
        var hits = [Int32](repeating: -7, count: count), runner = [Int32](repeating: -7, count: count)
        ck_split_trace(Int32(threads), Int64(count), Int32(delayMicroseconds), &hits, &runner)
        return (hits, runner)
    }

    func testEveryIterationRunsExactlyOnce() {
        for (threads, count) in [(1, 5), (2, 1), (2, 64), (3, 10), (5, 3), (4, 0), (70, 200)] {
            let (hits, runner) = trace(threads: threads, count: count, delayMicroseconds: 0)
            XCTAssertEqual(hits, [Int32](repeating: 1, count: count), "threads=\(threads) count=\(count)")
            XCTAssertFalse(runner.contains { $0 < 0 || Int($0) >= max(threads, 1) }, "threads=\(threads) count=\(count)")
        }
    }

    /// The first range's owner sleeps 5 ms per iteration: the other thread, done with its own 32 at once, must
    /// run some of the first range's, and still every iteration exactly once.
    func testAnIdleThreadTakesOverTheSlowThreadsIterations() throws {
        try XCTSkipUnless(KernelRuntime.openMP, "needs OpenMP for a second thread")
        let (hits, runner) = trace(threads: 2, count: 64, delayMicroseconds: 5000)
        XCTAssertEqual(hits, [Int32](repeating: 1, count: 64))
        let taken = runner[..<32].filter { $0 == 1 }.count
        XCTAssertGreaterThan(taken, 0, "thread 1 ran none of thread 0's iterations")
    }
}
