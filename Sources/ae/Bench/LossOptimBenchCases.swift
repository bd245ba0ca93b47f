import Kernels
import KernelsReference

/// Losses at an MLP autoencoder's output (batch 128 × 784) and a classifier's (128 × 10); optimisers over
/// 1.2M parameters (about the MLP autoencoder's size).
let lossOptimBenchCases: [KernelBenchCase] = {
    let (batch, dim) = (128, 784)
    typealias NativeLoss = @Sendable (UnsafeMutableBufferPointer<Float>, UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>) -> Float
    typealias SwiftLoss = @Sendable ([Float], [Float]) -> (loss: Double, grad: [Float])

    /// Loss + gradient of x against targets in [0, 1); verify compares the gradient and the loss.
    func loss(_ name: String, inputs: @escaping @Sendable ([Float]) -> [Float], native: @escaping NativeLoss,
              swift: @escaping SwiftLoss) -> KernelBenchCase {
        KernelBenchCase(family: "loss", name: "\(name) \(batch)x\(dim)", flops: 0) {
            let x = inputs(benchFloats(batch * dim, seed: 5)), t = benchFloats(batch * dim, seed: 6).map { ($0 + 1) / 2 }
            var grad = [Float](repeating: 0, count: x.count), value: Float = 0
            var reference: (loss: Double, grad: [Float]) = (0, [])
            let run = {
                value = x.withUnsafeBufferPointer { xb in t.withUnsafeBufferPointer { tb in grad.withUnsafeMutableBufferPointer { native($0, xb, tb) } } }
            }
            return KernelBenchInstance(native: run, swift: { reference = swift(x, t) }, verify: {
                if reference.grad.isEmpty { reference = swift(x, t) }
                run()
                return compare(grad + [value], reference.grad + [Float(reference.loss)], tolerance: 1e-5)
            })
        }
    }

    let classes = 10
    let softmax = KernelBenchCase(family: "loss", name: "softmax CE \(batch)x\(classes)", flops: 0) {
        let logits = benchFloats(batch * classes, seed: 7).map { 6 * $0 }, labels = (0..<batch).map { Int32($0 % classes) }
        var grad = [Float](repeating: 0, count: logits.count), value: Float = 0
        var reference: (loss: Double, probs: [Float], grad: [Float])? = nil
        let run = {
            value = logits.withUnsafeBufferPointer { l in labels.withUnsafeBufferPointer { lab in
                grad.withUnsafeMutableBufferPointer { Loss.softmaxCrossEntropy(grad: $0, probs: nil, logits: l, labels: lab, classes: classes) }
            } }
        }
        let swift = { reference = Reference.softmaxCrossEntropy(logits, labels: labels, classes: classes) }
        return KernelBenchInstance(native: run, swift: swift, verify: {
            if reference == nil { swift() }
            run()
            return compare(grad + [value], reference!.grad + [Float(reference!.loss)], tolerance: 1e-5)
        })
    }

    return [
        loss("mse", inputs: { $0 }, native: { Loss.mse(grad: $0, $1, target: $2) }, swift: { Reference.mseLoss($0, target: $1) }),
        loss("bce", inputs: { $0.map { ($0 + 1) / 2 } }, native: { Loss.bce(grad: $0, $1, target: $2) },
             swift: { Reference.bceLoss($0, target: $1) }),
        loss("bce logits", inputs: { $0.map { 8 * $0 } }, native: { Loss.bceWithLogits(grad: $0, $1, target: $2) },
             swift: { Reference.bceLogitsLoss($0, target: $1) }),
        softmax,
        optimiserCase("adam"), optimiserCase("adamw"), optimiserCase("sgd momentum"),
    ]
}()

/// One optimiser step over 1.2M parameters. Timed calls keep stepping the same state; verify starts both
/// sides from the same fresh state and compares the weights after one step.
private func optimiserCase(_ kind: String) -> KernelBenchCase {
    let n = 1_200_000
    return KernelBenchCase(family: "optim", name: "\(kind) \(n)", flops: 0) {
        let g = benchFloats(n, seed: 8), w0 = benchFloats(n, seed: 9)
        var w = w0, m = [Float](repeating: 0, count: n), v = m
        let native = {
            w.withUnsafeMutableBufferPointer { wb in m.withUnsafeMutableBufferPointer { mb in v.withUnsafeMutableBufferPointer { vb in
                g.withUnsafeBufferPointer { gb in
                    if kind == "sgd momentum" {
                        Optim.sgdStep(wb, velocity: mb, grad: gb, lr: 1e-3, momentum: 0.9, weightDecay: 1e-4)
                    } else {
                        Optim.adamStep(wb, m: mb, v: vb, grad: gb, lr: 1e-3, weightDecay: 1e-2, step: 1, decoupled: kind == "adamw")
                    }
                }
            } } }
        }
        let zeros = [Float](repeating: 0, count: n)
        let swift = { () -> [Float] in
            kind == "sgd momentum"
                ? Reference.sgdStep(w: w0, v: zeros, g: g, lr: 1e-3, momentum: 0.9, weightDecay: 1e-4).w
                : Reference.adamStep(w: w0, m: zeros, v: zeros, g: g, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8,
                                     weightDecay: 1e-2, step: 1, decoupled: kind == "adamw").w
        }
        return KernelBenchInstance(native: native, swift: { _ = swift() }, verify: {
            (w, m, v) = (w0, zeros, zeros)
            native()
            return compare(w, swift(), tolerance: 1e-6)
        })
    }
}
