import AEData
import AENet

/// Where a run's images came from: enough to record and check it, without keeping the loaded arrays.
public struct DatasetInfo: Sendable {
    public let name: String
    /// File name → SHA-256 of the files the images were read from.
    public let sha256: [String: String]
    public let classNames: [String]?
    public let classCount: Int
}

/// The images a run trains, validates and tests on, as network-ready sets. Only these sets stay in
/// memory (the loaded dataset's own arrays are released), so a run holds each image once.
public struct RunData {
    public let dataset: DatasetInfo
    public let train: ImageSet
    public let validation: ImageSet?
    public let test: ImageSet
    public var classNames: [String]? { dataset.classNames }
    public var classCount: Int { dataset.classCount }
    public var dims: Dims { train.dims }

    /// Loads `spec.dataset` and makes the seeded, stratified subsets and validation split of `spec`.
    public static func load(_ spec: RunSpec, dataDir: String?) throws -> RunData {
        var dataset: Dataset? = try Dataset.load(try DatasetSpec(parsing: spec.dataset), dataDir: dataDir)
        let info = DatasetInfo(name: dataset!.name, sha256: dataset!.sha256, classNames: dataset!.train.classNames,
                               classCount: max(dataset!.train.classCount, dataset!.test.classCount))
        let seed = spec.train.seed
        let test = imageSet(stratifiedSubset(dataset!.test, limit: spec.testLimit, seed: seed &+ 1))
        let train = stratifiedSubset(dataset!.train, limit: spec.trainLimit, seed: seed)
        dataset = nil  // the full arrays are no longer needed
        var validation: ImageSet?
        var fit: ImageSet?
        if spec.validationFraction > 0 {
            let parts = Splits.stratified(labels: train.labels, fractions: [1 - spec.validationFraction, spec.validationFraction],
                                          seed: seed &+ 2)
            if !parts[1].isEmpty, !parts[0].isEmpty {
                fit = imageSet(train.subset(indices: parts[0]))
                validation = imageSet(train.subset(indices: parts[1]))
            }
        }
        return RunData(dataset: info, train: fit ?? imageSet(train), validation: validation, test: test)
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
