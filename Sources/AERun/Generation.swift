import AEData
import AENet
import Foundation
import Kernels

/// A diagonal Gaussian over latent codes, z ~ N(mean, diag std²): the prior an autoencoder's decoder is
/// sampled from when it is used as a generator.
public struct LatentGaussian: Equatable, Sendable {
    /// Per-dimension mean (length = latent size).
    public let mean: [Float]
    /// Per-dimension standard deviation (length = latent size, ≥ 0).
    public let std: [Float]

    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == std.count, "latent Gaussian: \(mean.count) means but \(std.count) deviations")
        self.mean = mean
        self.std = std
    }

    /// N(0, I) in `latent` dimensions.
    public static func standard(latent: Int) -> LatentGaussian {
        LatentGaussian(mean: [Float](repeating: 0, count: latent), std: [Float](repeating: 1, count: latent))
    }

    /// The per-dimension moments of `count` codes `z` (count × latent, row-major), accumulated in Double:
    /// mean = Σz/N and the sample standard deviation sqrt(Σ(z − mean)²/(N − 1)) (0 when N = 1).
    public static func fit(codes z: [Float], latent: Int) -> LatentGaussian {
        precondition(latent > 0 && z.count % latent == 0 && !z.isEmpty, "latent Gaussian: \(z.count) values are not N × \(latent)")
        let n = z.count / latent
        var sum = [Double](repeating: 0, count: latent), squares = [Double](repeating: 0, count: latent)
        for row in 0..<n { for j in 0..<latent { sum[j] += Double(z[row * latent + j]) } }
        let mean = sum.map { $0 / Double(n) }
        for row in 0..<n {
            for j in 0..<latent { let d = Double(z[row * latent + j]) - mean[j]; squares[j] += d * d }
        }
        let std = squares.map { n > 1 ? ($0 / Double(n - 1)).squareRoot() : 0 }
        return LatentGaussian(mean: mean.map(Float.init), std: std.map(Float.init))
    }

    /// `count` codes drawn from this Gaussian: z[i, j] = mean[j] + std[j]·ε with ε the standard normal at
    /// position i·latent + j of the counter-based stream of `seed` (Philox), so a seed always gives the
    /// same codes, whatever the thread count.
    public func sample(count: Int, seed: UInt64) -> [Float] {
        var z = [Float](repeating: 0, count: count * mean.count)
        z.withUnsafeMutableBufferPointer { Random.normal($0, seed: seed, offset: 0) }
        for i in 0..<count { for j in 0..<mean.count { z[i * mean.count + j] = mean[j] + std[j] * z[i * mean.count + j] } }
        return z
    }
}

/// Images decoded from random latent codes, with the codes and the distribution they came from.
public struct GeneratedSamples: Sendable {
    /// Number of samples.
    public let count: Int
    /// Codes, count × latent, row-major.
    public let z: [Float]
    /// Decoded images, count × C × H × W.
    public let images: [Float]
    /// Per-image dimensions of `images`.
    public let dims: Dims
    /// The distribution z was drawn from.
    public let gaussian: LatentGaussian
    /// True when `gaussian` was fitted on encoded training images, false for N(0, I).
    public let fitted: Bool
    public let seed: UInt64

    public init(count: Int, z: [Float], images: [Float], dims: Dims, gaussian: LatentGaussian, fitted: Bool, seed: UInt64) {
        self.count = count
        self.z = z
        self.images = images
        self.dims = dims
        self.gaussian = gaussian
        self.fitted = fitted
        self.seed = seed
    }

    public var latent: Int { gaussian.mean.count }
    /// "fitted" or "normal": the distribution's short name, used in stored group names.
    public var distributionName: String { fitted ? "fitted" : "normal" }
}

/// For each generated sample, its nearest training image by mean squared error.
public struct NearestTraining: Sendable {
    /// Row of the nearest image in the training set, one per sample.
    public let index: [Int]
    /// Per-sample MSE to that image (pixel range 1), computed exactly (not from the GEMM expansion).
    public let mse: [Float]
    /// Per-sample PSNR to that image, `psnr(mse:)`: 10·log10(1/MSE), capped at 100 dB for an exact copy.
    public var psnr: [Float] { mse.map { AENet.psnr(mse: $0) } }
}

