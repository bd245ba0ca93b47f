import CKernels
import Foundation

/// Trains a `Model` on an `ImageSet` with preallocated buffers: nothing is allocated inside a step.
/// Every random choice (shuffles, dropout masks, input noise) is drawn from the counter-based RNG at
/// positions derived from (seed, epoch, step), so a run is reproducible for a seed and thread count, and a
/// run resumed from an epoch checkpoint ends with the same weights as an uninterrupted one.
public final class Trainer {
    public let model: Model
    public let config: TrainConfig
    public let optimizer: Optimizer
    public let train: ImageSet
    public let validation: ImageSet?

    /// Epochs completed.
    public internal(set) var epoch = 0
    /// Optimiser steps taken.
    public internal(set) var globalStep: UInt64 = 0
    public internal(set) var history: [EpochRecord] = []
    /// Best validation loss so far, its epoch, and the parameters at that point.
    public internal(set) var best: (loss: Double, epoch: Int, parameters: [String: [Float]])?
    /// Set when an early-stopping rule fired.
    public internal(set) var stoppedEarly = false
    var epochsWithoutImprovement = 0
    /// VAE: the validation objective's terms (per image) of the last epoch (see `vaeObjective`).
    public internal(set) var lastVAEObjective: VAEObjective?
    var recentLosses: [Double] = []

    private let maxBatch: Int
    private let input: Buffer, target: Buffer, lossGrad: Buffer, noise: Buffer
    private let labels: UnsafeMutablePointer<Int32>
    private var gradientSums: [Buffer] = []
    /// Data-parallel training: set, each step computes this process's shard of the batch and sums the
    /// shards' gradients through it (see `GradientReducer`). Every process must have the same data and seed.
    public var reducer: GradientReducer?
    /// The reducer and this shard's weight while a distributed step computes its gradients.
    private var pendingSum: (reducer: GradientReducer, weight: Float)?

    public init(model: Model, config: TrainConfig, train: ImageSet, validation: ImageSet?) throws {
        try config.validate()
        guard train.count > 0 else { throw NetworkError("the training set is empty") }
        guard train.dims == model.config.input else { throw NetworkError("data is \(train.dims), the model expects \(model.config.input)") }
        if !model.config.isAutoencoder, let bad = train.labels.first(where: { $0 < 0 || Int($0) >= model.config.classes }) {
            throw NetworkError("label \(bad) is outside 0..<\(model.config.classes) classes")
        }
        self.model = model
        self.config = config
        self.train = train
        self.validation = validation
        maxBatch = min(config.batchSize, train.count)
        try model.prepare(maxBatch: maxBatch)
        model.initialize(seed: config.seed)
        optimizer = Optimizer(config.optimizer, parameters: model.namedParameters)
        let d = train.dims.count, outCount = model.networks.last!.outputDims.count
        input = Buffer(count: maxBatch * d)
        target = Buffer(count: maxBatch * d)
        noise = Buffer(count: config.noise > 0 ? maxBatch * d : 0)
        lossGrad = Buffer(count: maxBatch * outCount)
        labels = .allocate(capacity: maxBatch)
        if config.optimizer.kind == .gd { gradientSums = optimizer.parameters.map { Buffer(count: $0.1.count) } }
    }

    deinit { labels.deallocate() }

    public var isFinished: Bool { stoppedEarly || epoch >= config.epochs }

    /// Runs the remaining epochs; `onEpoch` sees each finished epoch (e.g. to write a checkpoint) and may throw to stop.
    public func fit(onStep: ((StepProgress) -> Void)? = nil, onEpoch: ((EpochRecord) throws -> Void)? = nil) throws {
        while !isFinished {
            let record = try runEpoch(onStep: onStep)
            try onEpoch?(record)
        }
        restoreBest()
    }

    /// Puts the best validation parameters back (no-op without validation data).
    public func restoreBest() {
        guard let best else { return }
        for (name, p) in model.namedTensors { if let v = best.parameters[name] { p.value.assign(v) } }
    }

    // MARK: one epoch

