import AENet
import Kernels
import TestSupport
import XCTest

final class ModelShapeTests: XCTestCase {
    /// Parameter counts of the reference architectures, as PyTorch reports them for the same layers.
    func testParameterCountsMatchPyTorch() throws {
        // CNN3, latent 32: convs 320 + 18,496 + 73,856; linears 65,568 + 67,584; convTs 73,792 + 18,464 + 289.
        XCTAssertEqual(try Model(ModelConfig(kind: .cnn3, latent: 32)).parameterCount, 318_369)
        // MLP 784-512-128-32 mirrored: 401,920 + 65,664 + 4,128 + 4,224 + 66,048 + 402,192.
        XCTAssertEqual(try Model(ModelConfig(kind: .mlp, latent: 32, hidden: [512, 128])).parameterCount, 944_176)
        // Classifier 784-512-49 (Kuzushiji-49).
        XCTAssertEqual(try Model(ModelConfig(kind: .classifier, hidden: [512], classes: 49)).parameterCount, 427_057)
    }

    func testOutputShapes() throws {
        for kind in [ModelConfig.Kind.mlp, .cnn3, .cnn5, .convbottleneck] {
            let model = try Model(ModelConfig(kind: kind, latent: 16))
            try model.prepare(maxBatch: 3)
            XCTAssertEqual(model.encoder!.outputDims, .features(16), "\(kind)")
            XCTAssertEqual(model.decoder!.outputDims, Dims(1, 28, 28), "\(kind)")
        }
    }

    func testInvalidConfigsAreRejected() {
        XCTAssertThrowsError(try Model(ModelConfig(kind: .mlp, latent: 0)))
        XCTAssertThrowsError(try Model(ModelConfig(kind: .cnn3, input: Dims(1, 32, 32))))
        XCTAssertThrowsError(try Model(ModelConfig(kind: .classifier, classes: 1)))
        XCTAssertThrowsError(try Model(ModelConfig(kind: .mlp, dropout: 1)))
    }

    func testSchedules() {
        XCTAssertEqual(Schedule(parsing: "exp:0.5"), .exponential(gamma: 0.5))
        XCTAssertEqual(Schedule(parsing: "linear"), .linear(final: 0))
        XCTAssertNil(Schedule(parsing: "exp:-1"))
        XCTAssertNil(Schedule(parsing: "cosine"))
        XCTAssertEqual(Schedule.exponential(gamma: 0.5).learningRate(base: 1, epoch: 3, epochs: 10), 0.125)
        XCTAssertEqual(Schedule.linear(final: 0).learningRate(base: 1, epoch: 9, epochs: 10), 0, accuracy: 1e-7)
        XCTAssertEqual(Schedule.linear(final: 0.1).learningRate(base: 2, epoch: 0, epochs: 10), 2)
    }
}

final class TrainingTests: XCTestCase {
    /// Synthetic images: 4 prototype patterns plus noise, labels = prototype.
    func patterns(_ n: Int, dims: Dims = Dims(1, 8, 8), seed: UInt64) -> ImageSet {
        let protos = (0..<4).map { randomFloats(dims.count, in: 0..<1, seed: 1000 + UInt64($0)) }
        let noise = randomFloats(n * dims.count, in: -0.05..<0.05, seed: seed)
        var values = [Float](), labels = [Int32]()
        for i in 0..<n {
            labels.append(Int32(i % 4))
            values += protos[i % 4].enumerated().map { j, v in min(1, max(0, v + noise[i * dims.count + j])) }
        }
        return ImageSet(images: values, labels: labels, dims: dims)
    }

    func trainer(_ kind: ModelConfig.Kind, epochs: Int = 3, optimizer: OptimizerConfig.Kind = .adam, seed: UInt64 = 7,
                 configure: (inout TrainConfig) -> Void = { _ in }) throws -> Trainer {
        var t = TrainConfig()
        t.epochs = epochs
        t.batchSize = 16
        t.seed = seed
        t.optimizer = OptimizerConfig(kind: optimizer, learningRate: optimizer == .adam ? 3e-3 : 0.1, momentum: optimizer == .sgd ? 0.9 : 0)
        configure(&t)
        let model = try Model(ModelConfig(kind: kind, input: Dims(1, 8, 8), latent: 6, hidden: [32], classes: 4, dropout: 0.1))
        return try Trainer(model: model, config: t, train: patterns(96, seed: 1), validation: patterns(32, seed: 2))
    }

    func testAutoencoderLossFalls() throws {
        let t = try trainer(.mlp, epochs: 15)
        try t.fit()
        XCTAssertLessThan(t.history.last!.trainLoss, 0.5 * t.history.first!.trainLoss)
        XCTAssertGreaterThan(t.history.last!.valPSNR, t.history.first!.valPSNR + 3)
    }

    func testClassifierLearnsPrototypes() throws {
        let t = try trainer(.classifier, epochs: 10, optimizer: .sgd)
        try t.fit()
        XCTAssertEqual(t.history.last!.valAccuracy, 1.0)
    }

    func testSameSeedSameWeightsDifferentSeedDifferent() throws {
        func weights(seed: UInt64) throws -> [String: [Float]] {
            let t = try trainer(.mlp, epochs: 2, seed: seed) { $0.noise = 0.2 }
            try t.fit()
            return t.model.parameterValues
        }
        let a = try weights(seed: 3), b = try weights(seed: 3), c = try weights(seed: 4)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
    }