/// The decoder of an autoencoder run as a generator (issue 6, "Decoder as generator").
extension TrainedModel {
    /// The autoencoder's decoder, or a `RunError` for a classifier run.
    private func requireDecoder() throws -> Sequential {
        guard spec.model.isAutoencoder, let decoder = model.decoder else {
            throw RunError("\(path) is a classifier; only autoencoders have a decoder to generate with")
        }
        return decoder
    }

    /// Decoded images (count × C × H × W) of `count` latent codes `z` (count × latent, row-major), in
    /// batches of `batchSize` — the same batches `encode` and `reconstruct` use, so decoding the codes of
    /// a set gives bitwise its reconstructions.
    public func decode(_ z: [Float], count: Int) throws -> [Float] {
        let decoder = try requireDecoder()
        let latentDims = decoder.inputDims, d = spec.model.input.count
        guard count >= 0, z.count == count * latentDims.count else {
            throw RunError("decode: \(z.count) values are not \(count) codes of \(latentDims.count) dimensions")
        }
        precondition(decoder.outputDims.count == d, "decoder produces \(decoder.outputDims), expected \(spec.model.input)")
        guard count > 0 else { return [] }
        return z.withUnsafeBufferPointer { decoder.evaluate($0.baseAddress!, count: count, batch: batchSize) }
    }

    /// The diagonal Gaussian of the codes of `set` (encoded with this model, not stored in the file).
    public func latentGaussian(fittedOn set: ImageSet) throws -> LatentGaussian {
        let latent = try requireDecoder().inputDims.count
        guard set.count > 0 else { throw RunError("cannot fit a latent Gaussian on an empty image set") }
        let z = Evaluator(model: model).encode(set, batchSize: batchSize)
        guard z.count == set.count * latent else {
            throw RunError("the encoder gives \(z.count / set.count) values per image; the decoder expects \(latent)")
        }
        return LatentGaussian.fit(codes: z, latent: latent)
    }

    /// `n` decoded samples with z ~ N(0, I), or z ~ N(μ, diag σ²) fitted on the codes of `fitGaussian`
    /// (normally the run's training split) when it is given. Reproducible for a seed (see
    /// `LatentGaussian.sample`).
    public func sample(n: Int, seed: UInt64, fitGaussian train: ImageSet? = nil) throws -> GeneratedSamples {
        let decoder = try requireDecoder()
        guard n > 0 else { throw RunError("the number of samples must be positive, got \(n)") }
        let gaussian = try train.map(latentGaussian(fittedOn:)) ?? .standard(latent: decoder.inputDims.count)
        let z = gaussian.sample(count: n, seed: seed)
        return GeneratedSamples(count: n, z: z, images: try decode(z, count: n), dims: spec.model.input,
                                gaussian: gaussian, fitted: train != nil, seed: seed)
    }

    /// The nearest image of `train` to each of the `samples` (count × C × H × W, same image size) by MSE.
    ///
    /// Squared distances are expanded as ‖s‖² − 2 s·t + ‖t‖²; the dot products of all samples with a block
    /// of `block` training images come from one GEMM (samples · blockᵀ), so 64 samples against 60,000
    /// MNIST images cost a few GEMMs. The MSE to the chosen neighbour is then recomputed from the pixel
    /// differences (the per-image MSE kernel `ae eval` uses), so an exact copy of a training image gets MSE 0
    /// (PSNR 100 dB) despite float cancellation in the expansion.
    /// Ties go to the lower training index.
    public static func nearestTraining(_ samples: [Float], in train: ImageSet, block: Int = 2048) throws -> NearestTraining {
        let d = train.dims.count
        guard d > 0, samples.count % d == 0 else {
            throw RunError("nearest training image: \(samples.count) values are not whole images of \(train.dims)")
        }
        guard train.count > 0 else { throw RunError("nearest training image: the training set is empty") }
        precondition(block > 0, "block must be positive")
        let n = samples.count / d, rows = min(block, train.count)
        guard n > 0 else { return NearestTraining(index: [], mse: []) }
        let t = UnsafePointer(train.images.pointer)
        var best = [Float](repeating: .infinity, count: n), index = [Int](repeating: 0, count: n)
        let dots = Buffer(count: n * rows), norms = Buffer(count: rows), zeros = Buffer(count: rows * d)
        samples.withUnsafeBufferPointer { s in
            for start in stride(from: 0, to: train.count, by: rows) {
                let b = min(rows, train.count - start), block = t + start * d
                // ‖t‖² = d · MSE(t, 0); the ‖s‖² term is constant per sample and does not move the argmin.
                Loss.msePerSample(UnsafeMutableBufferPointer(start: norms.pointer, count: b),
                                  UnsafeBufferPointer(start: block, count: b * d),
                                  target: UnsafeBufferPointer(start: zeros.pointer, count: b * d), batch: b, dim: d)
                // dots (n × b) = samples (n × d) · block (b × d)ᵀ
                Gemm.sgemm(.none, .transposed, m: n, n: b, k: d, a: s.baseAddress!, b: block, c: dots.pointer)
                for i in 0..<n {
                    let row = dots.pointer + i * b
                    for j in 0..<b {
                        let distance = Float(d) * norms.pointer[j] - 2 * row[j]
                        if distance < best[i] { best[i] = distance; index[i] = start + j }
                    }
                }
            }
        }
        // The exact MSE to each chosen neighbour, as `ae eval` computes per-image MSE.
        let neighbours = Buffer(count: n * d)
        train.gather(index[...], into: neighbours.pointer)
        var mse = [Float](repeating: 0, count: n)
        mse.withUnsafeMutableBufferPointer { out in
            samples.withUnsafeBufferPointer { s in
                Loss.msePerSample(out, s, target: UnsafeBufferPointer(neighbours.buffer), batch: n, dim: d)
            }
        }
        return NearestTraining(index: index, mse: mse)
    }

