import AEAnalysis
import AEData
import AENet
import AERun
import Foundation

/// Figures embedded in run reports, drawn next to the run file (`runs/a.h5` → `runs/a-history.png`, …).
enum ReportFigures {
    /// Draws what the run's contents allow and returns (caption, path relative to the report) pairs.
    /// The training history always; for autoencoders the best and worst test reconstructions; the test
    /// confusion matrix for classifiers; PCA / t-SNE scatters when those analyses are in the file.
    static func draw(runPath: String, dataDir: String? = nil) throws -> [(String, String)] {
        if try GANRun.isGANRun(runPath) { return try GANFigures.draw(runPath: runPath) }
        var figures: [(String, String)] = []
        func save(_ figure: any Figure, _ suffix: String, _ caption: String) throws {
            let path = RunFigures.defaultOutputPath(run: runPath, suffix: suffix)
            try figure.writePNG(to: path)
            figures.append((caption, (path as NSString).lastPathComponent))
        }
        try save(try RunFigures.history(run: runPath), "history", "Training history")
        let trained = try TrainedModel(path: runPath)
        if trained.spec.model.isAutoencoder {
            let test = try trained.data(dataDir: dataDir).test
            let psnr = try RunFile.read(at: runPath) { try $0.readFloats("/metrics/test/psnr").values }
            if psnr.count == test.count, test.count >= 2, test.dims.c == 1 {
                let all = Array(0..<test.count)
                let originals = Array(UnsafeBufferPointer(start: test.images.pointer, count: test.count * test.dims.count))
                let grid = try ImageGrid.bestAndWorst(originals: originals, reconstructions: try trained.reconstruct(test, indices: all),
                                                      psnr: psnr, k: 10, imageHeight: test.dims.h, imageWidth: test.dims.w)
                try save(grid, "recon", "Best and worst test reconstructions")
            }
        } else {
            try save(try RunFigures.confusion(run: runPath, split: "test"), "confusion", "Test confusion matrix")
        }
        let present = try RunFile.read(at: runPath) { f in RunFigures.EmbeddingKind.allCases.filter { f.exists("/\($0.rawValue)/test") } }
        for kind in present {
            try save(try RunFigures.embedding(run: runPath, kind: kind, split: "test"), kind.rawValue, "\(kind.rawValue.uppercased()) of the test latents")
        }
        return figures
    }
}
