import CKernels
import Foundation

/// Test/validation metrics of a model on an image set.
public struct EvaluationResult: Sendable {
    /// Mean loss: reconstruction loss (MSE or BCE) for autoencoders, cross-entropy for classifiers.
    public var loss: Double
    /// Per-image MSE and PSNR = 10·log10(1/MSE) (autoencoders; images in [0, 1]; PSNR capped at 100 dB).
    public var mse: [Float] = []
    public var psnr: [Float] = []
    /// Classifiers: predicted class, posterior probabilities (N × K, row-major) and accuracy.
    public var predictions: [Int32] = []
    public var probabilities: [Float] = []
    public var accuracy: Double = .nan

    public var psnrMean: Double { psnr.isEmpty ? .nan : psnr.reduce(0) { $0 + Double($1) } / Double(psnr.count) }
    public var psnrStd: Double { standardDeviation(psnr) }
    public var mseMean: Double { mse.isEmpty ? .nan : mse.reduce(0) { $0 + Double($1) } / Double(mse.count) }

    /// counts[true][predicted] for K classes.
    public func confusionMatrix(labels: [Int32], classes: Int) -> [[Int]] {
        var m = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (t, p) in zip(labels, predictions) { m[Int(t)][Int(p)] += 1 }
        return m
    }
}

func standardDeviation(_ x: [Float]) -> Double {
    guard x.count > 1 else { return x.isEmpty ? .nan : 0 }
    let mean = x.reduce(0) { $0 + Double($1) } / Double(x.count)
    return (x.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(x.count - 1)).squareRoot()
}

/// PSNR in dB of an image with mean squared error `mse` (pixel range 1), capped at 100 dB for exact copies.
public func psnr(mse: Float) -> Float { mse <= 1e-10 ? 100 : 10 * log10(1 / mse) }

extension Trainer {
    /// Metrics on `set` in evaluation mode (no dropout). `corrupt` may alter each input batch in place
    /// (batch index, pointer, float count) — e.g. noise for robustness tests; targets stay clean.
    public func evaluate(_ set: ImageSet, corrupt: ((Int, UnsafeMutablePointer<Float>, Int) -> Void)? = nil) -> EvaluationResult {
        Evaluator(model: model, loss: config.loss).evaluate(set, batchSize: model.networks[0].maxBatch, corrupt: corrupt)
    }
}

/// Batched evaluation of a prepared model.
public struct Evaluator {
    public let model: Model
    public let loss: TrainConfig.LossKind

    public init(model: Model, loss: TrainConfig.LossKind = .mse) {
        self.model = model
        self.loss = loss
    }

    public func evaluate(_ set: ImageSet, batchSize: Int,
                         corrupt: ((Int, UnsafeMutablePointer<Float>, Int) -> Void)? = nil) -> EvaluationResult {
        let d = set.dims.count, k = model.config.classes
        let input = Buffer(count: batchSize * d), clean = Buffer(count: corrupt == nil ? 0 : batchSize * d)
        var result = EvaluationResult(loss: 0)
        var lossSum = 0.0, correct = 0
        let context = PassContext(training: false)
        for (bi, start) in stride(from: 0, to: set.count, by: batchSize).enumerated() {
            let indices = Array(start..<min(set.count, start + batchSize))
            let b = indices.count
            set.gather(indices[...], into: input.pointer)
            var target = UnsafePointer(input.pointer)
            if let corrupt {
                clean.pointer.update(from: input.pointer, count: b * d)
                target = UnsafePointer(clean.pointer)
                corrupt(bi, input.pointer, b * d)
            }
            let y = model.forward(input.tensor(batch: b, dims: set.dims), context: context)
            if model.config.isAutoencoder {
                var perSample = [Float](repeating: 0, count: b)
                ck_mse_per_sample(&perSample, y.data, target, Int64(b), Int64(d))
                result.mse += perSample
                result.psnr += perSample.map { psnr(mse: $0) }
                let batchLoss = loss == .mse ? Double(ck_mse_loss(nil, y.data, target, Int64(b * d), 1))
                                             : Double(ck_bce_loss(nil, y.data, target, Int64(b * d), 1))
                lossSum += batchLoss * Double(b)
            } else {
                var probs = [Float](repeating: 0, count: b * k)
                let labels = indices.map { set.labels[$0] }
                lossSum += Double(ck_softmax_cross_entropy(nil, &probs, y.data, labels, Int64(b), Int64(k), 1)) * Double(b)
                for r in 0..<b {
                    let row = probs[(r * k)..<(r * k + k)]
                    let predicted = Int32(row.indices.max { row[$0] < row[$1] }! - r * k)
                    result.predictions.append(predicted)
                    if predicted == labels[r] { correct += 1 }
                }
                result.probabilities += probs
            }
        }
        result.loss = lossSum / Double(max(set.count, 1))
        if !model.config.isAutoencoder { result.accuracy = Double(correct) / Double(max(set.count, 1)) }
        return result
    }
}
