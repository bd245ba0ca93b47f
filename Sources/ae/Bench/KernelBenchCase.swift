/// One kernel measured by `ae bench kernels`: its native call and its pure-Swift twin on the same inputs.
struct KernelBenchCase: Sendable {
    /// Kernel family ("gemm", "conv", "elementwise", ...), used by `--family`.
    var family: String
    /// What is run, with its shape ("sgemm NN 128x784x512").
    var name: String
    /// Floating-point operations per call (for GFLOP/s); 0 when not meaningful.
    var flops: Double
    /// Allocates inputs and returns the calls to time. Called once per case, outside timing.
    var make: @Sendable () -> KernelBenchInstance
}

/// The prepared calls of one case.
struct KernelBenchInstance {
    /// The C kernel (whatever ISA and thread count are active).
    var native: () -> Void
    /// The pure-Swift twin; nil when the twin is too slow to be worth timing at this shape.
    var swift: (() -> Void)?
    /// Runs both once and returns nil when they agree, else a one-line description of the difference.
    var verify: () -> String?
    /// Operations per call when they depend on the ISA and thread count (read after `native` ran); nil = the case's.
    var flopsPerCall: (() -> Double)? = nil
}

/// Every registered case. Each kernel family contributes its own list (Bench/<Family>BenchCases.swift).
let allKernelBenchCases: [KernelBenchCase] = [fmaPeakBenchCase] + gemmBenchCases + elementwiseBenchCases + convBenchCases + lossOptimBenchCases
    + normBenchCases + spectralNormBenchCases