    func testResumeFromCheckpointMatchesUninterrupted() throws {
        for kind in [ModelConfig.Kind.mlp, .classifier] {
            let full = try trainer(kind, epochs: 4) { $0.patience = 10 }
            try full.fit()
            let first = try trainer(kind, epochs: 4) { $0.patience = 10 }
            try first.runEpoch()
            try first.runEpoch()
            let saved = first.checkpoint()
            let resumed = try trainer(kind, epochs: 4) { $0.patience = 10 }
            try resumed.restore(saved)
            try resumed.fit()
            XCTAssertEqual(resumed.model.parameterValues, full.model.parameterValues, "\(kind)")
            XCTAssertEqual(resumed.history.map(\.trainLoss), full.history.map(\.trainLoss))
        }
    }

    func testFullBatchGradientDescentStepsOncePerEpoch() throws {
        let t = try trainer(.classifier, epochs: 3, optimizer: .gd)
        try t.fit()
        XCTAssertEqual(t.optimizer.step, 3)
        XCTAssertLessThan(t.history.last!.trainLoss, t.history.first!.trainLoss)
    }

    func testPatienceStopsEarlyAndRestoresBest() throws {
        // No epoch can improve the validation loss by min-delta 1.0: the first epoch stays the best.
        let t = try trainer(.mlp, epochs: 20) { $0.patience = 2; $0.minDelta = 1.0 }
        try t.fit()
        XCTAssertTrue(t.stoppedEarly)
        XCTAssertEqual(t.history.count, 3)
        XCTAssertEqual(t.model.parameterValues, t.best!.parameters)
    }

    /// Warm-up scales the first updates by u / warmupSteps: one plain SGD step with warm-up 4 moves every weight
    /// by a quarter of the step without it (the same gradient: same seed, same batch).
    func testWarmupScalesTheFirstUpdates() throws {
        func firstStep(warmup: Int) throws -> (before: [String: [Float]], after: [String: [Float]]) {
            let t = try trainer(.mlp, epochs: 1, optimizer: .sgd) { $0.optimizer.momentum = 0; $0.warmupSteps = warmup }
            let before = t.model.parameterValues
            _ = t.benchmarkStep(indices: 0..<16)
            return (before, t.model.parameterValues)
        }
        let plain = try firstStep(warmup: 0), warm = try firstStep(warmup: 4)
        XCTAssertEqual(plain.before, warm.before)
        var moved = 0
        for (name, p0) in plain.before {
            for i in p0.indices {
                let full = plain.after[name]![i] - p0[i], quarter = warm.after[name]![i] - p0[i]
                XCTAssertEqual(quarter, 0.25 * full, accuracy: 1e-6 + 1e-3 * abs(full), "\(name)[\(i)]")
                if full != 0 { moved += 1 }
            }
        }
        XCTAssertGreaterThan(moved, 100)
        var config = TrainConfig()
        config.warmupSteps = 4
        XCTAssertEqual((0..<6).map { config.warmupFactor(update: $0) }, [0.25, 0.5, 0.75, 1, 1, 1])
        XCTAssertEqual(TrainConfig().warmupFactor(update: 0), 1)
        config.warmupSteps = -1
        XCTAssertThrowsError(try config.validate())
    }

    /// warmupSteps is stored only when set (older readers keep loading runs without it) and round-trips when set.
    func testWarmupIsEncodedOnlyWhenSet() throws {
        var config = TrainConfig()
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(config), as: UTF8.self).contains("warmupSteps"))
        config.warmupSteps = 300
        let data = try JSONEncoder().encode(config)
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains("\"warmupSteps\":300"))
        XCTAssertEqual(try JSONDecoder().decode(TrainConfig.self, from: data), config)
    }

    /// A run is stalled when its monitored loss (validation, else training) repeats to 1e-7 over three epochs.
    func testStalledRunsAreRecognised() {
        func history(val: [Double], train: [Double]? = nil) -> [EpochRecord] {
            val.indices.map { i in
                EpochRecord(epoch: i + 1, trainLoss: train?[i] ?? 0.5, valLoss: val[i], valPSNR: .nan, valAccuracy: .nan,
                            learningRate: 1e-3, seconds: 1, imagesPerSecond: 1)
            }
        }
        XCTAssertTrue(EpochRecord.isStalled(history(val: [0.2, 0.1119454031, 0.1119454031, 0.1119454031])))
        XCTAssertFalse(EpochRecord.isStalled(history(val: [0.1119454031, 0.1119454031])))
        XCTAssertFalse(EpochRecord.isStalled(history(val: [0.00122, 0.00121, 0.00121])))
        XCTAssertFalse(EpochRecord.isStalled(history(val: [0.001220, 0.001219, 0.001219])))
        XCTAssertTrue(EpochRecord.isStalled(history(val: [.nan, .nan, .nan], train: [0.1120089320, 0.1120089319, 0.1120089321])))
        XCTAssertFalse(EpochRecord.isStalled(history(val: [.nan, .nan, .nan], train: [0.0130, 0.0129, 0.0128])))
    }

    func testWindowRuleStops() throws {
        let t = try trainer(.mlp, epochs: 50) { $0.window = 5; $0.tolerance = 10 }
        try t.fit()
        XCTAssertTrue(t.stoppedEarly)
        XCTAssertEqual(t.globalStep, 10)
    }
}
