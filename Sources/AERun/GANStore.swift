import AEData
import AENet
import Foundation
import Kernels

/// Reading and writing the parts of a GAN run file (docs/hdf5-layout.md, "GAN runs") on an open `H5File`.
extension H5File {
    func writeGANHeader(_ spec: GANRunSpec, dataset: DatasetInfo) throws {
        try setAttribute("format", string: "ae-run")
        try setAttribute("format_version", int: 1)
        try setAttribute("ae_version", string: aeVersion)
        try setAttribute("created", string: ISO8601DateFormatter().string(from: Date()))
        try setAttribute("gan_spec", string: try jsonString(spec))
        try setAttribute("model", string: spec.gan.architecture.rawValue)
        try setAttribute("model_config", string: try jsonString(spec.gan))
        try setAttribute("dataset", string: spec.dataset)
        try setAttribute("dataset_sha256", string: try jsonString(dataset.sha256))
        if let names = dataset.classNames { try setAttribute("class_names", string: try jsonString(names)) }
        try setAttribute("seed", int: Int64(bitPattern: spec.gan.seed))
        try setAttribute("isa", string: "\(KernelRuntime.isa)")
        try setAttribute("threads", int: Int64(KernelRuntime.threads))
        try setAttribute("status", string: "running")
        try setAttribute("epochs_done", int: 0)
    }

    func readGANSpec() throws -> GANRunSpec {
        guard try stringAttribute("format") == "ae-run", let json = try stringAttribute("gan_spec") else {
            throw RunError("\(path) is not a GAN run file (no format=ae-run / gan_spec attributes)")
        }
        let spec: GANRunSpec
        do { spec = try JSONDecoder().decode(GANRunSpec.self, from: Data(json.utf8)) } catch {
            throw RunError("\(path): the GAN specification (attribute gan_spec) is unreadable: \(error)")
        }
        try requireKnownSettings(json, decoded: spec, attribute: "gan_spec", file: path)
        return spec
    }

    func writeGANCheckpoint(_ c: GANCheckpoint, of gan: GAN, status: String) throws {
        let g = "/checkpoint"
        try writeParameters(c.parameters, of: gan, under: "\(g)/model")
        for (name, v) in c.optimizerState { try write("\(g)/optimizer/\(name)", floats: v, shape: [v.count]) }
        if let average = c.average { try writeParameters(average, of: gan.generator, under: "\(g)/ema") }
        try setAttribute("epoch", int: Int64(c.epoch), at: g)
        try setAttribute("discriminator_step", int: Int64(c.discriminatorStep), at: g)
        try setAttribute("generator_step", int: Int64(c.generatorStep), at: g)
        try setAttribute("discriminator_optimizer_step", int: Int64(c.discriminatorOptimizerStep), at: g)
        try setAttribute("generator_optimizer_step", int: Int64(c.generatorOptimizerStep), at: g)
        try writeGANHistory(c.history)
        try setAttribute("epochs_done", int: Int64(c.epoch))
        try setAttribute("status", string: status)
    }

    func readGANCheckpoint(of gan: GAN) throws -> GANCheckpoint {
        let g = "/checkpoint"
        guard exists(g), let epoch = try intAttribute("epoch", at: g) else {
            throw RunError("\(path) has no checkpoint yet (it was interrupted before its first epoch ended); start it again with --overwrite")
        }
        var state: [String: [Float]] = [:]
        if exists("\(g)/optimizer") {
            for name in try children(of: "\(g)/optimizer") { state[name] = try readFloats("\(g)/optimizer/\(name)").values }
        }
        func int(_ key: String) throws -> Int64 { try intAttribute(key, at: g) ?? 0 }
        return GANCheckpoint(epoch: Int(epoch), discriminatorStep: UInt64(try int("discriminator_step")),
                             generatorStep: UInt64(try int("generator_step")),
                             parameters: try readParameters(of: gan, under: "\(g)/model"), optimizerState: state,
                             discriminatorOptimizerStep: Int(try int("discriminator_optimizer_step")),
                             generatorOptimizerStep: Int(try int("generator_optimizer_step")), history: try readGANHistory(),
                             average: exists("\(g)/ema") ? try readParameters(of: gan.generator, under: "\(g)/ema") : nil)
    }

    static var ganHistoryColumns: [(String, KeyPath<GANEpochRecord, Double>)] { [
        ("d_loss", \.discriminatorLoss), ("g_loss", \.generatorLoss), ("d_real", \.realScore), ("d_fake", \.fakeScore),
        ("seconds", \.seconds), ("images_per_second", \.imagesPerSecond),
    ] }

    func writeGANHistory(_ history: [GANEpochRecord]) throws {
        try write("/history/epoch", doubles: history.map { Double($0.epoch) }, shape: [history.count])
        for (name, key) in Self.ganHistoryColumns {
            try write("/history/\(name)", doubles: history.map { $0[keyPath: key] }, shape: [history.count])
        }
    }

    func readGANHistory() throws -> [GANEpochRecord] {
        guard isDataset("/history/epoch") else { return [] }
        let epochs = try readDoubles("/history/epoch").values
        var c: [String: [Double]] = [:]
        for (name, _) in Self.ganHistoryColumns {
            let v = try readDoubles("/history/\(name)").values
            guard v.count == epochs.count else { throw RunError("\(path): /history/\(name) has \(v.count) rows, expected \(epochs.count)") }
            c[name] = v
        }
        return epochs.indices.map { i in
            GANEpochRecord(epoch: Int(epochs[i]), discriminatorLoss: c["d_loss"]![i], generatorLoss: c["g_loss"]![i],
                           realScore: c["d_real"]![i], fakeScore: c["d_fake"]![i], seconds: c["seconds"]![i],
                           imagesPerSecond: c["images_per_second"]![i])
        }
    }
}
