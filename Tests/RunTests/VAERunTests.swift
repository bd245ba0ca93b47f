import AEData
import AENet
import AERun
import Foundation
import XCTest

/// A VAE run file says which unit each loss is in: per-image −ELBO terms beside the per-pixel reconstruction loss.
final class VAERunTests: XCTestCase {
    func testVAERunStoresLabelledPerImageTerms() throws {
        let path = try RunTestsSupport.temporaryDirectory(for: self) + "/vae.h5"
        var t = TrainConfig()
        t.epochs = 2
        t.batchSize = 64
        t.loss = .bce
        t.seed = 4
        let spec = RunSpec(model: ModelConfig(kind: .vaeMLP, latent: 8, hidden: [128]), train: t, dataset: "mnist",
                           trainLimit: 1000, testLimit: 200)
        let summary = try XCTUnwrap(try TrainingRun.create(spec, at: path, overwrite: false).train())
        try RunFile.read(at: path) { f in
            XCTAssertTrue(try XCTUnwrap(f.stringAttribute("loss_unit", at: "/history")).hasPrefix("per image"))
            let elbo = try f.readDoubles("/history/val_neg_elbo").values
            let rec = try f.readDoubles("/history/val_reconstruction").values, kl = try f.readDoubles("/history/val_kl").values
            // β = 1: the validation loss is the −ELBO, and it splits into its two terms.
            XCTAssertEqual(elbo, summary.history.map(\.valLoss))
            for i in 0..<2 { XCTAssertEqual(elbo[i], rec[i] + kl[i], accuracy: 1e-9); XCTAssertGreaterThan(kl[i], 0) }
            XCTAssertGreaterThan(elbo[0], 100, "nats per image, not per pixel: \(elbo)")
            let g = "/metrics/test"
            XCTAssertTrue(try XCTUnwrap(f.stringAttribute("loss_unit", at: g)).hasPrefix("per pixel"))
            let negElbo = try XCTUnwrap(f.doubleAttribute("neg_elbo", at: g))
            XCTAssertEqual(negElbo, try XCTUnwrap(f.doubleAttribute("reconstruction", at: g)) + (try XCTUnwrap(f.doubleAttribute("kl", at: g))),
                           accuracy: 1e-9)
            // Per pixel vs per image: the stored loss is three orders of magnitude below the −ELBO.
            XCTAssertLessThan(try XCTUnwrap(f.doubleAttribute("loss", at: g)) * 100, negElbo)
        }
        XCTAssertTrue(try RunReport.markdown(path: path).contains("−ELBO"))
    }
}
