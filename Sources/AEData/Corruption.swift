import Foundation

/// Input corruption for denoising autoencoders. The noise of image `i` depends only on the seed and on its
/// global index `firstIndex + i`, so corrupting a set in batches or all at once gives identical results.
public enum Corruption: Equatable, Sendable, CustomStringConvertible {
    /// Adds N(0, sigma²) noise to every value, then clips to [0, 1].
    case gaussian(sigma: Float)
    /// Mixes every value with uniform noise: `x ← (1 − amount)·x + amount·u`, `u ~ U[0, 1)`. `amount` is in
    /// [0, 1]; 1 replaces the image by noise, 0 leaves it unchanged. Results stay in [0, 1].
    case uniform(amount: Float)
    /// Adds uniform noise `scale·u`, `u ~ U[0, 1)`, to every value, then clips to [0, 1]: with scale 1 this is
    /// the "x + U[0, 1)" corruption of the robustness study.
    case additiveUniform(scale: Float)
    /// Sets a `size × size` square, at a uniformly random position fully inside the image, to 0 in every
    /// channel. `size` must not exceed the image's height or width.
    case occlusion(size: Int)

    /// Parses `gaussian:<sigma>`, `uniform:<amount>`, `uniform-add:<scale>` or `occlusion:<size>` (e.g. `gaussian:0.3`).
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 1).map { $0.trimmingWhitespace() }
        let bad = DataError(.invalidArgument, text,
                            "expected gaussian:<sigma >= 0>, uniform:<amount in [0, 1]>, uniform-add:<scale >= 0> or occlusion:<size >= 0>")
        guard parts.count == 2 else { throw bad }
        switch parts[0].lowercased() {
        case "gaussian":
            guard let s = Float(parts[1]), s >= 0, s.isFinite else { throw bad }
            self = .gaussian(sigma: s)
        case "uniform":
            guard let a = Float(parts[1]), a >= 0, a <= 1 else { throw bad }
            self = .uniform(amount: a)
        case "uniform-add":
            guard let s = Float(parts[1]), s >= 0, s.isFinite else { throw bad }
            self = .additiveUniform(scale: s)
        case "occlusion":
            guard let n = Int(parts[1]), n >= 0 else { throw bad }
            self = .occlusion(size: n)
        default:
            throw bad
        }
    }

    /// The form `init(parsing:)` reads.
    public var description: String {
        switch self {
        case .gaussian(let s): "gaussian:\(s)"
        case .uniform(let a): "uniform:\(a)"
        case .additiveUniform(let s): "uniform-add:\(s)"
        case .occlusion(let n): "occlusion:\(n)"
        }
    }

    /// Checks that the corruption fits `height × width` images (an occlusion square must); call before `apply`.
    public func check(height: Int, width: Int) throws {
        if case .occlusion(let n) = self, n > height || n > width {
            throw DataError(.invalidArgument, description, "a \(n)×\(n) occlusion does not fit \(height)×\(width) images")
        }
    }

    /// Corrupts `count` NCHW images in place; image `i` of `images` is image number `firstIndex + i` of the set.
    public func apply(to images: inout [Float], count: Int, channels: Int, height: Int, width: Int,
                      seed: UInt64, firstIndex: Int = 0) {
        let plane = height * width
        let size = channels * plane
        precondition(images.count >= count * size, "Corruption: \(images.count) floats for \(count) images of \(size)")
        if case .occlusion(let n) = self {
            precondition(n <= height && n <= width, "Corruption: occlusion \(n) larger than a \(height)×\(width) image")
        }
        images.withUnsafeMutableBufferPointer { buf in
            for i in 0..<count {
                var g = SplitMix64(seed: seed, stream: UInt64(firstIndex + i))
                let img = UnsafeMutableBufferPointer(rebasing: buf[(i * size)..<((i + 1) * size)])
                switch self {
                case .gaussian(let sigma):
                    Self.addGaussian(img, sigma: sigma, using: &g)
                case .uniform(let a):
                    for j in img.indices { img[j] = (1 - a) * img[j] + a * g.unitFloat() }
                case .additiveUniform(let s):
                    for j in img.indices { img[j] = min(1, img[j] + s * g.unitFloat()) }
                case .occlusion(let n):
                    guard n > 0 else { continue }
                    let y0 = g.below(height - n + 1), x0 = g.below(width - n + 1)
                    for c in 0..<channels {
                        for y in y0..<(y0 + n) {
                            let row = c * plane + y * width + x0
                            img[row..<(row + n)].update(repeating: 0)
                        }
                    }
                }
            }
        }
    }

    /// Box–Muller pairs; every value gets its own normal draw.
    private static func addGaussian(_ img: UnsafeMutableBufferPointer<Float>, sigma: Float, using g: inout SplitMix64) {
        var j = 0
        while j < img.count {
            let u1 = 1 - g.unitDouble()  // (0, 1]: log is finite
            let u2 = g.unitDouble()
            let r = Double(sigma) * (-2 * log(u1)).squareRoot()
            let angle = 2 * Double.pi * u2
            img[j] = min(1, max(0, img[j] + Float(r * cos(angle))))
            if j + 1 < img.count { img[j + 1] = min(1, max(0, img[j + 1] + Float(r * sin(angle)))) }
            j += 2
        }
    }
}