    @discardableResult
    public func runEpoch(onStep: ((StepProgress) -> Void)? = nil) throws -> EpochRecord {
        let start = DispatchTime.now().uptimeNanoseconds
        let lr = config.schedule.learningRate(base: config.optimizer.learningRate, epoch: epoch, epochs: config.epochs)
        let order = Shuffle.permutation(train.count, seed: config.seed, stream: UInt64(epoch))
        let steps = (train.count + maxBatch - 1) / maxBatch
        var lossSum = 0.0
        gradientSums.forEach { $0.zero() }
        for s in 0..<steps {
            let indices = order[(s * maxBatch)..<min(train.count, (s + 1) * maxBatch)]
            let loss = trainStep(indices, learningRate: lr)
            guard loss.isFinite else {
                throw NetworkError("training diverged at epoch \(epoch + 1), step \(s + 1) (loss \(loss)); try a smaller learning rate")
            }
            lossSum += loss * Double(indices.count)
            if let window = config.window, windowRuleFires(loss: loss, window: window) {
                stoppedEarly = true
                break
            }
            if let onStep {
                let secs = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
                let seen = min(train.count, (s + 1) * maxBatch)
                onStep(StepProgress(epoch: epoch + 1, epochs: config.epochs, step: s + 1, steps: steps, loss: loss,
                                    imagesPerSecond: Double(seen) / max(secs, 1e-9), secondsInEpoch: secs))
            }
        }
        if config.optimizer.kind == .gd { applyAccumulatedGradient(learningRate: lr) }
        let trainSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        var eval = validation.map { evaluate($0) }
        if model.vaeSampler != nil, let validation { lastVAEObjective = vaeObjective(validation); eval?.loss = lastVAEObjective!.objective }
        epoch += 1
        let record = EpochRecord(
            epoch: epoch, trainLoss: lossSum / Double(train.count), valLoss: eval?.loss ?? .nan,
            valPSNR: eval?.psnrMean ?? .nan, valAccuracy: eval?.accuracy ?? .nan, learningRate: Double(lr),
            seconds: Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9,
            imagesPerSecond: Double(train.count) / trainSeconds)
        history.append(record)
        if let eval { trackBest(eval.loss) }
        return record
    }

    /// Forward, loss, backward and (except for full-batch GD) one optimiser update on the given samples.
    /// Returns the batch loss.
    func trainStep(_ indices: ArraySlice<Int>, learningRate: Float) -> Double {
        let loss = reducer.map { shardLossAndGradients(indices, $0) } ?? computeLossAndGradients(indices)
        finishStep(batch: indices.count, learningRate: learningRate)
        return loss
    }

    /// Loss of the samples at `indices`, with every parameter's gradient written (no update). Dropout masks
    /// and input noise are those of step `globalStep`.
    public func lossAndGradient(indices: Range<Int>) -> Double { computeLossAndGradients(Array(indices)[...]) }

    /// This process's rows of the global batch `indices`, weighted by their share of it, with every
    /// network's gradients summed over the processes as soon as they are ready; returns the global loss.
    private func shardLossAndGradients(_ indices: ArraySlice<Int>, _ reducer: GradientReducer) -> Double {
        let rows = shardRange(count: indices.count, rank: reducer.rank, size: reducer.size)
        let weight = Float(rows.count) / Float(indices.count)
        pendingSum = (reducer, weight)
        defer { pendingSum = nil }
        var loss = 0.0
        if rows.isEmpty {  // a short last batch: still take part in every sum, with zeros
            for net in model.networks.reversed() {
                net.namedParameters.forEach { $0.1.grad.zero() }
                gradientsReady(net)
            }
        } else {
            let start = indices.startIndex
            loss = computeLossAndGradients(indices[(start + rows.lowerBound)..<(start + rows.upperBound)], firstRow: rows.lowerBound)
                * Double(weight)
        }
        return reducer.finish(adding: loss)
    }

    /// Starts the cross-process sum of `net`'s gradients in a distributed step (backward runs the networks
    /// last to first, so the decoder's sum overlaps the encoder's backward pass).
    private func gradientsReady(_ net: Sequential) {
        guard let (reducer, weight) = pendingSum else { return }
        reducer.beginSum(net.namedParameters.map(\.1), weight: weight)
    }

