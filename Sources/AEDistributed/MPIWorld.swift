#if AE_MPI
import CMPI
import Foundation

/// MPI_COMM_WORLD of this process, joined once with MPI_THREAD_SERIALIZED: a study's leader answers work
/// requests on a second thread while its main thread trains (the two never call MPI at the same time).
final class MPIWorld: @unchecked Sendable {
    let rank: Int
    let size: Int
    /// Ranks on this node (threads per rank default to the node's processors shared out between them).
    let localSize: Int

    nonisolated(unsafe) private static var shared: MPIWorld?

    static func join() throws -> MPIWorld {
        if let shared { return shared }
        var provided: Int32 = 0
        guard MPI_Init_thread(nil, nil, Int32(MPI_THREAD_SERIALIZED), &provided) == MPI_SUCCESS else {
            throw DistributedError("MPI_Init_thread failed")
        }
        guard provided >= Int32(MPI_THREAD_SERIALIZED) else {
            throw DistributedError("this MPI library provides no MPI_THREAD_SERIALIZED (thread level \(provided))")
        }
        // Normal exits (ArgumentParser calls exit) finalise; errors go through `abort`.
        atexit { MPI_Finalize() }
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_rank(cmpi_comm_world(), &r)
        MPI_Comm_size(cmpi_comm_world(), &s)
        let local = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap { Int($0) } ?? Int(s)
        let world = MPIWorld(rank: Int(r), size: Int(s), localSize: local)
        shared = world
        return world
    }

    private init(rank: Int, size: Int, localSize: Int) {
        self.rank = rank
        self.size = size
        self.localSize = localSize
    }

    var comm: MPI_Comm { cmpi_comm_world() }

    /// Ends every rank of the job (a lone failing rank would otherwise leave the others waiting forever).
    static func abortJob(_ code: Int32) -> Never {
        MPI_Abort(cmpi_comm_world(), code)
        exit(code)
    }

    /// Waits for every rank without spinning: ranks that are done sleep between tests, leaving the cores to
    /// those still training (a blocking MPI_Barrier busy-polls a whole core).
    func quietBarrier() {
        var request: MPI_Request? = cmpi_request_null()
        MPI_Ibarrier(comm, &request)
        waitQuietly(&request, pause: 2_000)
    }

    /// Tests `request` every `pause` microseconds until it completes (each test also drives the transfer).
    func waitQuietly(_ request: inout MPI_Request?, pause: useconds_t) {
        var done: Int32 = 0
        while true {
            MPI_Test(&request, &done, cmpi_status_ignore())
            if done != 0 { return }
            usleep(pause)
        }
    }

    func send(_ text: String, to rank: Int, tag: Int32) {
        var bytes = Array(text.utf8)
        MPI_Send(&bytes, Int32(bytes.count), cmpi_byte(), Int32(rank), tag, comm)
    }

    /// A pending message with `tag` from any rank, without waiting.
    func probe(tag: Int32) -> Bool {
        var flag: Int32 = 0
        var status = MPI_Status()
        MPI_Iprobe(MPI_ANY_SOURCE, tag, comm, &flag, &status)
        return flag != 0
    }

    /// The next message with `tag` (from `source`, or any rank), and who sent it.
    func receive(from source: Int32 = MPI_ANY_SOURCE, tag: Int32) -> (source: Int, text: String) {
        var status = MPI_Status()
        MPI_Probe(source, tag, comm, &status)
        var count: Int32 = 0
        MPI_Get_count(&status, cmpi_byte(), &count)
        var bytes = [UInt8](repeating: 0, count: Int(max(count, 1)))
        MPI_Recv(&bytes, count, cmpi_byte(), status.MPI_SOURCE, tag, comm, cmpi_status_ignore())
        return (Int(status.MPI_SOURCE), String(decoding: bytes.prefix(Int(count)), as: UTF8.self))
    }
}
#endif
