import CKernels

/// Conv2d (weight cout × cin × k × k) or ConvTranspose2d (weight cin × cout × k × k), PyTorch semantics,
/// square kernel/stride/padding. Scratch memory comes from the network's shared workspace.
public final class Convolution: Layer {
    public enum Kind: Sendable { case conv, transposed }
    public let kind: Kind
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int, outputPadding: Int
    public let weight: Parameter, bias: Parameter
    let initializer: Initializer
    /// Spectral normalisation of the weight read as out channels × the rest (GAN discriminators; convolutions
    /// only), nil = plain W.
    public let spectralNorm: SpectralNormalization?
    /// Input, output and their gradients are channels-last (batch, h, w, c) instead of NCHW. Set by the network
    /// (`Sequential.prepare`) before `prepare`, so consecutive layers hand each other channels-last tensors.
    var channelsLast = false
    private var shape = ck_conv_shape()
    private var outDims = Dims(0)
    private var output = Buffer(count: 0), inputGrad: Buffer?
    private var input: Tensor?

    public init(_ kind: Kind, _ inChannels: Int, _ outChannels: Int, kernel: Int = 3, stride: Int = 1, padding: Int = 1,
                outputPadding: Int = 0, initializer: Initializer = .he, spectralNorm: Bool = false) {
        precondition(!spectralNorm || kind == .conv, "spectral normalisation is implemented for Conv2d weights only")
        self.kind = kind
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.initializer = initializer
        let wShape = kind == .conv ? [outChannels, inChannels, kernel, kernel] : [inChannels, outChannels, kernel, kernel]
        weight = Parameter(name: "weight", shape: wShape)
        bias = Parameter(name: "bias", shape: [outChannels])
        self.spectralNorm = spectralNorm ? SpectralNormalization(rows: outChannels, cols: inChannels * kernel * kernel) : nil
    }

    public var description: String {
        let name = kind == .conv ? "Conv2d" : "ConvTranspose2d"
        let op = kind == .transposed ? ",op\(outputPadding)" : ""
        return "\(name)(\(inChannels)→\(outChannels),k\(kernel),s\(stride),p\(padding)\(op)\(spectralNorm == nil ? "" : ",SN"))"
    }
    public var parameters: [Parameter] { [weight, bias] }
    public var buffers: [Parameter] { spectralNorm.map { [$0.u] } ?? [] }

    private func geometry(_ input: Dims, batch: Int) -> ck_conv_shape {
        ck_conv_shape(batch: Int64(batch), in_channels: Int64(inChannels), in_h: Int64(input.h), in_w: Int64(input.w),
                      out_channels: Int64(outChannels), kernel_h: Int64(kernel), kernel_w: Int64(kernel),
                      stride: Int64(stride), padding: Int64(padding), output_padding: Int64(outputPadding),
                      channels_last: channelsLast ? 1 : 0)
    }

    public func outputDims(for input: Dims) throws -> Dims {
        guard input.c == inChannels else { throw NetworkError("\(description) got \(input.c) input channels") }
        var s = geometry(input, batch: 1)
        let h = kind == .conv ? ck_conv2d_out_h(&s) : ck_conv_transpose2d_out_h(&s)
        let w = kind == .conv ? ck_conv2d_out_w(&s) : ck_conv_transpose2d_out_w(&s)
        guard h > 0, w > 0 else { throw NetworkError("\(description) cannot take a \(input) input") }
        return Dims(outChannels, Int(h), Int(w))
    }

    public func prepare(input: Dims, maxBatch: Int, needsInputGradient: Bool) throws {
        outDims = try outputDims(for: input)
        shape = geometry(input, batch: maxBatch)
        output = Buffer(count: maxBatch * outDims.count)
        inputGrad = needsInputGradient ? Buffer(count: maxBatch * input.count) : nil
    }

    public var workspaceSize: Int {
        var s = shape
        return Int(kind == .conv ? ck_conv2d_workspace_size(&s) : ck_conv_transpose2d_workspace_size(&s))
    }

    public func initialize(seed: UInt64) {
        // PyTorch's fan-in: weight.size(1) * k * k (for ConvTranspose2d that is out_channels * k * k).
        let fanIn = (kind == .conv ? inChannels : outChannels) * kernel * kernel
        let fanOut = (kind == .conv ? outChannels : inChannels) * kernel * kernel
        initializer.fill(weight, fanIn: fanIn, fanOut: fanOut, seed: seed)
        bias.value.zero()
        spectralNorm?.initialize(seed: seed)
    }

    public func forward(_ x: Tensor, context: PassContext, workspace: UnsafeMutablePointer<Float>) -> Tensor {
        input = x
        var s = shape
        s.batch = Int64(x.batch)
        let y = output.tensor(batch: x.batch, dims: outDims)
        let w = spectralNorm?.normalize(weight, training: context.training) ?? weight.value.pointer
        let status = kind == .conv
            ? ck_conv2d_forward(y.data, x.data, w, bias.value.pointer, &s, workspace)
            : ck_conv_transpose2d_forward(y.data, x.data, w, bias.value.pointer, &s, workspace)
        precondition(status == 0, "\(description): invalid geometry")
        return y
    }

    public func backward(_ dy: Tensor, workspace: UnsafeMutablePointer<Float>) -> Tensor {
        let x = input!
        var s = shape
        s.batch = Int64(x.batch)
        let dx = inputGrad.map { $0.tensor(batch: x.batch, dims: x.dims) }
        let w = spectralNorm?.normalized.pointer ?? weight.value.pointer
        let status = kind == .conv
            ? ck_conv2d_backward(dx?.data, weight.gradientTarget, bias.gradientTarget, dy.data, x.data, w, &s, workspace)
            : ck_conv_transpose2d_backward(dx?.data, weight.gradientTarget, bias.gradientTarget, dy.data, x.data, w, &s, workspace)
        precondition(status == 0, "\(description): invalid geometry")
        spectralNorm?.projectGradient(weight)
        return dx ?? x
    }
}
