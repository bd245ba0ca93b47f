/// Sums gradients over the processes of a data-parallel run (MPI ranks; see AEDistributed). Each process
/// computes the gradient of its shard of every global batch; the sum of the shards' gradients, each
/// weighted by its share of the batch, is the gradient of the mean loss over the whole batch, so N shards
/// of B/N images step exactly like one process with batch B (up to float rounding).
///
/// Every process calls the methods in the same order with buffers of the same sizes.
public protocol GradientReducer: AnyObject {
    /// This process's index, 0..<size.
    var rank: Int { get }
    /// Number of processes.
    var size: Int { get }
    /// Starts summing `weight ×` the gradients of `parameters` over all processes, in place. May return
    /// before the sum is done: the trainer computes the next network's gradients meanwhile.
    func beginSum(_ parameters: [Parameter], weight: Float)
    /// Waits for every started sum and returns the sum of `scalar` (the weighted shard loss) over all
    /// processes. Afterwards every process holds the same gradients.
    func finish(adding scalar: Double) -> Double
}

/// Rows of a global batch of `count` examples that process `rank` of `size` computes: contiguous, in rank
/// order, sizes differing by at most one (a rank may get none when count < size).
public func shardRange(count: Int, rank: Int, size: Int) -> Range<Int> {
    (count * rank / size)..<(count * (rank + 1) / size)
}
