import CKernels
import Foundation

/// Optimiser and its hyper-parameters (PyTorch semantics; see CKernels/include/ck_optim.h).
public struct OptimizerConfig: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, CaseIterable, Sendable {
        /// Full-batch gradient descent: gradients of a whole epoch are averaged, one step per epoch.
        case gd
        /// Mini-batch SGD with optional momentum.
        case sgd
        case adam
        /// Adam with decoupled weight decay.
        case adamw
    }
    public var kind: Kind
    public var learningRate: Float
    public var momentum: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    /// L2 penalty λ (Adam/SGD: added to the gradient; AdamW: decoupled).
    public var weightDecay: Float

    public init(kind: Kind = .adam, learningRate: Float = 1e-3, momentum: Float = 0, beta1: Float = 0.9,
                beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.kind = kind
        self.learningRate = learningRate
        self.momentum = momentum
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }
}

/// Applies updates to a fixed list of parameters; owns their moment buffers.
public final class Optimizer {
    public let config: OptimizerConfig
    public let parameters: [(String, Parameter)]
    /// Adam: first moments; SGD with momentum: velocity.
    public private(set) var firstMoments: [Buffer]
    /// Adam: second moments.
    public private(set) var secondMoments: [Buffer]
    /// Updates applied so far (Adam's bias-correction step counts from 1).
    public var step: Int = 0

    public init(_ config: OptimizerConfig, parameters: [(String, Parameter)]) {
        self.config = config
        self.parameters = parameters
        let usesFirst = config.kind == .adam || config.kind == .adamw || config.momentum != 0
        let usesSecond = config.kind == .adam || config.kind == .adamw
        firstMoments = usesFirst ? parameters.map { Buffer(count: $0.1.count) } : []
        secondMoments = usesSecond ? parameters.map { Buffer(count: $0.1.count) } : []
    }

    /// One update of every parameter from its current gradient, at learning rate `lr`.
    public func update(learningRate lr: Float) {
        step += 1
        for (i, (_, p)) in parameters.enumerated() {
            switch config.kind {
            case .adam, .adamw:
                ck_adam_step(p.value.pointer, firstMoments[i].pointer, secondMoments[i].pointer, p.grad.pointer,
                             Int64(p.count), lr, config.beta1, config.beta2, config.epsilon, config.weightDecay,
                             Int64(step), config.kind == .adamw ? 1 : 0)
            case .sgd, .gd:
                ck_sgd_step(p.value.pointer, firstMoments.isEmpty ? nil : firstMoments[i].pointer, p.grad.pointer,
                            Int64(p.count), lr, config.momentum, config.weightDecay)
            }
        }
    }

    /// The optimiser state as named arrays (for checkpoints): "<param>.m", "<param>.v".
    public var state: [String: [Float]] {
        var out: [String: [Float]] = [:]
        for (i, (name, _)) in parameters.enumerated() {
            if !firstMoments.isEmpty { out["\(name).m"] = firstMoments[i].array }
            if !secondMoments.isEmpty { out["\(name).v"] = secondMoments[i].array }
        }
        return out
    }

    /// Restores `state` written by the same configuration.
    public func restore(state: [String: [Float]], step: Int) throws {
        for (i, (name, p)) in parameters.enumerated() {
            for (buffers, suffix) in [(firstMoments, "m"), (secondMoments, "v")] where !buffers.isEmpty {
                guard let values = state["\(name).\(suffix)"], values.count == p.count else {
                    throw NetworkError("optimizer state for \(name).\(suffix) is missing or has the wrong size")
                }
                buffers[i].assign(values)
            }
        }
        self.step = step
    }
}

/// Learning-rate schedule, applied per epoch.
public enum Schedule: Codable, Equatable, Sendable, CustomStringConvertible {
    case constant
    /// lr · (1 − (1 − final) · epoch / (epochs − 1)): from lr down to lr·final at the last epoch.
    case linear(final: Float)
    /// lr · gamma^epoch
    case exponential(gamma: Float)

    /// Parses "constant", "linear", "linear:0.01", "exp:0.95".
    public init?(parsing s: String) {
        let parts = s.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
        switch (parts.first, parts.count) {
        case ("constant", 1): self = .constant
        case ("linear", 1): self = .linear(final: 0)
        case ("linear", 2): guard let f = Float(parts[1]), f >= 0, f <= 1 else { return nil }; self = .linear(final: f)
        case ("exp", 2), ("exponential", 2):
            guard let g = Float(parts[1]), g > 0, g <= 1 else { return nil }
            self = .exponential(gamma: g)
        default: return nil
        }
    }

    public func learningRate(base: Float, epoch: Int, epochs: Int) -> Float {
        switch self {
        case .constant: return base
        case .linear(let final):
            guard epochs > 1 else { return base }
            return base * (1 - (1 - final) * Float(epoch) / Float(epochs - 1))
        case .exponential(let gamma): return base * Float(Foundation.pow(Double(gamma), Double(epoch)))
        }
    }

    public var description: String {
        switch self {
        case .constant: "constant"
        case .linear(let f): "linear:\(f)"
        case .exponential(let g): "exp:\(g)"
        }
    }
}
