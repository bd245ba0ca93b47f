import Kernels
import KernelsReference

/// GEMM at the shapes of the models: MLP layers at batch 128/256, and a large square one.
let gemmBenchCases: [KernelBenchCase] = [
    (128, 784, 512), (128, 512, 128), (256, 784, 512), (1024, 1024, 1024),
].map { (m, k, n) in gemmCase(m: m, n: n, k: k, transA: false, transB: false) }
+ [gemmCase(m: 256, n: 512, k: 784, transA: false, transB: true),
   gemmCase(m: 512, n: 784, k: 256, transA: true, transB: false)]
// im2col shapes of the CNN3 convolutions at batch 128 (Cout × Cin·9 × batch·Ho·Wo), both orientations.
+ [(64, 288, 6272), (128, 576, 2048), (32, 9, 25088)].flatMap { (cout, ck, pixels) in
    [gemmCase(m: cout, n: pixels, k: ck, transA: false, transB: false),
     gemmCase(m: pixels, n: cout, k: ck, transA: false, transB: false)]
}

/// The arithmetic ceiling the GEMM rows are read against: register-only FMAs on every thread (`Gemm.fmaPeak`), checked
/// lane for lane against the scalar recurrence of the twin.
let fmaPeakBenchCase = KernelBenchCase(family: "peak", name: "fma peak (registers only)", flops: 0) {
    let iterations = 1 << 20, (a, b): (Float, Float) = (0.9999, 1e-4)  // fixed point 1: no overflow, no subnormals
    var last = Gemm.fmaPeak(iterations: 0, a: a, b: b)
    var twin: [Float] = []
    return KernelBenchInstance(
        native: { last = Gemm.fmaPeak(iterations: iterations, a: a, b: b) },
        swift: { twin = Reference.fmaProbe(accumulators: last.accumulators.count, iterations: iterations, a: a, b: b) },
        verify: {
            last = Gemm.fmaPeak(iterations: iterations, a: a, b: b)
            if twin.isEmpty { twin = Reference.fmaProbe(accumulators: last.accumulators.count, iterations: iterations, a: a, b: b) }
            let lanes = last.flops / Double(2 * last.accumulators.count * iterations * KernelRuntime.threads)
            let expected = twin.map { Double($0) * lanes }
            return last.accumulators == expected ? nil : "accumulators \(last.accumulators.prefix(3)) ≠ \(lanes) × twin \(twin.prefix(3))"
        },
        flopsPerCall: { last.flops })
}

/// C (m×n) = op(A) op(B) with op(A) m×k. Named M×K×N like the shapes.
func gemmCase(m: Int, n: Int, k: Int, transA: Bool, transB: Bool) -> KernelBenchCase {
    let mode = (transA ? "T" : "N") + (transB ? "T" : "N")
    return KernelBenchCase(family: "gemm", name: "sgemm \(mode) \(m)x\(k)x\(n)", flops: 2 * Double(m * n * k)) {
        let a = benchFloats(m * k, seed: 1), b = benchFloats(k * n, seed: 2)
        var c = [Float](repeating: 0, count: m * n), reference = c
        let native = {
            Gemm.sgemm(transA ? .transposed : .none, transB ? .transposed : .none, m: m, n: n, k: k,
                       a: a, b: b, c: &c)
        }
        let swift = {
            Reference.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: a, b: b, beta: 0, c: &reference)
        }
        return KernelBenchInstance(
            native: native,
            swift: m * n * k <= 1 << 28 ? swift : nil,
            verify: {
                if reference.allSatisfy({ $0 == 0 }) { swift() }
                native()
                return compare(c, reference, tolerance: 1e-5)
            })
    }
}

/// Deterministic inputs in [-1, 1) for benchmarks.
func benchFloats(_ count: Int, seed: UInt64) -> [Float] {
    var out = [Float](repeating: 0, count: count)
    out.withUnsafeMutableBufferPointer { Random.uniform($0, seed: seed) }
    return out.map { 2 * $0 - 1 }
}
