import Kernels
import KernelsReference

/// Activations at the size of a CNN3 layer output (batch 128 × 32 × 14 × 14).
let elementwiseBenchCases: [KernelBenchCase] = {
    let n = 128 * 32 * 14 * 14
    func unary(_ name: String, native: @escaping @Sendable (UnsafeMutableBufferPointer<Float>, UnsafeBufferPointer<Float>) -> Void,
               swift: @escaping @Sendable ([Float]) -> [Float], tolerance: Double = 1e-6) -> KernelBenchCase {
        KernelBenchCase(family: "elementwise", name: "\(name) \(n)", flops: 0) {
            let x = benchFloats(n, seed: 3).map { 4 * $0 }
            var y = [Float](repeating: 0, count: n)
            var reference: [Float] = []
            let run = { x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { native($0, xb) } } }
            return KernelBenchInstance(native: run, swift: { reference = swift(x) }, verify: {
                if reference.isEmpty { reference = swift(x) }
                run()
                return compare(y, reference, tolerance: tolerance)
            })
        }
    }
    return [
        unary("relu forward", native: Elementwise.reluForward, swift: Reference.reluForward),
        unary("sigmoid forward", native: Elementwise.sigmoidForward, swift: Reference.sigmoidForward),
        unary("tanh forward", native: Elementwise.tanhForward, swift: Reference.tanhForward),
    ]
}()
