import AEData
import AENet
import Foundation

/// Sample quality of a generator measured with the project's own classifier (Inception-score style, Salimans et al.
/// 2016, with an MNIST classifier in place of Inception) and with the distance to the training set.
public struct SampleScore: Sendable, Equatable {
    public var count: Int
    /// exp(E_x[KL(p(y|x) ‖ p(y))]) with p(y) = the mean of p(y|x) over the samples: between 1 (every sample has the
    /// same posterior) and K (each sample is confidently one class and the classes are equally frequent).
    public var classifierScore: Double
    /// Mean over samples of max_y p(y|x): how confidently the classifier recognises a digit in each sample.
    public var meanMaxProbability: Double
    /// Entropy (nats) of the histogram of predicted classes: ln K when every class is equally frequent, 0 for a
    /// generator that makes one class (mode collapse).
    public var classEntropy: Double
    /// Fraction of samples predicted as each class.
    public var classHistogram: [Double]
    /// Mean PSNR (dB) of each sample to its nearest training image (nil when not computed): high values
    /// (≳ 25 dB on MNIST) mean the generator copies training images.
    public var nearestPSNRMean: Double?

    /// Scores `images` (count × classifier input dims, pixels in [0, 1]) with `classifier` (a classifier run);
    /// with `train`, also the nearest-neighbour PSNR to those images (`TrainedModel.nearestTraining`).
    public static func compute(images: [Float], classifier: TrainedModel, train: ImageSet? = nil) throws -> SampleScore {
        let m = classifier.spec.model
        guard m.kind == .classifier else { throw RunError("\(classifier.path) is a \(m.kind.rawValue) run; --classifier needs a classifier run") }
        let d = m.input.count, k = m.classes
        guard d > 0, images.count % d == 0, images.count > 0 else {
            throw RunError("\(images.count) values are not whole \(m.input) images (the classifier's input)")
        }
        let n = images.count / d
        let set = ImageSet(images: images, labels: [Int32](repeating: 0, count: n), dims: m.input)
        let p = Evaluator(model: classifier.model).evaluate(set, batchSize: classifier.batchSize).probabilities
        var marginal = [Double](repeating: 0, count: k), counts = [Int](repeating: 0, count: k), maxSum = 0.0
        for i in 0..<n {
            let row = p[(i * k)..<(i * k + k)]
            counts[row.indices.max { row[$0] < row[$1] }! - i * k] += 1
            maxSum += Double(row.max()!)
            for j in 0..<k { marginal[j] += Double(row[i * k + j]) / Double(n) }
        }
        // KL(p(y|x) ‖ p(y)) = Σ_y p log p − p log p(y); terms with p = 0 contribute 0.
        var klSum = 0.0
        for i in 0..<n {
            for j in 0..<k {
                let q = Double(p[i * k + j])
                if q > 0 { klSum += q * (log(q) - log(marginal[j])) }
            }
        }
        let histogram = counts.map { Double($0) / Double(n) }
        let entropy = histogram.reduce(0.0) { $1 > 0 ? $0 - $1 * log($1) : $0 }
        let nearest = try train.map { PSNRSummary(try TrainedModel.nearestTraining(images, in: $0).psnr).mean }
        return SampleScore(count: n, classifierScore: exp(klSum / Double(n)), meanMaxProbability: maxSum / Double(n),
                           classEntropy: entropy, classHistogram: histogram, nearestPSNRMean: nearest)
    }

    /// One line for the command line.
    public var summary: String {
        String(format: "classifier score %.3f (of %d), mean max-probability %.4f, class-histogram entropy %.4f nats (max %.4f)",
               classifierScore, classHistogram.count, meanMaxProbability, classEntropy, log(Double(classHistogram.count)))
            + (nearestPSNRMean.map { String(format: ", nearest-training PSNR %.2f dB", $0) } ?? "")
    }

    /// Stores the score under `/score/<name>` of the run file at `path`: `class_histogram` (float64 K) and attributes
    /// `classifier`, `count`, `seed`, `classifier_score`, `mean_max_probability`, `class_entropy`, `nearest_psnr_mean`.
    public func store(in path: String, name: String, classifier: String, seed: UInt64) throws {
        guard !name.isEmpty, !name.contains("/") else { throw RunError("score name '\(name)' must be non-empty without '/'") }
        let g = "/score/\(name)"
        try RunFile.update(at: path) { f in
            try f.delete(g)
            try f.write("\(g)/class_histogram", doubles: classHistogram, shape: [classHistogram.count])
            try f.setAttribute("classifier", string: classifier, at: g)
            try f.setAttribute("count", int: Int64(count), at: g)
            try f.setAttribute("seed", int: Int64(bitPattern: seed), at: g)
            try f.setAttribute("classifier_score", double: classifierScore, at: g)
            try f.setAttribute("mean_max_probability", double: meanMaxProbability, at: g)
            try f.setAttribute("class_entropy", double: classEntropy, at: g)
            try f.setAttribute("nearest_psnr_mean", double: nearestPSNRMean ?? .nan, at: g)
        }
    }
}
