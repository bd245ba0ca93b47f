import Kernels

/// A trainable tensor and its gradient (same shape). Gradients are overwritten by each backward pass.
public final class Parameter {
    /// Name inside its layer ("weight", "bias").
    public let name: String
    /// Shape as stored (e.g. [out, in] for a linear weight, [cout, cin, kh, kw] for a convolution).
    public let shape: [Int]
    public let value: Buffer
    public let grad: Buffer
    /// False: backward passes of Linear and Convolution layers skip this gradient and leave `grad` as it was. For
    /// passes that only need the gradient with respect to the input, e.g. the GAN generator's step through D.
    public var wantsGradient = true

    public init(name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
        let n = shape.reduce(1, *)
        value = Buffer(count: n)
        grad = Buffer(count: n)
    }
    public var count: Int { value.count }
    /// Where a backward kernel writes this gradient: `grad`, or nil (skip it) when not `wantsGradient`.
    var gradientTarget: UnsafeMutablePointer<Float>? { wantsGradient ? grad.pointer : nil }
}

/// Everything a forward pass needs besides its input.
public struct PassContext {
    /// Training mode (dropout active, batch norm on batch statistics) or evaluation.
    public var training: Bool
    /// Seed of the run's counter-based random streams.
    public var seed: UInt64
    /// Global training step, so each step draws fresh dropout masks that are still reproducible.
    public var step: UInt64
    /// Position of this batch's first row in the step's global batch (data-parallel shards), so per-row
    /// random draws (dropout masks, VAE ε) are those of the same example in a one-process run.
    public var firstRow: Int = 0
    public init(training: Bool, seed: UInt64 = 0, step: UInt64 = 0) {
        self.training = training; self.seed = seed; self.step = step
    }
}

/// One layer: forward and backward over buffers it allocates once in `prepare` (nothing is allocated per
/// step). `forward` keeps what `backward` needs (its input view, its output); `backward` returns the
/// gradient with respect to its input and writes its parameters' gradients.
public protocol Layer: AnyObject {
    /// Short description, e.g. "Linear(784→512)".
    var description: String { get }
    /// Trainable parameters, in a fixed order.
    var parameters: [Parameter] { get }
    /// State that is saved and restored with the parameters but never trained (batch norm's running statistics),
    /// in a fixed order; the optimiser does not see it and its `grad` is unused.
    var buffers: [Parameter] { get }
    /// Output dims for an input of `input` dims, or an error for an incompatible input.
    func outputDims(for input: Dims) throws -> Dims
    /// Allocates output/gradient buffers for batches of up to `maxBatch` samples of `input` dims.
    /// `needsInputGradient == false` lets the first layer skip computing dx.
    func prepare(input: Dims, maxBatch: Int, needsInputGradient: Bool) throws
    /// Scratch floats this layer needs from the shared workspace (convolutions).
    var workspaceSize: Int { get }
    func forward(_ x: Tensor, context: PassContext, workspace: UnsafeMutablePointer<Float>) -> Tensor
    func backward(_ dy: Tensor, workspace: UnsafeMutablePointer<Float>) -> Tensor
    /// Fills parameters with the layer's seeded initialisation.
    func initialize(seed: UInt64)
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var buffers: [Parameter] { [] }
    public var workspaceSize: Int { 0 }
    public func initialize(seed: UInt64) {}
}

/// Errors from building or running a network.
public struct NetworkError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Weight initialisations (fan-in/fan-out based), drawn from the counter-based RNG.
public enum Initializer {
    /// He (Kaiming) uniform for ReLU-family layers: U(-b, b), b = sqrt(6 / fanIn).
    case he
    /// Xavier (Glorot) uniform for sigmoid/tanh/linear outputs: U(-b, b), b = sqrt(6 / (fanIn + fanOut)).
    case xavier
    /// N(0, std²) whatever the fan-in: DCGAN's 0.02 (with batch norm, gan-conv trains with it where He's larger
    /// weights let the discriminator win: docs/RESULTS.md, issue 8).
    case normal(std: Float)

    func fill(_ p: Parameter, fanIn: Int, fanOut: Int, seed: UInt64) {
        let bound: Float
        switch self {
        case .he: bound = (6 / Float(fanIn)).squareRoot()
        case .xavier: bound = (6 / Float(fanIn + fanOut)).squareRoot()
        case .normal(let std):
            Random.normal(p.value.buffer, seed: seed, std: std)
            return
        }
        Random.uniform(p.value.buffer, seed: seed)
        Elementwise.scale(p.value.buffer, UnsafeBufferPointer(p.value.buffer), alpha: 2 * bound)
        for i in 0..<p.count { p.value.pointer[i] -= bound }
    }
}
