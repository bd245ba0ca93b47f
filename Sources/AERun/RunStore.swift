import AEData
import AENet
import Foundation
import Kernels

/// Reading and writing the parts of a run file (docs/hdf5-layout.md) on an open `H5File`.
extension H5File {
    // MARK: identity

    /// Root attributes: what the run is, where its data came from, and on what it ran.
    func writeRunHeader(_ spec: RunSpec, dataset: DatasetInfo) throws {
        try setAttribute("format", string: "ae-run")
        try setAttribute("format_version", int: 1)
        try setAttribute("ae_version", string: aeVersion)
        try setAttribute("created", string: ISO8601DateFormatter().string(from: Date()))
        try setAttribute("run_spec", string: try spec.json())
        try setAttribute("model", string: spec.model.kind.rawValue)
        try setAttribute("model_config", string: try jsonString(spec.model))
        try setAttribute("train_config", string: try jsonString(spec.train))
        try setAttribute("dataset", string: spec.dataset)
        try setAttribute("dataset_sha256", string: try jsonString(dataset.sha256))
        if let names = dataset.classNames { try setAttribute("class_names", string: try jsonString(names)) }
        try setAttribute("seed", int: Int64(bitPattern: spec.train.seed))
        try setAttribute("isa", string: "\(KernelRuntime.isa)")
        try setAttribute("threads", int: Int64(KernelRuntime.threads))
        try setAttribute("status", string: "running")
        try setAttribute("epochs_done", int: 0)
    }

    /// The run's specification; a clear error for HDF5 files that are not runs.
    func readRunSpec() throws -> RunSpec {
        if let model = try stringAttribute("model"), try stringAttribute("gan_spec") != nil {
            throw RunError("\(path) is a GAN run (\(model)): it has no encoder; use ae generate, ae score or ae report")
        }
        guard try stringAttribute("format") == "ae-run", let json = try stringAttribute("run_spec") else {
            throw RunError("\(path) is not an ae run file (no format=ae-run / run_spec attributes)")
        }
        return try RunSpec.parse(json: json, file: path)
    }

    // MARK: parameters

    /// One float32 dataset per parameter and buffer, shaped like it, under `group`.
    func writeParameters(_ values: [String: [Float]], of owner: some ParameterOwner, under group: String) throws {
        for (name, p) in owner.namedTensors {
            guard let v = values[name] else { continue }
            try write("\(group)/\(name)", floats: v, shape: p.shape)
        }
    }

    /// Reads every parameter and buffer of `owner` from `group`, checking shapes.
    func readParameters<Owner: ParameterOwner>(of owner: Owner, under group: String) throws -> [String: [Float]] {
        var out: [String: [Float]] = [:]
        for (name, p) in owner.namedTensors {
            let object = "\(group)/\(name)"
            guard isDataset(object) else { throw RunError("\(path): \(object) is missing") }
            let (v, shape) = try readFloats(object)
            guard shape == p.shape else { throw RunError("\(path): \(object) has shape \(shape), the \(Owner.ownerName) needs \(p.shape)") }
            out[name] = v
        }
        return out
    }

    // MARK: checkpoint + history

    /// The trainer state at the end of an epoch, and the history so far.
    func writeCheckpoint(_ c: TrainerCheckpoint, of model: Model, status: String) throws {
        try writeParameters(c.parameters, of: model, under: "/checkpoint/model")
        for (name, v) in c.optimizerState { try write("/checkpoint/optimizer/\(name)", floats: v, shape: [v.count]) }
        if !c.bestParameters.isEmpty { try writeParameters(c.bestParameters, of: model, under: "/checkpoint/best") }
        try write("/checkpoint/recent_losses", doubles: c.recentLosses, shape: [c.recentLosses.count])
        let g = "/checkpoint"
        try setAttribute("epoch", int: Int64(c.epoch), at: g)
        try setAttribute("global_step", int: Int64(c.globalStep), at: g)
        try setAttribute("optimizer_step", int: Int64(c.optimizerStep), at: g)
        try setAttribute("best_loss", double: c.bestLoss ?? .nan, at: g)
        try setAttribute("best_epoch", int: Int64(c.bestEpoch ?? -1), at: g)
        try setAttribute("epochs_without_improvement", int: Int64(c.epochsWithoutImprovement), at: g)
        try setAttribute("stopped_early", int: c.stoppedEarly ? 1 : 0, at: g)
        try writeHistory(c.history)
        try setAttribute("epochs_done", int: Int64(c.epoch))
        try setAttribute("status", string: status)
    }

