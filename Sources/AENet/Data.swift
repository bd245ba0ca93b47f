import CKernels

/// Images (N × dims, float32 in [0, 1], NCHW) with integer labels: what training and evaluation read.
public final class ImageSet: @unchecked Sendable {
    public let images: Buffer
    public let labels: [Int32]
    public let dims: Dims
    public var count: Int { labels.count }

    public init(images: Buffer, labels: [Int32], dims: Dims) {
        precondition(images.count == labels.count * dims.count, "\(images.count) floats for \(labels.count) images of \(dims)")
        self.images = images
        self.labels = labels
        self.dims = dims
    }

    public convenience init(images: [Float], labels: [Int32], dims: Dims) {
        self.init(images: Buffer(images), labels: labels, dims: dims)
    }

    /// The images at `indices`, in that order, as a new set.
    public func subset(_ indices: [Int]) -> ImageSet {
        let out = Buffer(count: indices.count * dims.count)
        gather(indices[...], into: out.pointer)
        return ImageSet(images: out, labels: indices.map { labels[$0] }, dims: dims)
    }

    /// Copies the images at `indices` contiguously into `dst`.
    public func gather(_ indices: ArraySlice<Int>, into dst: UnsafeMutablePointer<Float>) {
        let d = dims.count
        for (row, i) in indices.enumerated() {
            (dst + row * d).update(from: images.pointer + i * d, count: d)
        }
    }
}

/// Seeded, thread-count-independent permutations from the counter-based RNG (Fisher–Yates).
public enum Shuffle {
    public static func permutation(_ n: Int, seed: UInt64, stream: UInt64) -> [Int] {
        var order = Array(0..<n)
        guard n > 1 else { return order }
        let key = seed &* 0x9E37_79B9_7F4A_7C15 &+ stream
        for i in stride(from: n - 1, to: 0, by: -1) {
            let u = Double(ck_random_uniform_at(key, UInt64(i)))
            order.swapAt(i, min(i, Int(u * Double(i + 1))))
        }
        return order
    }
}
