import CKernels

/// The elementwise activations. Each keeps its own output and input-gradient buffers.
public final class Activation: Layer {
    public enum Kind: Equatable, Sendable {
        case relu, leakyRelu(slope: Float), sigmoid, tanh
    }
    public let kind: Kind
    private var output = Buffer(count: 0), inputGrad = Buffer(count: 0)
    private var input: Tensor?, result: Tensor?

    public init(_ kind: Kind) { self.kind = kind }

    public var description: String {
        switch kind {
        case .relu: "ReLU"
        case .leakyRelu(let s): "LeakyReLU(\(s))"
        case .sigmoid: "Sigmoid"
        case .tanh: "Tanh"
        }
    }

    public func outputDims(for input: Dims) throws -> Dims { input }

    public func prepare(input: Dims, maxBatch: Int, needsInputGradient: Bool) throws {
        output = Buffer(count: maxBatch * input.count)
        inputGrad = Buffer(count: maxBatch * input.count)
    }

    public func forward(_ x: Tensor, context: PassContext, workspace: UnsafeMutablePointer<Float>) -> Tensor {
        let y = output.tensor(batch: x.batch, dims: x.dims), n = Int64(x.count)
        switch kind {
        case .relu: ck_relu_forward(y.data, x.data, n)
        case .leakyRelu(let s): ck_leaky_relu_forward(y.data, x.data, n, s)
        case .sigmoid: ck_sigmoid_forward(y.data, x.data, n)
        case .tanh: ck_tanh_forward(y.data, x.data, n)
        }
        input = x
        result = y
        return y
    }

    public func backward(_ dy: Tensor, workspace: UnsafeMutablePointer<Float>) -> Tensor {
        let x = input!, y = result!, n = Int64(dy.count)
        let dx = inputGrad.tensor(batch: dy.batch, dims: dy.dims)
        switch kind {
        case .relu: ck_relu_backward(dx.data, dy.data, y.data, n)
        case .leakyRelu(let s): ck_leaky_relu_backward(dx.data, dy.data, x.data, n, s)
        case .sigmoid: ck_sigmoid_backward(dx.data, dy.data, y.data, n)
        case .tanh: ck_tanh_backward(dx.data, dy.data, y.data, n)
        }
        return dx
    }
}

/// Inverted dropout with a counter-based mask: reproducible for (run seed, layer, step), independent of
/// the thread count, regenerated in backward instead of stored. Identity in evaluation.
public final class Dropout: Layer {
    public let p: Float
    /// Distinguishes the mask streams of several dropout layers in one network.
    public var streamID: UInt64 = 0
    private var output = Buffer(count: 0), inputGrad = Buffer(count: 0)
    private var capacity = 0
    private var lastMask: (seed: UInt64, offset: UInt64)? = nil

    public init(_ p: Float) {
        precondition(p >= 0 && p < 1, "dropout probability must be in [0, 1)")
        self.p = p
    }
    public var description: String { "Dropout(\(p))" }
    public func outputDims(for input: Dims) throws -> Dims { input }

    public func prepare(input: Dims, maxBatch: Int, needsInputGradient: Bool) throws {
        capacity = maxBatch * input.count
        output = Buffer(count: capacity)
        inputGrad = Buffer(count: capacity)
    }

    public func forward(_ x: Tensor, context: PassContext, workspace: UnsafeMutablePointer<Float>) -> Tensor {
        guard context.training && p > 0 else {
            lastMask = nil
            return x
        }
        let seed = context.seed &* 0x9E37_79B9_7F4A_7C15 &+ streamID
        let offset = context.step &* UInt64(capacity) &+ UInt64(context.firstRow * x.dims.count)
        let y = output.tensor(batch: x.batch, dims: x.dims)
        ck_dropout_forward(y.data, x.data, Int64(x.count), p, seed, offset)
        lastMask = (seed, offset)
        return y
    }

    public func backward(_ dy: Tensor, workspace: UnsafeMutablePointer<Float>) -> Tensor {
        guard let mask = lastMask else { return dy }
        let dx = inputGrad.tensor(batch: dy.batch, dims: dy.dims)
        ck_dropout_backward(dx.data, dy.data, Int64(dy.count), p, mask.seed, mask.offset)
        return dx
    }
}
