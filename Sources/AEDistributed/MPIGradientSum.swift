#if AE_MPI
import AENet
import CMPI
import Foundation

/// Data-parallel gradient sums over MPI. Each network's weighted gradients are packed into one contiguous
/// buffer and summed with one MPI_Iallreduce (MPI_SUM over MPI_FLOAT, in place), started as soon as the
/// network's backward pass ends, so the decoder's sum can proceed while the encoder's gradients are
/// computed; `finish` sums the loss, waits for the gradient sums and unpacks them.
///
/// Order: Open MPI picks a reduction algorithm from the communicator size and the message size only (not
/// from timing), so for a given N the sums — and the weights — are the same on every rank and every run;
/// with N = 2 each element is exactly a + b. Against one process with the same global batch they agree to
/// float rounding (the shards' means are weighted and added instead of one mean over the batch).
final class MPIGradientSum: GradientReducer {
    private let world: MPIWorld
    private let overlap: Bool
    /// Microseconds between tests while waiting for the sums (AE_MPI_POLL_US, default 50; 0 = MPI_Wait,
    /// which busy-polls). Sleeping hands the core to the rank being waited for when ranks share cores or
    /// a CPU share (measured: 1.3–1.5× the images/s of MPI_Wait here, docs/RESULTS.md); on dedicated
    /// cores it adds at most ~50 µs per wait.
    private let pollMicroseconds = ProcessInfo.processInfo.environment["AE_MPI_POLL_US"].flatMap { useconds_t($0) } ?? 50
    /// One staging buffer per `beginSum` call of a step (the calls come in the same order every step).
    private var staging: [Buffer] = []
    private var inFlight: [(parameters: [Parameter], buffer: Buffer, request: MPI_Request?)] = []

    init(_ world: MPIWorld, overlap: Bool) {
        self.world = world
        self.overlap = overlap
    }

    var rank: Int { world.rank }
    var size: Int { world.size }

    func beginSum(_ parameters: [Parameter], weight: Float) {
        let total = parameters.reduce(0) { $0 + $1.count }
        let slot = inFlight.count
        if slot == staging.count || staging[slot].count != total {
            if slot == staging.count { staging.append(Buffer(count: total)) } else { staging[slot] = Buffer(count: total) }
        }
        let buffer = staging[slot]
        var at = buffer.pointer
        for p in parameters {
            let g = p.grad.pointer
            for i in 0..<p.count { at[i] = weight * g[i] }
            at += p.count
        }
        var request: MPI_Request? = cmpi_request_null()
        if overlap {
            MPI_Iallreduce(cmpi_in_place(), buffer.pointer, Int32(total), cmpi_float(), cmpi_sum(), world.comm, &request)
        } else {
            MPI_Allreduce(cmpi_in_place(), buffer.pointer, Int32(total), cmpi_float(), cmpi_sum(), world.comm)
        }
        inFlight.append((parameters, buffer, request))
    }

    func finish(adding scalar: Double) -> Double {
        var sum = scalar
        if overlap {
            var request: MPI_Request? = cmpi_request_null()
            MPI_Iallreduce(cmpi_in_place(), &sum, 1, cmpi_double(), cmpi_sum(), world.comm, &request)
            wait(&request)
        } else {
            MPI_Allreduce(cmpi_in_place(), &sum, 1, cmpi_double(), cmpi_sum(), world.comm)
        }
        for var f in inFlight {
            if overlap { wait(&f.request) }
            var at = UnsafePointer(f.buffer.pointer)
            for p in f.parameters {
                p.grad.pointer.update(from: at, count: p.count)
                at += p.count
            }
        }
        inFlight.removeAll(keepingCapacity: true)
        return sum
    }

    private func wait(_ request: inout MPI_Request?) {
        if pollMicroseconds > 0 { world.waitQuietly(&request, pause: pollMicroseconds) } else { MPI_Wait(&request, cmpi_status_ignore()) }
    }
}
#endif
