/// Images with integer class labels: `images` holds `count × channels × height × width` floats in [0, 1]
/// (NCHW, C order), `labels[i]` is the class of image `i`.
public struct LabeledImages: Sendable, Equatable {
    public var images: [Float]
    public var labels: [Int32]
    public let channels: Int
    public let height: Int
    public let width: Int
    /// Names of the classes, indexed by label, when known.
    public var classNames: [String]?

    public init(images: [Float], labels: [Int32], channels: Int, height: Int, width: Int, classNames: [String]? = nil) {
        precondition(channels > 0 && height > 0 && width > 0, "LabeledImages: bad image size \(channels)×\(height)×\(width)")
        precondition(images.count == labels.count * channels * height * width,
                     "LabeledImages: \(images.count) floats for \(labels.count) images of \(channels)×\(height)×\(width)")
        self.images = images
        self.labels = labels
        self.channels = channels
        self.height = height
        self.width = width
        self.classNames = classNames
    }

    public var count: Int { labels.count }
    /// Floats per image (`channels × height × width`).
    public var imageSize: Int { channels * height * width }
    /// One more than the largest label (0 if empty), or the number of class names if larger.
    public var classCount: Int { max(Int(labels.max() ?? -1) + 1, classNames?.count ?? 0) }

    /// The floats of image `i`.
    public func image(_ i: Int) -> ArraySlice<Float> { images[(i * imageSize)..<((i + 1) * imageSize)] }

    /// The images at `indices`, in that order (repeats allowed).
    public func subset(indices: [Int]) -> LabeledImages {
        let d = imageSize
        var out = [Float]()
        out.reserveCapacity(indices.count * d)
        images.withUnsafeBufferPointer { src in
            for i in indices {
                precondition(i >= 0 && i < count, "subset: index \(i) out of 0..<\(count)")
                out.append(contentsOf: src[(i * d)..<((i + 1) * d)])
            }
        }
        return LabeledImages(images: out, labels: indices.map { labels[$0] }, channels: channels, height: height,
                             width: width, classNames: classNames)
    }

    /// Number of images of each class, indexed by label.
    public func classCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for l in labels { counts[Int(l)] += 1 }
        return counts
    }
}