    private func computeLossAndGradients(_ indices: ArraySlice<Int>, firstRow: Int = 0) -> Double {
        let b = indices.count, d = train.dims.count
        train.gather(indices, into: input.pointer)
        if config.noise > 0 { corruptInput(batch: b, firstRow: firstRow) }
        var context = PassContext(training: true, seed: config.seed, step: globalStep)
        context.firstRow = firstRow
        let x = input.tensor(batch: b, dims: train.dims)
        if let encoder = model.encoder, let decoder = model.decoder {
            // VAE: the objective is per image (reconstruction summed over pixels + β·KL), averaged over the batch.
            let sampler = model.vaeSampler, beta = config.klWeight(epoch: epoch)
            sampler?.klWeight = beta / Float(b)
            let perImage: Float = sampler == nil ? 1 : Float(d)
            let z = encoder.forward(x, context: context)
            let y = decoder.forward(z, context: context)
            let targetPointer = config.noise > 0 ? target.pointer : input.pointer
            let loss = reconstructionLoss(grad: lossGrad.pointer, y: y.data, target: targetPointer, count: b * d, scale: perImage)
            let dz = decoder.backward(lossGrad.tensor(batch: b, dims: y.dims))
            gradientsReady(decoder)
            var penalty: Float = 0
            if config.l1 > 0 { penalty = ck_l1_penalty(dz.data, z.data, Int64(z.count), config.l1 / Float(b)) }
            encoder.backward(dz)
            gradientsReady(encoder)
            let kl = sampler.map { Double(beta) * $0.klSum / Double(b) } ?? 0
            return Double(loss) * Double(perImage) + Double(penalty) + kl
        } else {
            let net = model.networks[0]
            let logits = net.forward(x, context: context)
            for (row, i) in indices.enumerated() { labels[row] = train.labels[i] }
            let loss = ck_softmax_cross_entropy(lossGrad.pointer, nil, logits.data, labels, Int64(b),
                                                Int64(model.config.classes), 1)
            net.backward(lossGrad.tensor(batch: b, dims: logits.dims))
            gradientsReady(net)
            return Double(loss)
        }
    }

    private func finishStep(batch: Int, learningRate: Float) {
        if config.optimizer.kind == .gd {
            let weight = Float(batch) / Float(train.count)
            for (i, (_, p)) in optimizer.parameters.enumerated() {
                ck_axpy(gradientSums[i].pointer, p.grad.pointer, Int64(p.count), weight)
            }
        } else {
            optimizer.update(learningRate: learningRate * config.warmupFactor(update: optimizer.step))
        }
        globalStep += 1
    }

    private func applyAccumulatedGradient(learningRate: Float) {
        for (i, (_, p)) in optimizer.parameters.enumerated() {
            p.grad.pointer.update(from: gradientSums[i].pointer, count: p.count)
        }
        optimizer.update(learningRate: learningRate * config.warmupFactor(update: optimizer.step))
    }

    /// Mean reconstruction loss over `count` floats; the gradient is scaled by `scale`.
    func reconstructionLoss(grad: UnsafeMutablePointer<Float>?, y: UnsafePointer<Float>, target: UnsafePointer<Float>,
                            count: Int, scale: Float = 1) -> Float {
        switch config.loss {
        case .mse: ck_mse_loss(grad, y, target, Int64(count), scale)
        case .bce: ck_bce_loss(grad, y, target, Int64(count), scale)
        }
    }

    /// Denoising: target = clean batch, input = clip(clean + σ·N(0, 1)) with noise at (seed, step, row).
    private func corruptInput(batch: Int, firstRow: Int) {
        let n = batch * train.dims.count
        target.pointer.update(from: input.pointer, count: n)
        ck_random_normal(noise.pointer, Int64(n), config.seed ^ 0x6E6F_6973_65,
                         globalStep &* UInt64(noise.count) &+ UInt64(firstRow * train.dims.count), 0, config.noise)
        for i in 0..<n { input.pointer[i] = min(1, max(0, input.pointer[i] + noise.pointer[i])) }
    }

    // MARK: early stopping

    private func trackBest(_ valLoss: Double) {
        if best == nil || valLoss < best!.loss - Double(config.minDelta) {
            best = (valLoss, epoch, model.parameterValues)
            epochsWithoutImprovement = 0
        } else {
            epochsWithoutImprovement += 1
            if let patience = config.patience, epochsWithoutImprovement >= patience { stoppedEarly = true }
        }
    }

    private func windowRuleFires(loss: Double, window: Int) -> Bool {
        recentLosses.append(loss)
        if recentLosses.count > 2 * window { recentLosses.removeFirst(recentLosses.count - 2 * window) }
        guard recentLosses.count == 2 * window else { return false }
        let previous = recentLosses[..<window].reduce(0, +) / Double(window)
        let last = recentLosses[window...].reduce(0, +) / Double(window)
        return previous - last < Double(config.tolerance)
    }
}

extension Trainer {
    /// One full training step (forward, loss, backward, update) on the samples at `indices`, for
    /// benchmarks. Returns the batch loss.
    public func benchmarkStep(indices: Range<Int>) -> Double {
        trainStep(Array(indices)[...], learningRate: config.optimizer.learningRate)
    }
}
