import Foundation

/// SplitMix64: a tiny, fast, well-mixed generator. Seeded per (seed, stream) so that every consumer — a class
/// in a split, an image in a corruption — gets an independent sequence that does not depend on the order or
/// batching of the work.
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for `stream` under `seed` (the two are mixed, so nearby values give unrelated sequences).
    public init(seed: UInt64, stream: UInt64) {
        var g = SplitMix64(seed: seed)
        var mixed = SplitMix64(seed: g.next() ^ (stream &* 0xD1B5_4A32_D192_ED03))
        state = mixed.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<n (Lemire's multiply-high; bias below 2^-40 for the sizes used here).
    mutating func below(_ n: Int) -> Int {
        Int(UInt64(n).multipliedFullWidth(by: next()).high)
    }

    /// Uniform Float in [0, 1).
    mutating func unitFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform Double in [0, 1).
    mutating func unitDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Standard normal by Box–Muller.
    public mutating func nextGaussian() -> Double {
        let u = (Double(next() >> 11) + 0.5) * 0x1p-53, v = Double(next() >> 11) * 0x1p-53
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }

    /// `items` in Fisher–Yates shuffled order.
    mutating func shuffled<T>(_ items: [T]) -> [T] {
        var a = items
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, below(i + 1)) }
        return a
    }
}
