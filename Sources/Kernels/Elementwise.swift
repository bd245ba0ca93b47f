import CKernels

/// Activations, dropout and vector utilities over contiguous float buffers. All work in place (output and
/// input may be the same buffer). Sizes must match; a mismatch is a programming error and traps.
public enum Elementwise {
    @inline(__always)
    static func check(_ counts: Int...) -> Int64 {
        precondition(counts.allSatisfy { $0 == counts[0] }, "buffer sizes differ: \(counts)")
        return Int64(counts[0])
    }

    /// y = max(x, 0)
    public static func reluForward(_ y: UnsafeMutableBufferPointer<Float>, _ x: UnsafeBufferPointer<Float>) {
        ck_relu_forward(y.baseAddress, x.baseAddress, check(y.count, x.count))
    }
    /// dx = dy where y > 0, else 0 (y is the forward output).
    public static func reluBackward(_ dx: UnsafeMutableBufferPointer<Float>, _ dy: UnsafeBufferPointer<Float>, output y: UnsafeBufferPointer<Float>) {
        ck_relu_backward(dx.baseAddress, dy.baseAddress, y.baseAddress, check(dx.count, dy.count, y.count))
    }
    /// y = x if x > 0 else slope * x
    public static func leakyReluForward(_ y: UnsafeMutableBufferPointer<Float>, _ x: UnsafeBufferPointer<Float>, slope: Float) {
        ck_leaky_relu_forward(y.baseAddress, x.baseAddress, check(y.count, x.count), slope)
    }
    /// dx = dy if x > 0 else slope * dy (x is the forward input).
    public static func leakyReluBackward(_ dx: UnsafeMutableBufferPointer<Float>, _ dy: UnsafeBufferPointer<Float>, input x: UnsafeBufferPointer<Float>, slope: Float) {
        ck_leaky_relu_backward(dx.baseAddress, dy.baseAddress, x.baseAddress, check(dx.count, dy.count, x.count), slope)
    }
    /// y = 1 / (1 + exp(-x))
    public static func sigmoidForward(_ y: UnsafeMutableBufferPointer<Float>, _ x: UnsafeBufferPointer<Float>) {
        ck_sigmoid_forward(y.baseAddress, x.baseAddress, check(y.count, x.count))
    }
    /// dx = dy * y * (1 - y) (y is the forward output).
    public static func sigmoidBackward(_ dx: UnsafeMutableBufferPointer<Float>, _ dy: UnsafeBufferPointer<Float>, output y: UnsafeBufferPointer<Float>) {
        ck_sigmoid_backward(dx.baseAddress, dy.baseAddress, y.baseAddress, check(dx.count, dy.count, y.count))
    }
    /// y = tanh(x)
    public static func tanhForward(_ y: UnsafeMutableBufferPointer<Float>, _ x: UnsafeBufferPointer<Float>) {
        ck_tanh_forward(y.baseAddress, x.baseAddress, check(y.count, x.count))
    }
    /// dx = dy * (1 - y^2) (y is the forward output).
    public static func tanhBackward(_ dx: UnsafeMutableBufferPointer<Float>, _ dy: UnsafeBufferPointer<Float>, output y: UnsafeBufferPointer<Float>) {
        ck_tanh_backward(dx.baseAddress, dy.baseAddress, y.baseAddress, check(dx.count, dy.count, y.count))
    }
    /// Inverted dropout: element i is kept (and scaled by 1/(1-p)) when the Philox uniform at
    /// (seed, offset + i) is >= p. The mask depends only on (seed, offset + i).
    public static func dropoutForward(_ y: UnsafeMutableBufferPointer<Float>, _ x: UnsafeBufferPointer<Float>, p: Float, seed: UInt64, offset: UInt64) {
        precondition(p >= 0 && p < 1, "dropout probability must be in [0, 1)")
        ck_dropout_forward(y.baseAddress, x.baseAddress, check(y.count, x.count), p, seed, offset)
    }
    /// Backward of `dropoutForward` with the same (p, seed, offset): the mask is regenerated.
    public static func dropoutBackward(_ dx: UnsafeMutableBufferPointer<Float>, _ dy: UnsafeBufferPointer<Float>, p: Float, seed: UInt64, offset: UInt64) {
        precondition(p >= 0 && p < 1, "dropout probability must be in [0, 1)")
        ck_dropout_backward(dx.baseAddress, dy.baseAddress, check(dx.count, dy.count), p, seed, offset)
    }
    /// y += alpha * x
    public static func axpy(_ y: UnsafeMutableBufferPointer<Float>, _ x: UnsafeBufferPointer<Float>, alpha: Float) {
        ck_axpy(y.baseAddress, x.baseAddress, check(y.count, x.count), alpha)
    }
    /// y = alpha * x
    public static func scale(_ y: UnsafeMutableBufferPointer<Float>, _ x: UnsafeBufferPointer<Float>, alpha: Float) {
        ck_scale(y.baseAddress, x.baseAddress, check(y.count, x.count), alpha)
    }
    /// x[i] = value
    public static func fill(_ x: UnsafeMutableBufferPointer<Float>, _ value: Float) {
        ck_fill(x.baseAddress, Int64(x.count), value)
    }
}

/// Counter-based random numbers (Philox4x32-10): value k depends only on (seed, offset + k).
public enum Random {
    /// Uniform in [0, 1) at stream position `index`.
    public static func uniform(seed: UInt64, index: UInt64) -> Float { ck_random_uniform_at(seed, index) }
    /// out[k] = uniform in [0, 1) at position offset + k.
    public static func uniform(_ out: UnsafeMutableBufferPointer<Float>, seed: UInt64, offset: UInt64 = 0) {
        ck_random_uniform(out.baseAddress, Int64(out.count), seed, offset)
    }
    /// out[k] = mean + std * N(0,1), Box-Muller on the uniforms at 2(offset+k) and 2(offset+k)+1.
    public static func normal(_ out: UnsafeMutableBufferPointer<Float>, seed: UInt64, offset: UInt64 = 0, mean: Float = 0, std: Float = 1) {
        ck_random_normal(out.baseAddress, Int64(out.count), seed, offset, mean, std)
    }
    /// One Philox4x32-10 block.
    public static func philox(counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32)) -> [UInt32] {
        var out = [UInt32](repeating: 0, count: 4)
        let c = [counter.0, counter.1, counter.2, counter.3], k = [key.0, key.1]
        out.withUnsafeMutableBufferPointer { o in ck_philox4x32_10(o.baseAddress, c, k) }
        return out
    }
}
