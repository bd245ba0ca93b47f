/// Layers run one after another over preallocated buffers, with one scratch workspace shared by all.
public final class Sequential {
    public let name: String
    public let layers: [Layer]
    public private(set) var inputDims = Dims(0)
    public private(set) var outputDims = Dims(0)
    public private(set) var maxBatch = 0
    /// Run the convolutions on channels-last activations (`ActivationLayout`); nil: whichever the kernels prefer.
    /// Read by `prepare`. Results differ between the layouts only by float rounding and by which element each
    /// dropout draw lands on.
    public var channelsLast: Bool?
    /// `layers` plus the layout changes `prepare` planned: what forward and backward run.
    private var steps: [Layer] = []
    private var workspace = Buffer(count: 0)

    public init(_ name: String, _ layers: [Layer]) {
        self.name = name
        self.layers = layers
        var stream: UInt64 = 0
        for case let d as Dropout in layers {
            d.streamID = stream
            stream += 1
        }
    }

    /// Checks the chain of shapes and allocates every buffer for batches of up to `maxBatch`.
    public func prepare(input: Dims, maxBatch: Int, needsInputGradient: Bool = false) throws {
        var dims = input
        for (i, layer) in layers.enumerated() {
            do {
                dims = try layer.outputDims(for: dims)
            } catch let error as NetworkError {
                throw NetworkError("\(name) layer \(i): \(error.description)")
            }
        }
        steps = try ActivationLayout.plan(layers, input: input, channelsLast: channelsLast ?? Sequential.kernelsPreferChannelsLast)
        dims = input
        for (i, step) in steps.enumerated() {
            try step.prepare(input: dims, maxBatch: maxBatch, needsInputGradient: needsInputGradient || i > 0)
            dims = try step.outputDims(for: dims)
        }
        inputDims = input
        outputDims = dims
        self.maxBatch = maxBatch
        workspace = Buffer(count: steps.map(\.workspaceSize).max() ?? 0)
    }

    /// Output dims for an input, without allocating.
    public func outputDims(for input: Dims) throws -> Dims {
        try layers.reduce(input) { try $1.outputDims(for: $0) }
    }

    public func forward(_ x: Tensor, context: PassContext) -> Tensor {
        precondition(x.batch <= maxBatch && x.dims == inputDims, "\(name): batch \(x.batch)x\(x.dims) vs prepared \(maxBatch)x\(inputDims)")
        return steps.reduce(x) { $1.forward($0, context: context, workspace: workspace.pointer) }
    }

    /// `count` samples of `input` (count × inputDims, row-major) through the network in evaluation mode, `batch` at a
    /// time (default: its capacity, `maxBatch`); the outputs concatenated (count × outputDims).
    public func evaluate(_ input: UnsafePointer<Float>, count: Int, batch: Int? = nil) -> [Float] {
        let b = batch ?? maxBatch, d = inputDims.count, e = outputDims.count, staging = Buffer(count: b * d)
        precondition(b >= 1 && b <= maxBatch, "\(name): evaluation batch \(b) outside 1...\(maxBatch)")
        var out = [Float](repeating: 0, count: count * e)
        for start in stride(from: 0, to: count, by: b) {
            let m = min(b, count - start)
            staging.pointer.update(from: input + start * d, count: m * d)
            let y = forward(staging.tensor(batch: m, dims: inputDims), context: PassContext(training: false))
            out.withUnsafeMutableBufferPointer { ($0.baseAddress! + start * e).update(from: y.data, count: m * e) }
        }
        return out
    }

    /// Backward through every layer; returns the gradient with respect to the input (meaningful only when
    /// prepared with needsInputGradient).
    @discardableResult
    public func backward(_ dy: Tensor) -> Tensor {
        steps.reversed().reduce(dy) { $1.backward($0, workspace: workspace.pointer) }
    }

    /// (qualified name, parameter) pairs: "<name>.<layer index>.<parameter>", e.g. "encoder.0.weight".
    public var namedParameters: [(String, Parameter)] {
        layers.enumerated().flatMap { i, layer in layer.parameters.map { ("\(name).\(i).\($0.name)", $0) } }
    }

    /// (qualified name, buffer) pairs named like the parameters: "generator.2.running_mean".
    public var namedBuffers: [(String, Parameter)] {
        layers.enumerated().flatMap { i, layer in layer.buffers.map { ("\(name).\(i).\($0.name)", $0) } }
    }

    /// Seeded initialisation: layer i draws from stream hash(seed, name, i).
    public func initialize(seed: UInt64) {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        for (i, layer) in layers.enumerated() {
            layer.initialize(seed: seed &* 0x9E37_79B9_7F4A_7C15 ^ h &+ UInt64(i) &* 0xD1B5_4A32_D192_ED03)
        }
    }

    public var parameterCount: Int { layers.flatMap(\.parameters).reduce(0) { $0 + $1.count } }

    public var summary: String {
        var dims = inputDims
        return layers.map { layer in
            let out = (try? layer.outputDims(for: dims)) ?? dims
            defer { dims = out }
            return "  \(layer.description) → \(out)"
        }.joined(separator: "\n")
    }
}
