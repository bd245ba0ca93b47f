import AEData
import AENet

/// The images a run trains, validates and tests on, as network-ready sets.
public struct RunData {
    public let dataset: Dataset
    public let train: ImageSet
    public let validation: ImageSet?
    public let test: ImageSet
    public var classNames: [String]? { dataset.train.classNames }
    public var classCount: Int { max(dataset.train.classCount, dataset.test.classCount) }
    public var dims: Dims { train.dims }

    /// Loads `spec.dataset` and makes the seeded, stratified subsets and validation split of `spec`.
    public static func load(_ spec: RunSpec, dataDir: String?) throws -> RunData {
        let dataset = try Dataset.load(try DatasetSpec(parsing: spec.dataset), dataDir: dataDir)
        let seed = spec.train.seed
        let train = stratifiedSubset(dataset.train, limit: spec.trainLimit, seed: seed)
        let test = stratifiedSubset(dataset.test, limit: spec.testLimit, seed: seed &+ 1)
        var validation: ImageSet?
        var fit = train
        if spec.validationFraction > 0 {
            let parts = Splits.stratified(labels: train.labels, fractions: [1 - spec.validationFraction, spec.validationFraction],
                                          seed: seed &+ 2)
            if !parts[1].isEmpty, !parts[0].isEmpty {
                fit = train.subset(indices: parts[0])
                validation = imageSet(train.subset(indices: parts[1]))
            }
        }
        return RunData(dataset: dataset, train: imageSet(fit), validation: validation, test: imageSet(test))
    }

    static func stratifiedSubset(_ images: LabeledImages, limit: Int?, seed: UInt64) -> LabeledImages {
        guard let limit, limit < images.count else { return images }
        let fraction = Double(limit) / Double(images.count)
        let parts = Splits.stratified(labels: images.labels, fractions: [fraction, 1 - fraction], seed: seed)
        // Per-class rounding can miss `limit` by a few images: top up from, or trim to, exactly `limit`.
        let chosen = Array((parts[0] + parts[1]).prefix(max(limit, 0)).sorted())
        return images.subset(indices: parts[0].count >= limit ? Array(parts[0].prefix(limit)) : chosen)
    }

    static func imageSet(_ images: LabeledImages) -> ImageSet {
        ImageSet(images: images.images, labels: images.labels, dims: Dims(images.channels, images.height, images.width))
    }

    /// The split called `name` (`train`, `val`, `test`).
    public func split(_ name: String) throws -> ImageSet {
        switch name {
        case "train": return train
        case "val", "validation":
            guard let validation else { throw RunError("this run has no validation split") }
            return validation
        case "test": return test
        default: throw RunError("unknown split '\(name)'; expected train, val or test")
        }
    }
}
