import AEData
import AENet
import AERun
import Foundation
import XCTest

/// The decoder as a generator (Generation.swift) and the `ae recon` / `ae generate` commands, on one tiny
/// MLP-autoencoder run trained once for the whole class (MNIST subset: 900 train, 200 test images).
final class GenerationTests: XCTestCase {
    static let directory = NSTemporaryDirectory() + "ae-generation-tests-\(ProcessInfo.processInfo.processIdentifier)"
    static var runPath: String { directory + "/mlp.h5" }
    static let latent = 8

    /// The run, trained once on first use, reloaded with batches of 64 (so 200 test images make three full
    /// batches and a partial one), and its data, loaded once (loading MNIST dominates these tests).
    nonisolated(unsafe) static let fixture: Result<(model: TrainedModel, data: RunData), any Error> = Result {
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try TrainingRun.create(spec(.mlp, train: 1000, test: 200), at: runPath, overwrite: false).train()
        let model = try TrainedModel(path: runPath, batchSize: 64)
        return (model, try model.data())
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
        super.tearDown()
    }

    static func spec(_ kind: ModelConfig.Kind, train: Int, test: Int) -> RunSpec {
        var t = TrainConfig()
        t.epochs = 2
        t.batchSize = 64
        t.optimizer = OptimizerConfig(kind: .adam, learningRate: 2e-3)
        t.seed = 11
        return RunSpec(model: ModelConfig(kind: kind, latent: latent, hidden: [64], classes: 10), train: t,
                       dataset: "mnist", validationFraction: 0.1, trainLimit: train, testLimit: test)
    }

    func trained() throws -> (model: TrainedModel, data: RunData) { try Self.fixture.get() }

    // MARK: decoding and sampling

    func testDecodingTheCodesGivesTheReconstructionsBitwise() throws {
        let (model, data) = try trained()
        let test = data.test
        let z = Evaluator(model: model.model).encode(test, batchSize: model.batchSize)
        XCTAssertEqual(z.count, test.count * Self.latent)
        let decoded = try model.decode(z, count: test.count)
        XCTAssertEqual(decoded, try model.reconstruct(test, indices: Array(0..<test.count)))
        XCTAssertThrowsError(try model.decode(Array(z.dropLast()), count: test.count)) {
            XCTAssertTrue("\($0)".contains("not \(test.count) codes"), "\($0)")
        }
    }

    func testSamplesAreReproducibleForASeedAndDifferAcrossSeeds() throws {
        let model = try trained().model
        let a = try model.sample(n: 10, seed: 5), again = try model.sample(n: 10, seed: 5), b = try model.sample(n: 10, seed: 6)
        XCTAssertEqual(a.z, again.z)
        XCTAssertEqual(a.images, again.images)
        XCTAssertEqual(a.z.count, 10 * Self.latent)
        XCTAssertEqual(a.images.count, 10 * 784)
        XCTAssertFalse(a.fitted)
        XCTAssertEqual(a.gaussian, .standard(latent: Self.latent))
        XCTAssertEqual(a.images, try model.decode(a.z, count: 10), "images are the decoded codes")
        XCTAssertTrue(zip(a.z, b.z).filter { $0 != $1 }.count > 70, "seeds 5 and 6 should give different codes")
        XCTAssertNotEqual(a.images, b.images)
        XCTAssertTrue(a.images.allSatisfy { $0 >= 0 && $0 <= 1 }, "sigmoid outputs")
        // z ~ N(0, I): 20,000 draws have moments close to 0 and 1.
        let draws = LatentGaussian.standard(latent: 4).sample(count: 5000, seed: 9)
        let moments = LatentGaussian.fit(codes: draws, latent: 4)
        for j in 0..<4 {
            XCTAssertEqual(moments.mean[j], 0, accuracy: 0.06)
            XCTAssertEqual(moments.std[j], 1, accuracy: 0.05)
        }
        XCTAssertThrowsError(try model.sample(n: 0, seed: 1)) { XCTAssertTrue("\($0)".contains("positive"), "\($0)") }
    }

