import AEData
import AENet
import AERun
import Foundation
import TestSupport
import XCTest

/// GAN runs end to end (run file, resume, `ae train/generate/report/score`) and the classifier-based sample score.
final class GANRunTests: XCTestCase {
    func temporaryDirectory() throws -> String { try RunTestsSupport.temporaryDirectory(for: self) }

    func spec(_ architecture: GANConfig.Architecture, hidden: [Int], epochs: Int, train: Int) -> GANRunSpec {
        var c = GANConfig(architecture: architecture)
        c.noise = 16
        c.hidden = hidden
        c.epochs = epochs
        c.batchSize = 32
        c.seed = 5
        var s = GANRunSpec(gan: c, dataset: "mnist", trainLimit: train)
        s.gridCount = 16
        return s
    }

    /// `ae train --model gan-mlp`: both losses stay finite, the generator is never beaten outright (D(G(z)) stays
    /// off 0), and the run file holds the history, the per-epoch grids and the final generator.
    func testShortGANMLPCommandLineRun() throws {
        let dir = try temporaryDirectory(), path = dir + "/g.h5"
        let r = try RunTestsSupport.runAE(["train", "--model", "gan-mlp", "--hidden", "128,256", "--latent", "32", "--epochs", "3",
                                           "--train-limit", "2000", "--lr", "5e-4", "--threads", "2", "--out", path])
        XCTAssertEqual(r.status, 0, r.output)
        try RunFile.read(at: path) { f in
            XCTAssertEqual(try f.stringAttribute("model"), "gan-mlp")
            XCTAssertEqual(try f.stringAttribute("status"), "finished")
            let columns = try ["d_loss", "g_loss", "d_real", "d_fake"].map { try f.readDoubles("/history/\($0)").values }
            for c in columns { XCTAssertEqual(c.count, 3); XCTAssertTrue(c.allSatisfy(\.isFinite), "\(columns)") }
            XCTAssertTrue(columns[3].allSatisfy { $0 > 0.02 && $0 < 0.98 }, "D(G(z)) per epoch: \(columns[3])")
            XCTAssertTrue(columns[2].allSatisfy { $0 > columns[3].min()! - 0.5 }, "D(x) \(columns[2])")
            for e in 1...3 { XCTAssertEqual(try f.shape(of: "/samples/epoch_\(e)"), [64, 1, 28, 28]) }
            XCTAssertTrue(f.isDataset("/model/generator.0.weight") && f.isDataset("/checkpoint/optimizer/generator.0.weight.m"))
        }
        for suffix in ["-samples.png", "-history.png", ".md"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/g" + suffix), suffix)
        }
        // A finished run trains on with a larger budget.
        let more = try RunTestsSupport.runAE(["train", "--resume", path, "--epochs", "4", "--threads", "2"])
        XCTAssertEqual(more.status, 0, more.output)
        XCTAssertTrue(more.output.contains("resuming \(path) after epoch 3 of 4"), more.output)
        XCTAssertEqual(try RunFile.read(at: path) { try $0.readDoubles("/history/d_fake").values.count }, 4)
        let gen = try RunTestsSupport.runAE(["generate", path, "--n", "9", "--threads", "2"])
        XCTAssertEqual(gen.status, 0, gen.output)
        XCTAssertEqual(try RunFile.read(at: path) { try $0.shape(of: "/generated/normal-seed1/images") }, [9, 1, 28, 28])
        let truncated = try RunTestsSupport.runAE(["generate", path, "--n", "4", "--truncation", "0.5", "--threads", "2"])
        XCTAssertEqual(truncated.status, 0, truncated.output)
        XCTAssertTrue(truncated.output.contains("truncated at ±0.5"), truncated.output)
        let z = try RunFile.read(at: path) { try $0.readFloats("/generated/normal-seed1-trunc0.5/z").values }
        XCTAssertEqual(z.count, 4 * 32)
        XCTAssertTrue(z.allSatisfy { abs($0) <= 0.5 }, "\(z)")
        // Discriminator-ranked selection: the best 4 of 12 codes of the stream, in stream order, each rated by D at
        // least as real as every code left out.
        let selected = try RunTestsSupport.runAE(["generate", path, "--n", "4", "--rejection", "3", "--threads", "2"])
        XCTAssertEqual(selected.status, 0, selected.output)
        XCTAssertTrue(selected.output.contains("best 1 of 3 by D"), selected.output)
        let gan = try TrainedGAN(path: path)
        let kept = try gan.sample(n: 4, seed: 1, rejection: 3), all = try gan.sample(n: 12, seed: 1)
        XCTAssertEqual(try RunFile.read(at: path) { try $0.readFloats("/generated/normal-seed1-reject3/z").values }, kept.z)
        let rows = (0..<12).map { Array(all.z[$0 * 32..<($0 + 1) * 32]) }
        let picked = (0..<4).compactMap { i in rows.firstIndex(of: Array(kept.z[i * 32..<(i + 1) * 32])) }
        XCTAssertTrue(picked.count == 4 && picked == picked.sorted(), "\(picked)")
        let logits = all.images.withUnsafeBufferPointer { gan.gan.discriminate($0.baseAddress!, count: 12) }
        let left = Set(0..<12).subtracting(picked)
        XCTAssertGreaterThanOrEqual(picked.map { logits[$0] }.min()!, left.map { logits[$0] }.max()!)
        XCTAssertEqual(try gan.sample(n: 4, seed: 1, rejection: 1).images, Array(all.images.prefix(4 * 784)))
        XCTAssertThrowsError(try gan.sample(n: 100_000, seed: 1, rejection: 11), "more candidates than TrainedGAN.maximumCandidates")
        XCTAssertEqual(try RunTestsSupport.runAE(["report", path]).status, 0)
        // Nonsense gets a one-line error and a non-zero exit.
        let cases: [([String], String)] = [
            (["eval", path], "is a GAN run"),
            (["generate", path, "--fit-gaussian"], "no encoder"),
            (["score", path, "--classifier", path], "is a GAN run"),
            (["train", "--model", "gan-conv", "--d-steps", "0", "--out", dir + "/x.h5"], "--d-steps must be >= 1"),
            (["train", "--model", "gan-mlp", "--optimizer", "sgd", "--out", dir + "/x.h5"], "GANs train with adam"),
            (["train", "--model", "gan-conv", "--ema", "1", "--out", dir + "/x.h5"], "--ema must be in [0, 1), got 1.0"),
            (["score", path, "--classifier", path, "--generator", "best"], "--generator must be auto, raw or ema"),
            (["score", path, "--classifier", path, "--truncation", "0"], "--truncation must be a finite number >= 0.1, got 0.0"),
            (["generate", path, "--truncation", "nan"], "--truncation must be a finite number >= 0.1"),
            (["score", path, "--classifier", path, "--rejection", "0"], "--rejection must be between 1 and 100, got 0"),
            (["train", "--model", "gan-conv", "--d-lr", "0", "--out", dir + "/x.h5"], "--d-lr must be in (0, 10], got 0.0"),
            (["train", "--model", "gan-conv", "--schedule", "linear:2", "--out", dir + "/x.h5"], "--schedule must be constant"),
            (["train", "--model", "gan-conv", "--gan-loss", "wasserstein", "--out", dir + "/x.h5"], "--gan-loss must be bce or hinge"),
            (["train", "--model", "gan-conv", "--gan-loss", "hinge", "--real-label", "0.9", "--out", dir + "/x.h5"],
             "--real-label applies to --gan-loss bce only"),
            (["train", "--model", "gan-conv", "--g-hidden", "64,0", "--out", dir + "/x.h5"], "hidden"),
            (["train", "--model", "gan-conv", "--g-hidden", "32,64,128", "--out", dir + "/x.h5"], "must be a multiple of 8"),
        ]
        for (args, expected) in cases {
            let r = try RunTestsSupport.runAE(args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.output.contains(expected), "\(args): \(r.output)")
            XCTAssertEqual(r.output.split(separator: "\n").filter { $0.hasPrefix("Error") }.count, 1, r.output)
        }
    }

