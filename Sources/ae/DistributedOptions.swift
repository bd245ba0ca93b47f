import AEDistributed
import Foundation
import Kernels

extension KernelOptions {
    /// `apply()`, and under MPI a default of the node's processors shared out between its ranks when
    /// neither --threads nor OMP_NUM_THREADS sets the threads per rank.
    func apply(session: DistributedSession?) throws {
        try apply()
        if let session, threads == nil, ProcessInfo.processInfo.environment["OMP_NUM_THREADS"] == nil {
            KernelRuntime.threads = session.defaultThreads(processors: KernelRuntime.processors)
        }
    }
}
