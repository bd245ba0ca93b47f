import Foundation

/// Image grids of originals against reconstructions, the layouts `ae recon` and reports use.
extension ImageGrid {
    /// Originals above their reconstructions, `columns` pairs per band; each reconstruction captioned
    /// with its PSNR when `psnr` is given (one value per image, printed as "31.2 dB").
    ///
    /// `originals` and `reconstructions` are `count`×`imageHeight`×`imageWidth` in [0, 1].
    public static func comparison(originals: [Float], reconstructions: [Float], count: Int, imageHeight: Int,
                                  imageWidth: Int, psnr: [Float]? = nil, columns: Int = 10,
                                  title: String? = nil) throws -> ImageGrid {
        let size = imageHeight * imageWidth
        guard originals.count == count * size, reconstructions.count == count * size else {
            throw PlotError("reconstruction grid: expected \(count) images of \(imageHeight)×\(imageWidth) "
                            + "(\(count * size) pixels), got \(originals.count) originals and \(reconstructions.count) reconstructions")
        }
        if let psnr, psnr.count != count {
            throw PlotError("reconstruction grid: \(count) images but \(psnr.count) PSNR values")
        }
        guard columns > 0 else { throw PlotError("reconstruction grid: columns must be positive, got \(columns)") }
        let rows = try stride(from: 0, to: count, by: columns).flatMap { start -> [ImageGridRow] in
            let band = start..<min(start + columns, count)
            let pixels = band.lowerBound * size..<band.upperBound * size
            return [try ImageGridRow(label: "original", pixels: Array(originals[pixels]), count: band.count),
                    try ImageGridRow(label: "reconstruction", pixels: Array(reconstructions[pixels]), count: band.count,
                                     captions: psnr.map { values in band.map { psnrCaption(values[$0]) } } ?? [])]
        }
        return try ImageGrid(rows: rows, imageHeight: imageHeight, imageWidth: imageWidth, title: title)
    }

    /// The `k` best and `k` worst reconstructions by PSNR (best first, then worst, the very worst last),
    /// each an original/reconstruction pair captioned with its PSNR. NaN PSNRs are ignored; `k` is capped
    /// at half the usable images so no image appears twice.
    public static func bestAndWorst(originals: [Float], reconstructions: [Float], psnr: [Float], k: Int,
                                    imageHeight: Int, imageWidth: Int, title: String? = nil) throws -> ImageGrid {
        let size = imageHeight * imageWidth
        guard size > 0, originals.count == psnr.count * size, reconstructions.count == psnr.count * size else {
            throw PlotError("best/worst grid: \(psnr.count) PSNR values do not match \(originals.count) original and "
                            + "\(reconstructions.count) reconstructed pixels of \(imageHeight)×\(imageWidth) images")
        }
        guard k > 0 else { throw PlotError("best/worst grid: k must be positive, got \(k)") }
        // Ties broken by index, so the choice is deterministic.
        let ranked = psnr.indices.filter { !psnr[$0].isNaN }
            .sorted { psnr[$0] != psnr[$1] ? psnr[$0] > psnr[$1] : $0 < $1 }
        let shown = min(k, ranked.count / 2)
        guard shown > 0 else { throw PlotError("best/worst grid: need at least 2 images with a PSNR, got \(ranked.count)") }
        let gather = { (source: [Float], indices: [Int]) in indices.flatMap { source[$0 * size..<($0 + 1) * size] } }
        let bands = [("best", Array(ranked.prefix(shown))), ("worst", Array(ranked.suffix(shown)))]
        let rows = try bands.flatMap { name, indices in
            [try ImageGridRow(label: "\(name): original", pixels: gather(originals, indices), count: shown),
             try ImageGridRow(label: "reconstruction", pixels: gather(reconstructions, indices), count: shown,
                              captions: indices.map { psnrCaption(psnr[$0]) })]
        }
        return try ImageGrid(rows: rows, imageHeight: imageHeight, imageWidth: imageWidth,
                             title: title ?? "Best and worst \(shown) reconstructions by PSNR")
    }

    /// "31.2 dB"; "∞ dB" for a perfect reconstruction.
    static func psnrCaption(_ value: Float) -> String {
        value.isInfinite && value > 0 ? "∞ dB" : String(format: "%.1f dB", Double(value))
    }
}
