import AEData
import AENet
import AERun
import Foundation
import Kernels
import XCTest

/// End-to-end runs on small stratified subsets of the shipped MNIST: training, checkpoints, resume,
/// reload, evaluation, encoding and the report, all through the run file.
final class RunTests: XCTestCase {
    func temporaryDirectory() throws -> String { try RunTestsSupport.temporaryDirectory(for: self) }

    func spec(_ kind: ModelConfig.Kind, epochs: Int, train: Int, test: Int = 500, latent: Int = 16, hidden: [Int] = [],
              lr: Float = 2e-3) -> RunSpec {
        var t = TrainConfig()
        t.epochs = epochs
        t.batchSize = 64
        t.optimizer = OptimizerConfig(kind: .adam, learningRate: lr)
        t.seed = 7
        return RunSpec(model: ModelConfig(kind: kind, latent: latent, hidden: hidden, classes: 10), train: t,
                       dataset: "mnist", validationFraction: 0.1, trainLimit: train, testLimit: test)
    }

    /// A short MLP-autoencoder run on 3000 MNIST images: loss falls clearly, test PSNR passes a floor, and
    /// everything a user reads later is in the file.
    func testMLPAutoencoderRunLearnsAndIsStored() throws {
        let path = try temporaryDirectory() + "/mlp.h5"
        let run = try TrainingRun.create(spec(.mlp, epochs: 4, train: 3000, hidden: [256, 64]), at: path, overwrite: false)
        let summary = try XCTUnwrap(try run.train())
        let h = summary.history
        XCTAssertEqual(h.count, 4)
        XCTAssertLessThan(h.last!.trainLoss, 0.6 * h.first!.trainLoss, "training loss should fall clearly: \(h.map(\.trainLoss))")
        XCTAssertGreaterThan(summary.test.psnrMean, 14, "test PSNR \(summary.test.psnrMean) dB")
        XCTAssertEqual(summary.test.psnr.count, 500)
        try RunFile.read(at: path) { f in
            XCTAssertEqual(try f.stringAttribute("status"), "finished")
            XCTAssertEqual(try f.readDoubles("/history/train_loss").values, h.map(\.trainLoss))
            XCTAssertEqual(try f.shape(of: "/latents/test/z"), [500, 16])
            XCTAssertEqual(try f.shape(of: "/model/encoder.0.weight"), [256, 784])
            XCTAssertEqual(try f.doubleAttribute("psnr_mean", at: "/metrics/test")!, summary.test.psnrMean, accuracy: 1e-9)
        }
        // Reloaded from the file alone, the model gives the same metrics.
        let trained = try TrainedModel(path: path)
        let again = try trained.evaluate(try trained.data().test, name: "test-again", dataset: "mnist")
        XCTAssertEqual(again.psnr, summary.test.psnr)
        let report = try RunReport.markdown(path: path)
        XCTAssertTrue(report.contains("| test-again | mnist | none |"), report)
        XCTAssertTrue(report.contains("| 4 | "), report)
    }

    /// The classifier beats 85% on 1000 MNIST test images after 3 epochs on 6000.
    func testClassifierRunReachesAccuracy() throws {
        let path = try temporaryDirectory() + "/clf.h5"
        let run = try TrainingRun.create(spec(.classifier, epochs: 3, train: 6000, test: 1000, hidden: [128]),
                                         at: path, overwrite: false)
        let summary = try XCTUnwrap(try run.train())
        XCTAssertGreaterThan(summary.test.accuracy, 0.85, "accuracy \(summary.test.accuracy)")
        let confusion = try RunFile.read(at: path) { try $0.readInt64s("/metrics/test/confusion") }
        XCTAssertEqual(confusion.shape, [10, 10])
        XCTAssertEqual(confusion.values.reduce(0, +), 1000)
        XCTAssertThrowsError(try TrainedModel(path: path).encode(run.data.test, split: "test"))
    }

    /// Stopping after one epoch and resuming from the file ends with bitwise the same weights and history
    /// as an uninterrupted run.
    func testResumeMatchesUninterruptedRun() throws {
        let dir = try temporaryDirectory()
        var s = spec(.cnn3, epochs: 3, train: 600, test: 100)
        s.train.noise = 0.2
        s.train.schedule = .exponential(gamma: 0.9)
        s.train.patience = 5
        let full = try TrainingRun.create(s, at: dir + "/full.h5", overwrite: false)
        let a = try XCTUnwrap(try full.train())
        let first = try TrainingRun.create(s, at: dir + "/split.h5", overwrite: false)
        XCTAssertNil(try first.train(stopAfter: 1))
        XCTAssertEqual(try RunFile.read(at: dir + "/split.h5") { try $0.stringAttribute("status") }, "running")
        let resumed = try TrainingRun.resume(at: dir + "/split.h5")
        XCTAssertEqual(resumed.trainer.epoch, 1)
        let b = try XCTUnwrap(try resumed.train())
        XCTAssertEqual(a.history.map(\.trainLoss), b.history.map(\.trainLoss))
        XCTAssertEqual(full.trainer.model.parameterValues, resumed.trainer.model.parameterValues)
        XCTAssertEqual(a.test.psnr, b.test.psnr)
    }