    func testFittedGaussianHasTheMomentsOfTheEncodedTrainingSet() throws {
        let (model, data) = try trained()
        let train = data.train
        let gaussian = try model.latentGaussian(fittedOn: train)
        // Reference moments, two-pass in Double straight from the codes.
        let z = Evaluator(model: model.model).encode(train, batchSize: model.batchSize).map(Double.init)
        let n = train.count, d = Self.latent
        for j in 0..<d {
            let column = (0..<n).map { z[$0 * d + j] }
            let mean = column.reduce(0, +) / Double(n)
            let std = (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)).squareRoot()
            XCTAssertEqual(Double(gaussian.mean[j]), mean, accuracy: 1e-5 * max(1, abs(mean)), "mean of dimension \(j)")
            XCTAssertEqual(Double(gaussian.std[j]), std, accuracy: 1e-5 * max(1, std), "std of dimension \(j)")
        }
        XCTAssertTrue(gaussian.std.allSatisfy { $0 > 0 })
        // Samples from the fitted Gaussian have its moments (4000 draws: mean within 4 standard errors).
        let samples = try model.sample(n: 4000, seed: 3, fitGaussian: train)
        XCTAssertTrue(samples.fitted)
        XCTAssertEqual(samples.gaussian, gaussian)
        let drawn = LatentGaussian.fit(codes: samples.z, latent: d)
        for j in 0..<d {
            XCTAssertEqual(drawn.mean[j], gaussian.mean[j], accuracy: 4 * gaussian.std[j] / Float(4000).squareRoot())
            XCTAssertEqual(drawn.std[j] / gaussian.std[j], 1, accuracy: 0.06)
        }
    }

    // MARK: nearest training image

    /// Brute force in Double: the smallest per-image MSE over all of `train`, and its index.
    func bruteForceNearest(_ samples: [Float], _ train: ImageSet) -> [(index: Int, mse: Double)] {
        let d = train.dims.count
        return (0..<samples.count / d).map { i in
            (0..<train.count).map { j -> (index: Int, mse: Double) in
                let sum = (0..<d).reduce(0.0) { s, p in
                    let e = Double(samples[i * d + p]) - Double(train.images.pointer[j * d + p])
                    return s + e * e
                }
                return (j, sum / Double(d))
            }.min { $0.mse < $1.mse }!
        }
    }

    func testNearestTrainingPSNRMatchesBruteForceAndCapsExactCopies() throws {
        // Deterministic pseudo-random pixels (multiplicative hashing), different for samples and training images.
        let dims = Dims(1, 7, 9), d = dims.count, count = 300
        let pixels = (0..<count * d).map { Float(($0 &* 2_654_435_761) % 1000) / 1000 }
        let train = ImageSet(images: pixels, labels: [Int32](repeating: 0, count: count), dims: dims)
        var samples = (0..<13 * d).map { Float(($0 &* 40_503 &+ 17) % 997) / 997 }
        samples += Array(pixels[123 * d..<124 * d])  // an exact copy of training image 123
        // Blocks of 64 rows: four full blocks and a partial one.
        let nearest = try TrainedModel.nearestTraining(samples, in: train, block: 64)
        let reference = bruteForceNearest(samples, train)
        XCTAssertEqual(nearest.index, reference.map(\.index))
        for (got, want) in zip(nearest.psnr, reference.map { psnr(mse: Float($0.mse)) }) {
            XCTAssertEqual(got, want, accuracy: 1e-3)
        }
        XCTAssertEqual(nearest.index.last, 123)
        XCTAssertEqual(nearest.psnr.last, 100, "an exact copy is capped at 100 dB")
        XCTAssertEqual(try TrainedModel.nearestTrainingPSNR(samples, train), nearest.psnr, "default block size, same answer")
        XCTAssertThrowsError(try TrainedModel.nearestTraining(Array(samples.dropLast()), in: train))
    }

    func testNearestTrainingOnMNISTFindsCopiesOfTrainingImages() throws {
        let (model, data) = try trained()
        let train = data.train
        let copies = train.subset([7, 500, 899])
        let generated = try model.sample(n: 3, seed: 1)
        let samples = copies.images.array + generated.images
        let nearest = try TrainedModel.nearestTraining(samples, in: train)
        XCTAssertEqual(Array(nearest.index.prefix(3)), [7, 500, 899])
        XCTAssertEqual(Array(nearest.psnr.prefix(3)), [100, 100, 100])
        let reference = bruteForceNearest(generated.images, train)
        for (got, want) in zip(nearest.psnr.suffix(3), reference) { XCTAssertEqual(got, psnr(mse: Float(want.mse)), accuracy: 1e-3) }
    }

    // MARK: commands

    /// Runs `ae` (built beside the tests) with 2 threads.
    func ae(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let r = try RunTestsSupport.runAE(arguments + ["--threads", "2"])
        return (r.status, r.output)
    }

    /// Checks that `path` is a PNG (signature and IHDR) of plausible size.
    func assertPNG(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature", file: file, line: line)
        XCTAssertEqual(String(decoding: data[12..<16], as: UTF8.self), "IHDR", file: file, line: line)
        let width = data[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = data[20..<24].reduce(0) { $0 << 8 | Int($1) }
        XCTAssertGreaterThan(width, 100, file: file, line: line)
        XCTAssertGreaterThan(height, 100, file: file, line: line)
    }

    func testReconAndGenerateCommandsWritePNGsAndStoreSamples() throws {
        let dir = Self.directory, (model, data) = try trained(), run = model.path
        var (status, out) = try ae(["recon", run, "--best", "6", "--worst", "4", "--out", dir + "/recon.png"])
        XCTAssertEqual(status, 0, out)
        try assertPNG(dir + "/recon.png")
        XCTAssertTrue(out.contains("mean PSNR") && out.contains("stored /metrics/test/psnr"), out)
        (status, out) = try ae(["recon", run, "--first", "12", "--dataset", "fashion-mnist"])
        XCTAssertEqual(status, 0, out)
        try assertPNG(dir + "/mlp-recon-first-test-fashion-mnist.png")
        XCTAssertTrue(out.contains("computed"), "no stored metrics for fashion-mnist: \(out)")

        (status, out) = try ae(["generate", run, "--n", "9", "--fit-gaussian", "--seed", "2"])
        XCTAssertEqual(status, 0, out)
        try assertPNG(dir + "/mlp-generated-fitted-seed2.png")
        XCTAssertTrue(out.contains("PSNR to the nearest of 900 training images"), out)
        // The stored samples are the ones the library draws for the same seed.
        let expected = try model.sample(n: 9, seed: 2, fitGaussian: data.train)
        let nearest = try TrainedModel.nearestTraining(expected.images, in: data.train)
        try RunFile.read(at: run) { f in
            let g = "/generated/fitted-seed2"
            XCTAssertEqual(try f.readFloats("\(g)/z").values, expected.z)
            XCTAssertEqual(try f.shape(of: "\(g)/z"), [9, Self.latent])
            XCTAssertEqual(try f.shape(of: "\(g)/images"), [9, 1, 28, 28])
            XCTAssertEqual(try f.readFloats("\(g)/images").values, expected.images)
            XCTAssertEqual(try f.readFloats("\(g)/nearest_psnr").values, nearest.psnr)
            XCTAssertEqual(try f.doubleAttribute("nearest_psnr_mean", at: g)!, PSNRSummary(nearest.psnr).mean, accuracy: 1e-9)
            XCTAssertEqual(try f.readFloats("\(g)/mean").values, expected.gaussian.mean)
            XCTAssertEqual(try f.stringAttribute("distribution", at: g), "fitted")
        }
    }

    func testCommandErrorsAreOneLine() throws {
        let dir = Self.directory, run = try trained().model.path
        let classifier = dir + "/classifier.h5"
        if !FileManager.default.fileExists(atPath: classifier) {
            try TrainingRun.create(Self.spec(.classifier, train: 200, test: 50), at: classifier, overwrite: false).train()
        }
        let cases: [([String], String)] = [
            (["generate", classifier], "is a classifier"),
            (["recon", classifier], "is a classifier"),
            (["generate", dir + "/missing.h5"], "no such file"),
            (["recon", dir + "/missing.h5"], "no such file"),
            (["generate", run, "--n", "0"], "--n must be between 1"),
            (["recon", run, "--best", "150", "--worst", "100"], "needs 250 images"),
            (["recon", run, "--best", "0", "--worst", "0"], "nothing to show"),
            (["eval", run, "--corrupt", "occlusion:100"], "a 100×100 occlusion does not fit 28×28 images"),
        ]
        let unthreaded: [([String], String)] = [(["report", run, "--out", dir + "/no-such-folder/r.md"], "cannot write: no folder")]
        for (arguments, expected) in cases.map({ ($0.0 + ["--threads", "2"], $0.1) }) + unthreaded {
            let r = try RunTestsSupport.runAE(arguments)
            let (status, out) = (r.status, r.output)
            XCTAssertNotEqual(status, 0, "\(arguments)")
            XCTAssertTrue(out.contains(expected), "\(arguments): \(out)")
            XCTAssertEqual(out.split(separator: "\n").filter { $0.hasPrefix("Error") }.count, 1, out)
        }
    }
}
