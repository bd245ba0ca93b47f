import RealModule

/// Pure-Swift twins of the native kernels: plain loops, written for clarity, generic over the float type so
/// tests can run them in `Double` for finite differences. They define what the C kernels must compute.
public enum Reference {}

extension Reference {
    @inlinable public static func reluForward<T: Real>(_ x: [T]) -> [T] { x.map { $0 > 0 ? $0 : 0 } }
    @inlinable public static func reluBackward<T: Real>(dy: [T], output y: [T]) -> [T] {
        zip(dy, y).map { $1 > 0 ? $0 : 0 }
    }
    @inlinable public static func leakyReluForward<T: Real>(_ x: [T], slope: T) -> [T] { x.map { $0 > 0 ? $0 : slope * $0 } }
    @inlinable public static func leakyReluBackward<T: Real>(dy: [T], input x: [T], slope: T) -> [T] {
        zip(dy, x).map { $1 > 0 ? $0 : slope * $0 }
    }
    @inlinable public static func sigmoidForward<T: Real>(_ x: [T]) -> [T] { x.map { 1 / (1 + T.exp(-$0)) } }
    @inlinable public static func sigmoidBackward<T: Real>(dy: [T], output y: [T]) -> [T] {
        zip(dy, y).map { $0 * $1 * (1 - $1) }
    }
    @inlinable public static func tanhForward<T: Real>(_ x: [T]) -> [T] { x.map { T.tanh($0) } }
    @inlinable public static func tanhBackward<T: Real>(dy: [T], output y: [T]) -> [T] {
        zip(dy, y).map { $0 * (1 - $1 * $1) }
    }
    @inlinable public static func axpy<T: Real>(_ y: [T], _ x: [T], alpha: T) -> [T] { zip(y, x).map { $0 + alpha * $1 } }
    @inlinable public static func scale<T: Real>(_ x: [T], alpha: T) -> [T] { x.map { alpha * $0 } }

    /// Inverted dropout with the Philox mask (see `Philox.uniform`).
    @inlinable public static func dropout<T: Real & BinaryFloatingPoint>(_ x: [T], p: Float, seed: UInt64, offset: UInt64) -> [T] {
        guard p > 0 else { return x }
        let scale = T(1 / (1 - p))
        return x.indices.map { i in
            Philox.uniform(seed: seed, index: offset + UInt64(i)) >= p ? x[i] * scale : 0
        }
    }
}

/// Philox4x32-10 in Swift, bit-identical to ck_random.h.
public enum Philox {
    @inlinable public static func block(counter: [UInt32], key: [UInt32]) -> [UInt32] {
        var c = counter, k = key
        for _ in 0..<10 {
            let p0 = UInt64(0xD251_1F53) * UInt64(c[0]), p1 = UInt64(0xCD9E_8D57) * UInt64(c[2])
            let n0 = UInt32(truncatingIfNeeded: p1 >> 32) ^ c[1] ^ k[0]
            let n2 = UInt32(truncatingIfNeeded: p0 >> 32) ^ c[3] ^ k[1]
            c = [n0, UInt32(truncatingIfNeeded: p1), n2, UInt32(truncatingIfNeeded: p0)]
            k[0] &+= 0x9E37_79B9
            k[1] &+= 0xBB67_AE85
        }
        return c
    }

    @inlinable public static func word(seed: UInt64, index: UInt64) -> UInt32 {
        let b = index >> 2
        let out = block(counter: [UInt32(truncatingIfNeeded: b), UInt32(truncatingIfNeeded: b >> 32), 0, 0],
                        key: [UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)])
        return out[Int(index & 3)]
    }

    /// Uniform in [0, 1) from the top 24 bits of the word at `index`.
    @inlinable public static func uniform(seed: UInt64, index: UInt64) -> Float {
        Float(word(seed: seed, index: index) >> 8) * (1 / 16_777_216)
    }

    /// Standard normal at position `index` (Box-Muller on the words at 2 index and 2 index + 1).
    @inlinable public static func normal(seed: UInt64, index: UInt64, mean: Float = 0, std: Float = 1) -> Float {
        let u1 = (Double(word(seed: seed, index: 2 * index) >> 8) + 0.5) / 16_777_216
        let u2 = Double(word(seed: seed, index: 2 * index + 1) >> 8) / 16_777_216
        let z = (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * Double.pi * u2)
        return mean + std * Float(z)
    }
}
