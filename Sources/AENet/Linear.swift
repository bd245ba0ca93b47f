import CKernels

/// Fully connected layer y = x · Wᵀ + b, W (out × in) as in PyTorch. Accepts any input whose per-sample
/// size is `inFeatures` (a flattened NCHW activation).
public final class Linear: Layer {
    public let inFeatures: Int, outFeatures: Int
    public let weight: Parameter, bias: Parameter
    let initializer: Initializer
    /// Spectral normalisation of the weight (GAN discriminators), nil = plain W.
    public let spectralNorm: SpectralNormalization?
    private var output = Buffer(count: 0), inputGrad: Buffer?
    private var input: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, initializer: Initializer = .he, spectralNorm: Bool = false) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.initializer = initializer
        self.spectralNorm = spectralNorm ? SpectralNormalization(rows: outFeatures, cols: inFeatures) : nil
        weight = Parameter(name: "weight", shape: [outFeatures, inFeatures])
        bias = Parameter(name: "bias", shape: [outFeatures])
    }

    public var description: String { "Linear(\(inFeatures)→\(outFeatures)\(spectralNorm == nil ? "" : ",SN"))" }
    public var parameters: [Parameter] { [weight, bias] }
    public var buffers: [Parameter] { spectralNorm.map { [$0.u] } ?? [] }

    public func outputDims(for input: Dims) throws -> Dims {
        guard input.count == inFeatures else { throw NetworkError("\(description) got \(input) = \(input.count) features") }
        return .features(outFeatures)
    }

    public func prepare(input: Dims, maxBatch: Int, needsInputGradient: Bool) throws {
        _ = try outputDims(for: input)
        output = Buffer(count: maxBatch * outFeatures)
        inputGrad = needsInputGradient ? Buffer(count: maxBatch * inFeatures) : nil
    }

    public func initialize(seed: UInt64) {
        initializer.fill(weight, fanIn: inFeatures, fanOut: outFeatures, seed: seed)
        bias.value.zero()
        spectralNorm?.initialize(seed: seed)
    }

    public func forward(_ x: Tensor, context: PassContext, workspace: UnsafeMutablePointer<Float>) -> Tensor {
        input = x
        let y = output.tensor(batch: x.batch, dims: .features(outFeatures))
        let w = spectralNorm?.normalize(weight, training: context.training) ?? weight.value.pointer
        ck_linear_forward(y.data, x.data, w, bias.value.pointer, Int64(x.batch),
                          Int64(inFeatures), Int64(outFeatures))
        return y
    }

    public func backward(_ dy: Tensor, workspace: UnsafeMutablePointer<Float>) -> Tensor {
        let x = input!
        let dx = inputGrad.map { $0.tensor(batch: x.batch, dims: x.dims) }
        ck_linear_backward(dx?.data, weight.gradientTarget, bias.gradientTarget, dy.data, x.data,
                           spectralNorm?.normalized.pointer ?? weight.value.pointer, Int64(x.batch), Int64(inFeatures), Int64(outFeatures))
        spectralNorm?.projectGradient(weight)
        return dx ?? x
    }
}

/// Changes the per-sample dims without moving data (Flatten is implicit: Linear accepts any dims).
public final class Reshape: Layer {
    public let dims: Dims
    private var inputDims = Dims(0)
    public init(_ dims: Dims) { self.dims = dims }
    public var description: String { "Reshape(\(dims))" }
    public func outputDims(for input: Dims) throws -> Dims {
        guard input.count == dims.count else { throw NetworkError("cannot reshape \(input) to \(dims)") }
        return dims
    }
    public func prepare(input: Dims, maxBatch: Int, needsInputGradient: Bool) throws {
        _ = try outputDims(for: input)
        inputDims = input
    }
    public func forward(_ x: Tensor, context: PassContext, workspace: UnsafeMutablePointer<Float>) -> Tensor {
        x.reshaped(dims)
    }
    public func backward(_ dy: Tensor, workspace: UnsafeMutablePointer<Float>) -> Tensor { dy.reshaped(inputDims) }
}
