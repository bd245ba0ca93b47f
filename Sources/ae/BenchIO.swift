import AEData
import AENet
import AERun
import ArgumentParser
import Foundation

/// `ae bench io`: how long the data and run-file paths take — loading a shipped dataset (gunzip + SHA-256
/// check + conversion), reloading a run (spec + final weights + history), and writing one epoch checkpoint.
struct BenchIO: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "io", abstract: "Time dataset loading, run-file reload and checkpoint writes (median of repeats).")
    @Option(help: "Dataset to load.") var dataset: String = "mnist"
    @Option(name: .customLong("run"), help: "Run file to reload (default: a CNN3 run trained for one epoch on 512 images, made in a temp folder).") var runFile: String?
    @Option(help: "Repeats per measurement.") var repeats: Int = 5
    @Option(help: "Data directory (default: ./data or AE_DATA_DIR).") var dataDir: String?

    func validate() throws {
        guard (1...100).contains(repeats) else { throw ValidationError("--repeats must be in 1...100, got \(repeats)") }
    }

    func run() throws {
        let spec = try DatasetSpec(parsing: dataset)
        var images = 0
        report("load \(spec.name) (gunzip + SHA-256 + convert)", try time {
            let d = try Dataset.load(spec, dataDir: dataDir)
            images = d.train.count + d.test.count
        }, extra: "\(images) images")
        let path = try runFile ?? makeRun()
        report("reload run \((path as NSString).lastPathComponent)", try time {
            let trained = try TrainedModel(path: path)
            _ = try RunFile.read(at: path) { try $0.readDoubles("/history/train_loss") }
            precondition(trained.model.parameterCount > 0)
        }, extra: "\(try TrainedModel(path: path).model.parameterCount) parameters")
        // Checkpoint writes go to a copy: the run itself is never touched.
        let copy = NSTemporaryDirectory() + "ae-bench-io-\(ProcessInfo.processInfo.processIdentifier)-copy.h5"
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let model = try TrainedModel(path: copy).model
        report("checkpoint write (temp copy + rename + fsync)", try time {
            try RunFile.update(at: copy) { f in
                for (name, p) in model.namedTensors { try f.write("/checkpoint/model/\(name)", floats: p.value.array, shape: p.shape) }
            }
        }, extra: "\((try FileManager.default.attributesOfItem(atPath: copy)[.size] as? Int ?? 0) / 1024) KiB file")
    }

    private func makeRun() throws -> String {
        let dir = NSTemporaryDirectory() + "ae-bench-io-\(ProcessInfo.processInfo.processIdentifier)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var train = TrainConfig()
        train.epochs = 1
        let spec = RunSpec(model: ModelConfig(kind: .cnn3, latent: 32), train: train, dataset: dataset, trainLimit: 512, testLimit: 256)
        let path = dir + "/cnn3.h5"
        try TrainingRun.create(spec, at: path, overwrite: true, dataDir: dataDir).train()
        return path
    }

    private func time(_ body: () throws -> Void) throws -> [Double] {
        try (0..<repeats).map { _ in
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            return Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        }
    }

    private func report(_ what: String, _ seconds: [Double], extra: String) {
        let sorted = seconds.sorted()
        print(String(format: "%-52@ median %.3f s  (min %.3f, max %.3f)  %@", what as NSString, sorted[sorted.count / 2],
                     sorted.first!, sorted.last!, extra as NSString))
    }
}
