import AEData
import AENet
import Foundation

/// A finished run reloaded from its file: the model with its final weights, ready to evaluate or encode
/// any dataset of the same image size.
public struct TrainedModel {
    public let path: String
    public let spec: RunSpec
    public let model: Model
    public let batchSize: Int

    public init(path: String, batchSize: Int = 256) throws {
        let (spec, model) = try RunFile.read(at: path) { f -> (RunSpec, Model) in
            let spec = try f.readRunSpec()
            guard f.exists("/model") else {
                throw RunError("\(path) has no final model yet (status \(try f.stringAttribute("status") ?? "?")); finish it with `ae train --resume \(path)`")
            }
            let model = try Model(spec.model)
            try model.prepare(maxBatch: batchSize)
            try model.load(parameters: try f.readParameters(of: model, under: "/model"))
            return (spec, model)
        }
        self.path = path
        self.spec = spec
        self.model = model
        self.batchSize = batchSize
    }

    /// The run's own data, or another dataset (cross-dataset evaluation) with the run's subset settings.
    public func data(dataset: String? = nil, dataDir: String? = nil) throws -> RunData {
        var s = spec
        if let dataset { s.dataset = dataset }
        let data = try RunData.load(s, dataDir: dataDir)
        guard data.dims == spec.model.input else {
            throw RunError("\(s.dataset) has \(data.dims) images; the model in \(path) expects \(spec.model.input)")
        }
        if !spec.model.isAutoencoder, data.classCount > spec.model.classes {
            throw RunError("\(s.dataset) has \(data.classCount) classes; the classifier in \(path) knows \(spec.model.classes)")
        }
        return data
    }

    /// Metrics on `set`, optionally with corrupted inputs (clean targets), stored under `/metrics/<name>`.
    public func evaluate(_ set: ImageSet, name: String, dataset: String, corruption: Corruption? = nil, seed: UInt64 = 1) throws -> EvaluationResult {
        let dims = set.dims
        try corruption?.check(height: dims.h, width: dims.w)
        let corrupt: ((Int, UnsafeMutablePointer<Float>, Int) -> Void)? = corruption.map { c in
            { batch, pointer, count in
                var images = Array(UnsafeBufferPointer(start: pointer, count: count))
                c.apply(to: &images, count: count / dims.count, channels: dims.c, height: dims.h, width: dims.w,
                        seed: seed, firstIndex: batch * self.batchSize)
                pointer.update(from: images, count: count)
            }
        }
        let result = Evaluator(model: model, loss: spec.train.loss).evaluate(set, batchSize: batchSize, corrupt: corrupt)
        try RunFile.update(at: path) {
            try $0.writeMetrics(result, split: name, labels: set.labels, classes: spec.model.classes, dataset: dataset,
                                corruption: corruption?.description)
        }
        return result
    }

    /// Latent codes of `set`, stored under `/latents/<split>`.
    @discardableResult
    public func encode(_ set: ImageSet, split: String) throws -> [Float] {
        guard spec.model.isAutoencoder else { throw RunError("\(path) is a classifier; only autoencoders have latents") }
        let z = Evaluator(model: model).encode(set, batchSize: batchSize)
        try RunFile.update(at: path) { try $0.writeLatents(z, split: split, latent: spec.model.latent, labels: set.labels) }
        return z
    }

    /// Reconstructions (autoencoders) of the images at `indices` of `set`, in that order, N×C×H×W.
    public func reconstruct(_ set: ImageSet, indices: [Int]) throws -> [Float] {
        guard spec.model.isAutoencoder else { throw RunError("\(path) is a classifier; it does not reconstruct images") }
        let d = set.dims.count
        let input = Buffer(count: batchSize * d)
        var out = [Float](repeating: 0, count: indices.count * d)
        for start in stride(from: 0, to: indices.count, by: batchSize) {
            let chunk = indices[start..<min(indices.count, start + batchSize)]
            set.gather(chunk, into: input.pointer)
            let y = model.forward(input.tensor(batch: chunk.count, dims: set.dims), context: PassContext(training: false))
            for i in 0..<y.count { out[start * d + i] = y.data[i] }
        }
        return out
    }
}