    /// `ae train --score-classifier`: each epoch's generator scored and stored under /score/epoch-N, the last one
    /// exactly what `ae score` gives the finished run; bad uses fail before any run file is written.
    func testScoreClassifierScoresEveryEpoch() throws {
        let dir = try temporaryDirectory(), clf = dir + "/clf.h5", path = dir + "/g.h5"
        let c = try RunTestsSupport.runAE(["train", "--model", "classifier", "--hidden", "32", "--epochs", "1", "--train-limit", "1000",
                                           "--test-limit", "200", "--threads", "2", "--out", clf])
        XCTAssertEqual(c.status, 0, c.output)
        let r = try RunTestsSupport.runAE(["train", "--model", "gan-mlp", "--hidden", "64", "--latent", "16", "--epochs", "2",
                                           "--train-limit", "640", "--threads", "2", "--out", path, "--score-classifier", clf, "--score-n", "300"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertEqual(r.output.components(separatedBy: "G, 300 samples: classifier score").count - 1, 2, r.output)
        let s = try RunTestsSupport.runAE(["score", path, "--classifier", clf, "--n", "300", "--nearest", "0", "--name", "after"])
        XCTAssertEqual(s.status, 0, s.output)
        try RunFile.read(at: path) { f in
            for e in 1...2 { XCTAssertEqual(try f.intAttribute("count", at: "/score/epoch-\(e)"), 300) }
            let epoch2 = try XCTUnwrap(f.doubleAttribute("classifier_score", at: "/score/epoch-2"))
            XCTAssertTrue(epoch2 >= 1 && epoch2 <= 10, "\(epoch2)")
            XCTAssertEqual(epoch2, try f.doubleAttribute("classifier_score", at: "/score/after"))
        }
        try assertScoresImageFiles(of: path, classifier: clf, dir: dir)
        let bad: [([String], String)] = [
            (["train", "--model", "gan-mlp", "--score-classifier", dir + "/none.h5", "--out", dir + "/x.h5"], "none.h5"),
            (["train", "--model", "gan-mlp", "--score-classifier", path, "--out", dir + "/x.h5"], "is a GAN run"),
            (["train", "--model", "cnn3", "--score-classifier", clf, "--out", dir + "/x.h5"], "--model cnn3 is not a GAN"),
            (["train", "--resume", clf, "--score-classifier", clf], "is not a GAN run"),
            (["train", "--model", "gan-mlp", "--score-n", "0", "--score-classifier", clf, "--out", dir + "/x.h5"], "--score-n must be between"),
        ]
        for (args, expected) in bad {
            let b = try RunTestsSupport.runAE(args)
            XCTAssertNotEqual(b.status, 0, "\(args)")
            XCTAssertTrue(b.output.contains(expected), "\(args): \(b.output)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x.h5"))
    }

    /// `ae score --images FILE.npy`: the same samples written to a file (float32, and as uint8) score as they do from
    /// the run; pixels outside [0, 1], shapes that are not whole images and a run file beside --images are refused.
    func assertScoresImageFiles(of path: String, classifier clf: String, dir: String) throws {
        let g = try RunTestsSupport.runAE(["generate", path, "--n", "300", "--threads", "2"])
        XCTAssertEqual(g.status, 0, g.output)
        let (pixels, shape) = try RunFile.read(at: path) { try $0.readFloats("/generated/normal-seed1/images") }
        let expected = try RunFile.read(at: path) { try XCTUnwrap($0.doubleAttribute("classifier_score", at: "/score/after")) }
        let floats = dir + "/samples.npy", bytes = dir + "/samples-u8.npy", outside = dir + "/outside.npy", flat = dir + "/flat.npy"
        try NPY.write(NPYArray(shape: shape, values: .float32(pixels)), to: floats)
        let s = try RunTestsSupport.runAE(["score", "--images", floats, "--classifier", clf, "--nearest", "0"])
        XCTAssertEqual(s.status, 0, s.output)
        XCTAssertTrue(s.output.contains("300 images of \(floats): classifier score \(String(format: "%.3f", expected))"), s.output)
        // Rounded to bytes the pixels move by < 1/510: the score stays a score of the same 300 samples.
        try NPY.write(NPYArray(shape: shape, values: .uint8(pixels.map { UInt8(($0 * 255).rounded()) })), to: bytes)
        let u = try RunTestsSupport.runAE(["score", "--images", bytes, "--classifier", clf, "--nearest", "10"])
        XCTAssertEqual(u.status, 0, u.output)
        XCTAssertTrue(u.output.contains("300 images of \(bytes): classifier score") && u.output.contains("first 10 vs"), u.output)
        try NPY.write(NPYArray(shape: shape, values: .float32(pixels.map { $0 * 1.5 + 0.01 })), to: outside)
        try NPY.write(NPYArray(shape: [300, 28, 27], values: .float32(Array(pixels.prefix(300 * 28 * 27)))), to: flat)
        let bad: [([String], String)] = [
            (["score", "--images", outside, "--classifier", clf], "\(outside): corrupt: float pixel value"),
            (["score", "--images", outside, "--classifier", clf], "outside [0, 1]"),
            (["score", "--images", flat, "--classifier", clf], "is not (n, …) images of 784 values"),
            (["score", path, "--images", floats, "--classifier", clf], "not both"),
            (["score", "--images", floats, "--classifier", clf, "--truncation", "0.5"], "drop --real"),
            (["score", "--images", dir + "/none.npy", "--classifier", clf], "none.npy"),
        ]
        for (args, message) in bad {
            let b = try RunTestsSupport.runAE(args)
            XCTAssertNotEqual(b.status, 0, "\(args)")
            XCTAssertTrue(b.output.contains(message), "\(args): \(b.output)")
        }
    }

    /// Stopping after an epoch and resuming from the file ends with bitwise the same weights, Adam state and history.
    func testResumeMatchesUninterruptedRun() throws {
        let dir = try temporaryDirectory()
        for (name, s) in [("mlp", spec(.mlp, hidden: [32], epochs: 3, train: 320)), ("conv", spec(.conv, hidden: [4, 8], epochs: 2, train: 128))] {
            let full = try GANRun.create(s, at: "\(dir)/\(name)-full.h5", overwrite: false)
            XCTAssertTrue(try full.train())
            let first = try GANRun.create(s, at: "\(dir)/\(name)-split.h5", overwrite: false)
            XCTAssertFalse(try first.train(stopAfter: 1))
            XCTAssertThrowsError(try TrainedModel(path: "\(dir)/\(name)-split.h5"))  // not an autoencoder run
            let resumed = try GANRun.resume(at: "\(dir)/\(name)-split.h5")
            XCTAssertEqual(resumed.trainer.epoch, 1)
            XCTAssertTrue(try resumed.train())
            let a = full.trainer.checkpoint(), b = resumed.trainer.checkpoint()
            XCTAssertEqual(a.parameters, b.parameters, name)
            XCTAssertEqual(a.optimizerState, b.optimizerState, name)
            XCTAssertEqual(a.history.map(\.generatorLoss), b.history.map(\.generatorLoss), name)
            // The reloaded generator reproduces the last stored grid bitwise (it samples in evaluation mode: for
            // the conv pair that needs the batch norm running statistics, which the file stores beside the weights).
            let trained = try TrainedGAN(path: "\(dir)/\(name)-split.h5")
            XCTAssertEqual(trained.weights, "/model")
            XCTAssertEqual(trained.gan.namedBuffers.count, name == "conv" ? 6 : 0)
            XCTAssertEqual(trained.gan.parameterValues, full.trainer.gan.parameterValues, name)
            if name == "conv" {
                try RunFile.read(at: "\(dir)/\(name)-split.h5") { f in
                    for group in ["/model", "/checkpoint/model"] {
                        let (v, shape) = try f.readFloats("\(group)/generator.2.running_var")
                        XCTAssertEqual(shape, [8])
                        XCTAssertTrue(v.contains { $0 != 1 }, "trained running variance in \(group): \(v)")
                    }
                }
            }
            let last = try XCTUnwrap(try GANRun.lastSamples(at: "\(dir)/\(name)-split.h5"))
            XCTAssertEqual(last.epoch, s.gan.epochs)
            XCTAssertEqual(try trained.sample(n: s.gridCount, seed: s.gridSeed).images, last.images)
            XCTAssertEqual(try GANRun.history(at: "\(dir)/\(name)-split.h5").count, s.gan.epochs)
        }
    }

    /// With EMA: an interrupted and resumed run ends with bitwise the same raw and averaged generators as an uninterrupted
    /// one; the file keeps the average (/checkpoint/ema while training, /model_ema when finished) and sampling uses it
    /// unless told otherwise.
    func testEMAResumeAndRunFileRoundTrip() throws {
        let dir = try temporaryDirectory()
        var s = spec(.conv, hidden: [4, 8], epochs: 2, train: 128)
        s.gan.ema = 0.99
        let full = try GANRun.create(s, at: "\(dir)/full.h5", overwrite: false)
        XCTAssertTrue(try full.train())
        let first = try GANRun.create(s, at: "\(dir)/split.h5", overwrite: false)
        XCTAssertFalse(try first.train(stopAfter: 1))
        let midway = try TrainedGAN(path: "\(dir)/split.h5")
        XCTAssertEqual(midway.weights, "/checkpoint/ema (epoch 1)")
        XCTAssertEqual(midway.gan.generator.parameterValues, first.trainer.average?.generator.parameterValues)
        XCTAssertEqual(try TrainedGAN(path: "\(dir)/split.h5", generator: .raw).weights, "/checkpoint/model (epoch 1)")
        let resumed = try GANRun.resume(at: "\(dir)/split.h5")
        XCTAssertTrue(try resumed.train())
        let a = full.trainer.checkpoint(), b = resumed.trainer.checkpoint()
        XCTAssertEqual(a.parameters, b.parameters)
        XCTAssertEqual(try XCTUnwrap(a.average), try XCTUnwrap(b.average))
        XCTAssertNotEqual(a.average?["generator.0.weight"], a.parameters["generator.0.weight"], "the average lags G")
        let ema = try TrainedGAN(path: "\(dir)/split.h5"), raw = try TrainedGAN(path: "\(dir)/split.h5", generator: .raw)
        XCTAssertEqual(ema.weights, "/model_ema")
        XCTAssertTrue(ema.isAverage)
        XCTAssertEqual(ema.gan.generator.parameterValues, full.trainer.average?.generator.parameterValues)
        XCTAssertEqual(ema.gan.discriminator.parameterValues, full.trainer.gan.discriminator.parameterValues)
        XCTAssertEqual(raw.weights, "/model")
        XCTAssertEqual(raw.gan.parameterValues, full.trainer.gan.parameterValues)
        // The per-epoch grid is the averaged generator's; the reloaded average reproduces it bitwise.
        let last = try XCTUnwrap(try GANRun.lastSamples(at: "\(dir)/split.h5"))
        XCTAssertEqual(try ema.sample(n: s.gridCount, seed: s.gridSeed).images, last.images)
        XCTAssertNotEqual(try raw.sample(n: s.gridCount, seed: s.gridSeed).images, last.images)
    }

    /// A run without EMA (the file layout of runs written before it existed: no `ema` in gan_spec, no /…/ema groups)
    /// loads and samples its raw generator; asking for the average is a clear error.
    func testRunWithoutEMALoads() throws {
        let path = try temporaryDirectory() + "/plain.h5"
        let run = try GANRun.create(spec(.mlp, hidden: [32], epochs: 1, train: 320), at: path, overwrite: false)
        XCTAssertTrue(try run.train())
        try RunFile.read(at: path) { f in
            XCTAssertFalse(try XCTUnwrap(try f.stringAttribute("gan_spec")).contains("ema"))
            XCTAssertFalse(f.exists("/model_ema") || f.exists("/checkpoint/ema"))
        }
        let trained = try TrainedGAN(path: path)
        XCTAssertEqual(trained.weights, "/model")
        XCTAssertFalse(trained.isAverage)
        XCTAssertEqual(trained.gan.parameterValues, run.trainer.gan.parameterValues)
        XCTAssertThrowsError(try TrainedGAN(path: path, generator: .ema)) { XCTAssertTrue("\($0)".contains("no EMA generator"), "\($0)") }
        XCTAssertNil(try GANRun.resume(at: path, epochs: 2).trainer.average)
        // A setting this ae does not know (a newer ae's) is refused rather than dropped.
        let json = try XCTUnwrap(try RunFile.read(at: path) { try $0.stringAttribute("gan_spec") })
        try RunFile.update(at: path) { try $0.setAttribute("gan_spec", string: json.replacingOccurrences(of: "\"gan\":{", with: "\"gan\":{\"emaEvery\":2,")) }
        XCTAssertThrowsError(try GANRun.resume(at: path, epochs: 2)) { XCTAssertTrue("\($0)".contains("setting(s) gan.emaEvery in gan_spec"), "\($0)") }
    }

    /// A quickly trained MNIST classifier scores real test digits high and noise or one repeated digit low.
    func testClassifierScoreSeparatesRealDigitsFromNoise() throws {
        let path = try temporaryDirectory() + "/clf.h5"
        var t = TrainConfig()
        t.epochs = 3
        t.batchSize = 64
        t.seed = 3
        let run = try TrainingRun.create(RunSpec(model: ModelConfig(kind: .classifier, hidden: [128]), train: t, dataset: "mnist",
                                                 trainLimit: 6000, testLimit: 1000), at: path, overwrite: false)
        _ = try run.train()
        let clf = try TrainedModel(path: path)
        let test = run.data.test, d = test.dims.count
        let real = Array(UnsafeBufferPointer(start: test.images.pointer, count: test.count * d))
        let onReal = try SampleScore.compute(images: real, classifier: clf)
        print("real: \(onReal.summary)")
        XCTAssertGreaterThan(onReal.classifierScore, 5.5)  // 6.76 measured (a 3-epoch classifier is not very sure)
        XCTAssertGreaterThan(onReal.meanMaxProbability, 0.85)
        XCTAssertGreaterThan(onReal.classEntropy, 0.95 * log(10))
        XCTAssertEqual(onReal.classHistogram.reduce(0, +), 1, accuracy: 1e-9)
        let noise = try SampleScore.compute(images: randomFloats(1000 * d, in: 0..<1, seed: 9), classifier: clf)
        print("noise: \(noise.summary)")
        XCTAssertLessThan(noise.classifierScore, 2)  // 1.09 measured: noise is "one class" to the classifier
        XCTAssertLessThan(noise.classEntropy, 0.5 * onReal.classEntropy)
        // One digit repeated: every posterior equals the marginal, so KL = 0 and the score is exactly 1.
        let copies = try SampleScore.compute(images: (0..<200).flatMap { _ in real.prefix(d) }, classifier: clf)
        XCTAssertEqual(copies.classifierScore, 1, accuracy: 1e-6)
        XCTAssertEqual(copies.classEntropy, 0)
        // Training images are their own nearest neighbours: 100 dB (the cap for exact copies).
        let train = run.data.train
        let own = try SampleScore.compute(images: Array(UnsafeBufferPointer(start: train.images.pointer, count: 50 * d)),
                                          classifier: clf, train: train)
        XCTAssertEqual(try XCTUnwrap(own.nearestPSNRMean), 100, accuracy: 1e-9)
        XCTAssertThrowsError(try SampleScore.compute(images: [0.5, 0.5], classifier: clf))
    }

    /// The shipped classifier: checked against the manifest, it scores real test digits 9.44 (its figure when it was
    /// made) and is `ae score`'s default; a changed byte or a missing file is refused with the path in the message.
    func testReferenceClassifier() throws {
        let (path, label) = try ReferenceClassifier.resolve(ReferenceClassifier.name, dataDir: nil)
        XCTAssertTrue(path.hasSuffix("data/reference/mnist-classifier.h5"), path)
        XCTAssertEqual(label, "reference:10aef3056dd9")
        XCTAssertEqual(try ReferenceClassifier.resolve("some/clf.h5", dataDir: nil).path, "some/clf.h5")
        let clf = try TrainedModel(path: path)
        let test = try clf.data().test, d = test.dims.count
        let real = Array(UnsafeBufferPointer(start: test.images.pointer, count: test.count * d))
        let score = try SampleScore.compute(images: real, classifier: clf)
        XCTAssertEqual(test.count, 10_000)
        XCTAssertEqual(score.classifierScore, 9.444, accuracy: 0.005)
        XCTAssertEqual(score.meanMaxProbability, 0.982, accuracy: 0.001)

        let dir = try temporaryDirectory()
        let npy = dir + "/real.npy"
        try NPY.write(NPYArray(shape: [100, 28, 28], values: .float32(Array(real.prefix(100 * d)))), to: npy)
        let s = try RunTestsSupport.runAE(["score", "--images", npy, "--nearest", "0", "--threads", "1"])
        XCTAssertEqual(s.status, 0, s.output)
        XCTAssertTrue(s.output.contains("100 images of \(npy): classifier score"), s.output)

        try FileManager.default.createDirectory(atPath: dir + "/data/reference", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("MANIFEST").path, toPath: dir + "/data/MANIFEST")
        XCTAssertThrowsError(try ReferenceClassifier.resolve("reference", dataDir: dir + "/data")) { XCTAssertTrue("\($0)".contains("missing"), "\($0)") }
        var bytes = try XCTUnwrap(FileManager.default.contents(atPath: path))
        bytes[bytes.count / 2] ^= 1
        try bytes.write(to: URL(fileURLWithPath: dir + "/data/reference/mnist-classifier.h5"))
        XCTAssertThrowsError(try ReferenceClassifier.resolve("reference", dataDir: dir + "/data")) { XCTAssertTrue("\($0)".contains("SHA-256"), "\($0)") }
        let b = try RunTestsSupport.runAE(["score", "--images", npy, "--data-dir", dir + "/data"])
        XCTAssertNotEqual(b.status, 0)
        XCTAssertTrue(b.output.contains("mnist-classifier.h5") && b.output.contains("SHA-256"), b.output)
    }
}