    func readCheckpoint(of model: Model) throws -> TrainerCheckpoint {
        let g = "/checkpoint"
        guard exists(g), let epoch = try intAttribute("epoch", at: g) else {
            throw RunError("\(path) has no checkpoint yet (it was interrupted before its first epoch ended); start it again with --overwrite")
        }
        var optimizerState: [String: [Float]] = [:]
        if exists("\(g)/optimizer") {
            for name in try children(of: "\(g)/optimizer") { optimizerState[name] = try readFloats("\(g)/optimizer/\(name)").values }
        }
        let bestEpoch = Int(try intAttribute("best_epoch", at: g) ?? -1)
        let bestLoss = try doubleAttribute("best_loss", at: g) ?? .nan
        return TrainerCheckpoint(
            epoch: Int(epoch), globalStep: UInt64(try intAttribute("global_step", at: g) ?? 0),
            optimizerStep: Int(try intAttribute("optimizer_step", at: g) ?? 0),
            parameters: try readParameters(of: model, under: "\(g)/model"), optimizerState: optimizerState,
            history: try readHistory(), bestLoss: bestLoss.isNaN ? nil : bestLoss, bestEpoch: bestEpoch < 0 ? nil : bestEpoch,
            bestParameters: exists("\(g)/best") ? try readParameters(of: model, under: "\(g)/best") : [:],
            epochsWithoutImprovement: Int(try intAttribute("epochs_without_improvement", at: g) ?? 0),
            recentLosses: isDataset("\(g)/recent_losses") ? try readDoubles("\(g)/recent_losses").values : [],
            stoppedEarly: try intAttribute("stopped_early", at: g) == 1)
    }

    static var historyColumns: [(String, KeyPath<EpochRecord, Double>)] { [
        ("train_loss", \.trainLoss), ("val_loss", \.valLoss), ("val_psnr", \.valPSNR), ("val_accuracy", \.valAccuracy),
        ("learning_rate", \.learningRate), ("seconds", \.seconds), ("images_per_second", \.imagesPerSecond),
    ] }

    func writeHistory(_ history: [EpochRecord]) throws {
        try write("/history/epoch", doubles: history.map { Double($0.epoch) }, shape: [history.count])
        for (name, key) in Self.historyColumns {
            try write("/history/\(name)", doubles: history.map { $0[keyPath: key] }, shape: [history.count])
        }
    }

    func readHistory() throws -> [EpochRecord] {
        guard isDataset("/history/epoch") else { return [] }
        let epochs = try readDoubles("/history/epoch").values
        var columns: [String: [Double]] = [:]
        for (name, _) in Self.historyColumns {
            let v = try readDoubles("/history/\(name)").values
            guard v.count == epochs.count else { throw RunError("\(path): /history/\(name) has \(v.count) rows, expected \(epochs.count)") }
            columns[name] = v
        }
        return epochs.indices.map { i in
            EpochRecord(epoch: Int(epochs[i]), trainLoss: columns["train_loss"]![i], valLoss: columns["val_loss"]![i],
                        valPSNR: columns["val_psnr"]![i], valAccuracy: columns["val_accuracy"]![i],
                        learningRate: columns["learning_rate"]![i], seconds: columns["seconds"]![i],
                        imagesPerSecond: columns["images_per_second"]![i])
        }
    }
}

func jsonString<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