    /// Existing runs are never replaced without asking, and non-run files are refused clearly.
    func testNoOverwriteAndClearErrors() throws {
        let dir = try temporaryDirectory()
        let path = dir + "/run.h5"
        try "precious".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TrainingRun.create(spec(.mlp, epochs: 1, train: 100), at: path, overwrite: false)) {
            XCTAssertTrue("\($0)".contains("already exists"), "\($0)")
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "precious")
        XCTAssertThrowsError(try TrainedModel(path: path)) { XCTAssertTrue("\($0)".contains("not an HDF5 file"), "\($0)") }
        try RunFile.create(at: dir + "/other.h5", overwrite: false) { try $0.write("/x", floats: [1], shape: [1]) }
        XCTAssertThrowsError(try TrainingRun.resume(at: dir + "/other.h5")) { XCTAssertTrue("\($0)".contains("not an ae run file"), "\($0)") }
        var bad = spec(.mlp, epochs: 1, train: 100)
        bad.dataset = "no-such-dataset"
        XCTAssertThrowsError(try TrainingRun.create(bad, at: dir + "/x.h5", overwrite: false)) {
            XCTAssertTrue("\($0)".contains("unknown dataset"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x.h5"))
    }

    /// A run whose specification holds a setting this ae does not know (written by a newer one) is refused with a
    /// clear message instead of being resumed or evaluated as a different configuration; a null value is no setting.
    func testUnknownSettingsAreRefused() throws {
        let dir = try temporaryDirectory(), path = dir + "/run.h5"
        try TrainingRun.create(spec(.mlp, epochs: 1, train: 100, test: 50, hidden: [16]), at: path, overwrite: false).train()
        let json = try XCTUnwrap(try RunFile.read(at: path) { try $0.stringAttribute("run_spec") })
        var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        var train = try XCTUnwrap(object["train"] as? [String: Any])
        train["futureSetting"] = NSNull()
        object["train"] = train
        func store(_ o: [String: Any]) throws {
            let text = String(decoding: try JSONSerialization.data(withJSONObject: o), as: UTF8.self)
            try RunFile.update(at: path) { try $0.setAttribute("run_spec", string: text) }
        }
        try store(object)
        XCTAssertNoThrow(try TrainedModel(path: path))
        train["futureSetting"] = 3
        object["train"] = train
        object["newTopLevel"] = ["a": 1]
        try store(object)
        for attempt in [{ _ = try TrainedModel(path: path) }, { _ = try TrainingRun.resume(at: path, epochs: 2) }] {
            XCTAssertThrowsError(try attempt()) {
                XCTAssertTrue("\($0)".contains("does not know the setting(s) newTopLevel, train.futureSetting in run_spec"), "\($0)")
            }
        }
    }

    /// Cross-dataset evaluation and corrupted inputs land under their own /metrics names.
    func testCrossDatasetAndCorruptedEvaluation() throws {
        let path = try temporaryDirectory() + "/mlp.h5"
        try TrainingRun.create(spec(.mlp, epochs: 3, train: 1500, test: 200, hidden: [64]), at: path, overwrite: false).train()
        let trained = try TrainedModel(path: path)
        let fashion = try trained.data(dataset: "fashion-mnist").test
        let cross = try trained.evaluate(fashion, name: "test-fashion-mnist", dataset: "fashion-mnist")
        let own = try trained.data().test
        let clean = try trained.evaluate(own, name: "test", dataset: "mnist")
        let noisy = try trained.evaluate(own, name: "test-occlusion14", dataset: "mnist", corruption: .occlusion(size: 14))
        XCTAssertLessThan(noisy.psnrMean, clean.psnrMean, "corrupted inputs must reconstruct worse")
        XCTAssertNotEqual(cross.psnrMean, clean.psnrMean)
        try RunFile.read(at: path) { f in
            XCTAssertEqual(try f.children(of: "/metrics"), ["test", "test-fashion-mnist", "test-occlusion14"])
            XCTAssertEqual(try f.stringAttribute("corruption", at: "/metrics/test-occlusion14"), "occlusion:14")
        }
    }
}
