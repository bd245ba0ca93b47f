import CKernels

/// Batch normalisation (Ioffe & Szegedy 2015) per channel over (N, H, W), PyTorch semantics: training normalises
/// with the batch's statistics (biased variance) and updates the running mean and unbiased variance with
/// `momentum`; evaluation normalises with the running statistics. After a Linear layer (dims `features(n)`) it is
/// BatchNorm1d over n features. Parameters "weight" (γ, initialised 1) and "bias" (β, 0); buffers "running_mean"
/// (0) and "running_var" (1), saved with the parameters.
public final class BatchNorm: Layer {
    public let channels: Int
    /// Variable so a cumulative average can re-estimate the running statistics (`GeneratorAverage.recalibrate`).
    public var momentum: Float
    public let epsilon: Float
    public let weight: Parameter, bias: Parameter
    public let runningMean: Parameter, runningVariance: Parameter
    /// Samples normalised together in training; nil = the whole batch. A GAN's discriminator sees a real and a fake
    /// half in one batch and normalises them apart (`group` = half), as if they were two batches (DCGAN's recipe).
    public var group: Int?
    /// Channels-last input (batch, h, w, c), set by the network (`ActivationLayout`) before `prepare`.
    var channelsLast = false
    private var output = Buffer(count: 0), inputGrad: Buffer?
    /// Each group's mean and 1/σ from the last training forward, for the backward.
    private var mean = Buffer(count: 0), invstd = Buffer(count: 0)
    private var input: Tensor?, plane = 1
    private var trainedForward = false

    public init(_ channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5, group: Int? = nil) {
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        self.group = group
        weight = Parameter(name: "weight", shape: [channels])
        bias = Parameter(name: "bias", shape: [channels])
        runningMean = Parameter(name: "running_mean", shape: [channels])
        runningVariance = Parameter(name: "running_var", shape: [channels])
        initialize(seed: 0)
    }

    public var description: String { "BatchNorm(\(channels))" }
    public var parameters: [Parameter] { [weight, bias] }
    public var buffers: [Parameter] { [runningMean, runningVariance] }

    public func outputDims(for input: Dims) throws -> Dims {
        guard input.c == channels else { throw NetworkError("\(description) got \(input.c) channels") }
        return input
    }

    public func prepare(input: Dims, maxBatch: Int, needsInputGradient: Bool) throws {
        _ = try outputDims(for: input)
        plane = input.h * input.w
        output = Buffer(count: maxBatch * input.count)
        inputGrad = needsInputGradient ? Buffer(count: maxBatch * input.count) : nil
        // Groups of one sample at most: one statistic per sample and channel.
        mean = Buffer(count: maxBatch * channels)
        invstd = Buffer(count: maxBatch * channels)
    }

    public func initialize(seed: UInt64) {
        for (p, v) in [(weight, Float(1)), (bias, 0), (runningMean, 0), (runningVariance, 1)] {
            p.value.buffer.update(repeating: v)
        }
    }

    public func forward(_ x: Tensor, context: PassContext, workspace: UnsafeMutablePointer<Float>) -> Tensor {
        let y = output.tensor(batch: x.batch, dims: x.dims)
        let (n, c, hw) = (Int64(x.batch), Int64(channels), Int64(plane))
        if context.training {
            let train = channelsLast ? ck_batchnorm_forward_train_nhwc : ck_batchnorm_forward_train
            train(y.data, mean.pointer, invstd.pointer, runningMean.value.pointer, runningVariance.value.pointer,
                                       x.data, weight.value.pointer, bias.value.pointer, n, c, hw, Int64(group ?? x.batch),
                                       epsilon, momentum)
        } else {
            let eval = channelsLast ? ck_batchnorm_forward_eval_nhwc : ck_batchnorm_forward_eval
            eval(y.data, x.data, weight.value.pointer, bias.value.pointer, runningMean.value.pointer,
                                      runningVariance.value.pointer, n, c, hw, epsilon)
        }
        input = x
        trainedForward = context.training
        return y
    }

    public func backward(_ dy: Tensor, workspace: UnsafeMutablePointer<Float>) -> Tensor {
        precondition(trainedForward, "\(description): backward needs a training-mode forward (its batch statistics)")
        let x = input!
        let dx = inputGrad.map { $0.tensor(batch: x.batch, dims: x.dims) }
        let backward = channelsLast ? ck_batchnorm_backward_nhwc : ck_batchnorm_backward
        backward(dx?.data, weight.grad.pointer, bias.grad.pointer, dy.data, x.data, mean.pointer, invstd.pointer,
                              weight.value.pointer, Int64(x.batch), Int64(channels), Int64(plane), Int64(group ?? x.batch))
        return dx ?? x
    }
}
