import AEAnalysis
import AEData
import Foundation
import TestSupport
import XCTest

final class LatentIOTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("analysis-io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }
    private func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func testParsesInputs() throws {
        XCTAssertEqual(try LatentSource.parse("runs/a.h5", split: "val"), .runFile(path: "runs/a.h5", split: "val"))
        XCTAssertEqual(try LatentSource.parse("x.h5:/group/z", split: "test"), .hdf5Dataset(path: "x.h5", dataset: "/group/z"))
        XCTAssertEqual(try LatentSource.parse("codes.NPY", split: "test"), .npy(path: "codes.NPY"))
        XCTAssertThrowsError(try LatentSource.parse("a.h5", split: "../x"))
    }

    /// A run file's latents go in; PCA and t-SNE results come out under /pca/<split> and /tsne/<split>.
    func testRunFileRoundTrip() throws {
        let run = path("run.h5")
        let (points, labels) = try TSNEFixtures.blobs(clusters: 3, perCluster: 40, dimension: 6, seed: 40)
        try RunFile.create(at: run, overwrite: false) { file in
            try file.write("/latents/val/z", floats: points.values, shape: [points.rows, points.columns])
            try file.write("/latents/val/labels", int32s: labels, shape: [labels.count])
        }
        let source = try LatentSource.parse(run, split: "val")
        let set = try source.load().subsample(maxPoints: 100, seed: 3)
        XCTAssertEqual(set.points.rows, 100)
        XCTAssertEqual(set.sourceRows!, set.sourceRows!.sorted())
        XCTAssertEqual(set.labels!, set.sourceRows!.map { labels[$0] })

        let pca = try PCA.fit(set.points, components: 3)
        var settings = TSNESettings()
        settings.perplexity = 10
        settings.iterations = 60
        settings.exaggerationIterations = 20
        let tsne = try TSNE.run(set.points, settings: settings)
        try RunFile.update(at: run) { file in
            try AnalysisStore.write(pca, of: set, source: source.description, to: file, group: "/pca/val")
            try AnalysisStore.write(tsne, of: set, source: source.description, threads: 2, to: file, group: "/tsne/val")
        }
        try RunFile.read(at: run) { file in
            XCTAssertEqual(try file.shape(of: "/pca/val/components"), [3, 6])
            XCTAssertEqual(try file.readDoubles("/pca/val/explained_variance_ratio").values, pca.explainedVarianceRatio)
            XCTAssertEqual(try file.shape(of: "/pca/val/projection"), [100, 3])
            XCTAssertEqual(try file.readFloats("/tsne/val/embedding").values, tsne.embedding.map { Float($0) })
            XCTAssertEqual(try file.readInt32s("/tsne/val/labels").values, set.labels!)
            XCTAssertEqual(try file.doubleAttribute("kl", at: "/tsne/val"), tsne.kl)
            XCTAssertEqual(try file.doubleAttribute("perplexity", at: "/tsne/val"), 10)
            XCTAssertEqual(try file.stringAttribute("learning_rate", at: "/tsne/val"), "auto")
            XCTAssertEqual(try file.stringAttribute("method", at: "/tsne/val"), "exact")
            XCTAssertEqual(try file.shape(of: "/tsne/val/kl_history"), [2, 2])
        }
    }

    func testReadsNPYAndHDF5Datasets() throws {
        let values = randomFloats(24, seed: 41)
        try NPY.write(NPYArray(shape: [8, 3], values: .float64(values.map(Double.init))), to: path("x.npy"))
        let fromNPY = try LatentSource.npy(path: path("x.npy")).load()
        XCTAssertEqual(fromNPY.points.values, values)
        XCTAssertNil(fromNPY.labels)

        try RunFile.create(at: path("any.h5"), overwrite: false) { try $0.write("/deep/codes", floats: values, shape: [6, 4]) }
        let fromH5 = try LatentSource.parse(path("any.h5") + ":/deep/codes", split: "test").load()
        XCTAssertEqual(fromH5.points.rows, 6)
        XCTAssertEqual(fromH5.points.columns, 4)
    }

    func testMissingOrMalformedInputsGiveClearErrors() throws {
        try RunFile.create(at: path("run.h5"), overwrite: false) { file in
            try file.write("/latents/train/z", floats: [1, 2, 3, 4], shape: [2, 2])
            try file.write("/cube", floats: [Float](repeating: 0, count: 8), shape: [2, 2, 2])
        }
        XCTAssertThrowsError(try LatentSource.runFile(path: path("run.h5"), split: "test").load()) { error in
            XCTAssertTrue("\(error)".contains("splits here: train"), "\(error)")
        }
        XCTAssertThrowsError(try LatentSource.hdf5Dataset(path: path("run.h5"), dataset: "/cube").load()) { error in
            XCTAssertTrue("\(error)".contains("2-D"), "\(error)")
        }
        XCTAssertThrowsError(try LatentSource.npy(path: path("missing.npy")).load())
    }
}