    /// Per-sample PSNR of `samples` to its nearest image of `train` (see `nearestTraining`).
    public static func nearestTrainingPSNR(_ samples: [Float], _ train: ImageSet) throws -> [Float] {
        try nearestTraining(samples, in: train).psnr
    }

    /// Stores `samples` under `/generated/<name>`: `z` (N × latent), `images` (N × C × H × W), the
    /// distribution's `mean` and `std`, and when given the nearest training `nearest_index` / `nearest_psnr`;
    /// attributes `distribution` (normal | fitted), `seed`, `count`, and `nearest_psnr_mean` / `_std`.
    public func storeGenerated(_ samples: GeneratedSamples, nearest: NearestTraining?, name: String) throws {
        try Self.storeGenerated(samples, nearest: nearest, name: name, in: path)
    }

    /// `storeGenerated` into the run file at `path` (any run with samples: autoencoder or GAN).
    public static func storeGenerated(_ samples: GeneratedSamples, nearest: NearestTraining?, name: String, in path: String) throws {
        guard !name.isEmpty, !name.contains("/") else { throw RunError("generated sample name '\(name)' must be non-empty without '/'") }
        let g = "/generated/\(name)", dims = samples.dims
        try RunFile.update(at: path) { f in
            try f.delete(g)
            try f.write("\(g)/z", floats: samples.z, shape: [samples.count, samples.latent], compress: true)
            try f.write("\(g)/images", floats: samples.images, shape: [samples.count, dims.c, dims.h, dims.w], compress: true)
            try f.write("\(g)/mean", floats: samples.gaussian.mean, shape: [samples.latent])
            try f.write("\(g)/std", floats: samples.gaussian.std, shape: [samples.latent])
            try f.setAttribute("distribution", string: samples.distributionName, at: g)
            try f.setAttribute("seed", int: Int64(bitPattern: samples.seed), at: g)
            try f.setAttribute("count", int: Int64(samples.count), at: g)
            if let nearest {
                let psnr = nearest.psnr
                try f.write("\(g)/nearest_index", int64s: nearest.index.map(Int64.init), shape: [samples.count])
                try f.write("\(g)/nearest_psnr", floats: psnr, shape: [samples.count])
                let summary = PSNRSummary(psnr)
                try f.setAttribute("nearest_psnr_mean", double: summary.mean, at: g)
                try f.setAttribute("nearest_psnr_std", double: summary.std, at: g)
            }
        }
    }
}

/// Mean and sample standard deviation (N − 1; 0 for one value) of PSNR values in Double, NaNs ignored;
/// both NaN when no value is left.
public struct PSNRSummary: Sendable {
    public let mean: Double
    public let std: Double

    public init(_ values: [Float]) {
        let x = values.filter { !$0.isNaN }.map(Double.init)
        let m = x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count)
        mean = m
        std = x.isEmpty ? .nan : x.count == 1 ? 0 : (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot()
    }
}
