#if AE_MPI
import CMPI
#endif
import AENet
import AEStudy
import Foundation

/// A one-line error of the distributed layer.
public struct DistributedError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// This process's place in an MPI job (`mpirun -np N ae …`): its rank, the study work queue and the
/// gradient sum of data-parallel training.
///
/// MPI is optional (see Package.swift): `ae` built without Open MPI has this type but `join()` throws,
/// so `--distributed` or a launch by mpirun ends with one clear line instead of N independent copies.
public final class DistributedSession: @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// Ranks on this node.
    public let localSize: Int

    /// True when ae was compiled against MPI.
    public static var isAvailable: Bool {
        #if AE_MPI
        true
        #else
        false
        #endif
    }

    /// Processes in the job that started this one (Open MPI, or a PMI/PMIx launcher such as Slurm's srun);
    /// nil when it was not started by an MPI launcher.
    public static var launchedSize: Int? {
        let env = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"].lazy.compactMap { env[$0].flatMap { Int($0) } }.first
    }

    /// Joins the MPI job (once per process).
    public static func join() throws -> DistributedSession {
        #if AE_MPI
        let world = try MPIWorld.join()
        return DistributedSession(rank: world.rank, size: world.size, localSize: world.localSize)
        #else
        throw DistributedError("this ae was built without MPI; install Open MPI (libopenmpi-dev, see scripts/setup.sh) and rebuild")
        #endif
    }

    /// The session when started by mpirun with more than one process, else nil (a plain run).
    public static func joinIfLaunched() throws -> DistributedSession? {
        guard let n = launchedSize, n > 1 else { return nil }
        return try join()
    }

    private init(rank: Int, size: Int, localSize: Int) {
        self.rank = rank
        self.size = size
        self.localSize = localSize
    }

    public var isLeader: Bool { rank == 0 }

    /// Kernel threads per rank when neither --threads nor OMP_NUM_THREADS says: the node's processors
    /// shared out between its ranks, so hybrid runs do not oversubscribe the cores.
    public func defaultThreads(processors: Int) -> Int { max(1, processors / max(1, localSize)) }

    /// Runs `body`; an error is printed as one line (by the rank that hit it) and ends every rank of the
    /// job with a non-zero status, since the others would otherwise wait for this one forever.
    public func guarding(_ body: () throws -> Void) {
        do {
            try body()
        } catch {
            FileHandle.standardError.write(Data("Error (rank \(rank)): \(error)\n".utf8))
            #if AE_MPI
            MPIWorld.abortJob(1)
            #else
            exit(1)
            #endif
        }
    }

    /// Hands a study's runs out across the ranks.
    public func studyQueue() -> StudyWorkQueue {
        #if AE_MPI
        return MPIStudyQueue(try! MPIWorld.join())
        #else
        fatalError("unreachable: no session without MPI")
        #endif
    }

    /// Sums data-parallel gradients across the ranks; `overlap` = false waits for each network's sum
    /// before the next backward pass (for measuring what the overlap gains).
    public func gradientReducer(overlap: Bool = true) -> GradientReducer {
        #if AE_MPI
        return MPIGradientSum(try! MPIWorld.join(), overlap: overlap)
        #else
        fatalError("unreachable: no session without MPI")
        #endif
    }
}
