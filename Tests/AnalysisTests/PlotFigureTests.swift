import AEAnalysis
import Foundation
import TestSupport
import XCTest

/// A fresh temporary directory, removed when the test ends.
func plotTemporaryDirectory(_ test: XCTestCase) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ae-plot-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
}

/// Checks the PNG at `path` byte by byte (signature, IHDR chunk first, its width and height), then decodes
/// it and checks it is not blank (many distinct colours). Returns the decoded pixels.
@discardableResult
func assertDrawnPNG(_ path: String, width: Int, height: Int, minimumColors: Int = 16,
                    file: StaticString = #filePath, line: UInt = #line) throws -> PlotRaster {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    XCTAssertGreaterThan(bytes.count, 33, "PNG too short", file: file, line: line)
    XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature", file: file, line: line)
    let bigEndian = { (offset: Int) in bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
    XCTAssertEqual(bigEndian(8), 13, "IHDR length", file: file, line: line)
    XCTAssertEqual(String(decoding: bytes[12..<16], as: UTF8.self), "IHDR", file: file, line: line)
    XCTAssertEqual(bigEndian(16), width, "IHDR width", file: file, line: line)
    XCTAssertEqual(bigEndian(20), height, "IHDR height", file: file, line: line)
    let raster = try PlotRaster(contentsOfPNG: path)
    XCTAssertEqual([raster.width, raster.height], [width, height], file: file, line: line)
    XCTAssertGreaterThanOrEqual(raster.distinctColors.count, minimumColors, "figure looks blank", file: file, line: line)
    return raster
}

/// The number of pixels within `tolerance` (per channel, 0–255) of `color` composited over white.
func pixelCount(_ raster: PlotRaster, near color: PlotColor, tolerance: Int = 3) -> Int {
    let a = color.alpha
    let composite = { (c: Double) in Int(((a * c + (1 - a)) * 255).rounded()) }
    let (r, g, b) = (composite(color.red), composite(color.green), composite(color.blue))
    var count = 0
    for p in raster.pixels
    where abs(Int((p >> 16) & 0xFF) - r) <= tolerance && abs(Int((p >> 8) & 0xFF) - g) <= tolerance
        && abs(Int(p & 0xFF) - b) <= tolerance {
        count += 1
    }
    return count
}

let fashionNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

final class PlotFigureTests: XCTestCase {
    /// Ten well-separated blobs of 40 points, label = blob.
    private func blobs() -> (x: [Float], y: [Float], labels: [Int32]) {
        var g = SeededGenerator(seed: 11)
        var x: [Float] = [], y: [Float] = [], labels: [Int32] = []
        for c in 0..<10 {
            for _ in 0..<40 {
                x.append(Float(c % 5) * 10 + Float.random(in: -1...1, using: &g))
                y.append(Float(c / 5) * 10 + Float.random(in: -1...1, using: &g))
                labels.append(Int32(c))
            }
        }
        return (x, y, labels)
    }

    func testScatterShowsEveryClassInItsOwnColour() throws {
        let (x, y, labels) = blobs()
        let plot = try ScatterPlot(x: x, y: y, labels: labels, classNames: fashionNames, title: "PCA of test latents",
                                   xLabel: "PC1 (23.4%)", yLabel: "PC2 (11.0%)")
        let path = try plotTemporaryDirectory(self) + "/scatter.png"
        try plot.writePNG(to: path, width: 640, height: 480)
        let raster = try assertDrawnPNG(path, width: 640, height: 480)
        for c in 0..<10 {
            XCTAssertGreaterThan(pixelCount(raster, near: .category(c).withAlpha(0.85)), 10, "class \(c) colour missing")
        }
        XCTAssertEqual(pixelCount(raster, near: .category(10).withAlpha(0.85)), 0, "a class that is not there was drawn")
    }

    func testCategoricalColoursAreDistinguishable() {
        let colors = (0..<49).map(PlotColor.category)
        for i in colors.indices {
            for j in colors.indices where j > i {
                let d = abs(colors[i].red - colors[j].red) + abs(colors[i].green - colors[j].green) + abs(colors[i].blue - colors[j].blue)
                XCTAssertGreaterThan(d, 0.05, "colours \(i) and \(j) are too close")
            }
        }
    }

    func testScatterRejectsInconsistentInput() {
        XCTAssertThrowsError(try ScatterPlot(x: [1.0, 2], y: [1.0]))
        XCTAssertThrowsError(try ScatterPlot(x: [1.0], y: [1.0], labels: [0, 1]))
        XCTAssertThrowsError(try ScatterPlot(x: [1.0], y: [1.0], labels: [-1]))
        XCTAssertThrowsError(try ScatterPlot(x: [1.0, 2], y: [1.0, 2], labels: [0, 3], classNames: ["a", "b"])) { error in
            XCTAssertTrue("\(error)".contains("label 3"), "\(error)")
        }
        XCTAssertThrowsError(try ScatterPlot(matrix: [1.0, 2, 3], columns: 2))
    }

    func testImageGridDrawsImagesCaptionsAndTitleAtItsPreferredSize() throws {
        // Row 1: black images; row 2: white images with a black diagonal, captioned.
        let side = 28, count = 5
        let black = [Float](repeating: 0, count: count * side * side)
        let diagonal = (0..<count * side * side).map { i -> Float in (i % (side * side)) / side == i % side ? 0 : 1 }
        let grid = try ImageGrid(rows: [try ImageGridRow(label: "original", pixels: black, count: count),
                                        try ImageGridRow(label: "reconstruction", pixels: diagonal, count: count,
                                                         captions: (0..<count).map { String(format: "%.1f dB", 30 + Double($0)) })],
                                 imageHeight: side, imageWidth: side, title: "Reconstructions")
        let size = grid.preferredSize
        let path = try plotTemporaryDirectory(self) + "/grid.png"
        try grid.writePNG(to: path)
        let raster = try assertDrawnPNG(path, width: size.width, height: size.height)
        let blackPixels = raster.pixels.filter { $0 & 0xFFFFFF == 0 }.count
        // Five 84×84 black images and five diagonals of 28 blocks of 3×3 pixels; text is never pure black.
        XCTAssertEqual(blackPixels, count * (84 * 84 + 28 * 9))
    }

    func testImageGridWrapsSamplesIntoRowsAndChecksSizes() throws {
        let samples = randomFloats(10 * 7 * 5, in: 0..<1, seed: 3)
        let grid = try ImageGrid(images: samples, count: 10, imageHeight: 7, imageWidth: 5, columns: 4, title: "Samples")
        XCTAssertEqual(grid.rows.map(\.count), [4, 4, 2])
        let path = try plotTemporaryDirectory(self) + "/samples.png"
        try grid.writePNG(to: path, width: 300, height: 200)
        try assertDrawnPNG(path, width: 300, height: 200)
        XCTAssertThrowsError(try ImageGrid(images: samples, count: 11, imageHeight: 7, imageWidth: 5, columns: 4))
        XCTAssertThrowsError(try ImageGridRow(pixels: [], count: 2, captions: ["one"]))
        XCTAssertThrowsError(try ImageGrid(rows: [], imageHeight: 7, imageWidth: 5))
    }

    func testBestAndWorstPicksImagesByPSNR() throws {
        // Image i is uniformly grey at i/10 and has PSNR i (image 4 has none).
        let size = 4 * 3, n = 10
        let originals = (0..<n * size).map { Float($0 / size) / 10 }
        let reconstructions = originals.map { 1 - $0 }
        var psnr = (0..<n).map(Float.init)
        psnr[4] = .nan
        let grid = try ImageGrid.bestAndWorst(originals: originals, reconstructions: reconstructions, psnr: psnr, k: 2,
                                              imageHeight: 4, imageWidth: 3)
        XCTAssertEqual(grid.rows.map(\.captions), [[], ["9.0 dB", "8.0 dB"], [], ["1.0 dB", "0.0 dB"]])
        XCTAssertEqual(grid.rows[0].pixels.first, 0.9)
        XCTAssertEqual(grid.rows[3].pixels.last, 1)
        let capped = try ImageGrid.bestAndWorst(originals: originals, reconstructions: reconstructions, psnr: psnr, k: 50,
                                                imageHeight: 4, imageWidth: 3)
        XCTAssertEqual(capped.rows.map(\.count), [4, 4, 4, 4], "9 usable images: at most 4 best and 4 worst")
        XCTAssertThrowsError(try ImageGrid.bestAndWorst(originals: originals, reconstructions: reconstructions,
                                                        psnr: [1, 2], k: 1, imageHeight: 4, imageWidth: 3))

        let pairs = try ImageGrid.comparison(originals: originals, reconstructions: reconstructions, count: n,
                                             imageHeight: 4, imageWidth: 3, psnr: psnr, columns: 6)
        XCTAssertEqual(pairs.rows.map(\.count), [6, 6, 4, 4])
        XCTAssertEqual(pairs.rows[3].captions.first, "6.0 dB")
        let path = try plotTemporaryDirectory(self) + "/pairs.png"
        try pairs.writePNG(to: path)
        try assertDrawnPNG(path, width: pairs.preferredSize.width, height: pairs.preferredSize.height)
    }

    func testLineChartDrawsEverySeriesOnALogAxis() throws {
        let epochs = (1...20).map(Double.init)
        let train = try LineSeries(name: "train", x: epochs, y: epochs.map { 0.1 / $0 })
        let val = try LineSeries(name: "validation", x: epochs, y: epochs.map { 0.12 / $0.squareRoot() }, dashed: true)
        let chart = try LineChart(series: [train, val], title: "Loss", xLabel: "epoch", yLabel: "MSE", logY: true)
        let path = try plotTemporaryDirectory(self) + "/loss.png"
        try chart.writePNG(to: path, width: 700, height: 500)
        let raster = try assertDrawnPNG(path, width: 700, height: 500)
        XCTAssertGreaterThan(pixelCount(raster, near: .category(0)), 50)
        XCTAssertGreaterThan(pixelCount(raster, near: .category(1)), 50)
    }

    func testLineChartRejectsWhatItCannotDraw() {
        XCTAssertThrowsError(try LineChart(series: []))
        XCTAssertThrowsError(try LineSeries(name: "a", x: [1.0, 2], y: [1.0]))
        XCTAssertThrowsError(try LineChart(series: [try LineSeries(name: "a", x: [1.0, 2], y: [-1.0, 0])], logY: true))
    }

    func testLineChartSurvivesGapsAndASinglePoint() throws {
        let gappy = try LineSeries(name: "PSNR", x: [0.0, 0.1, 0.2, 0.3], y: [30, .nan, 25, .infinity])
        let single = try LineSeries(name: "one", x: [1.0], y: [2.0])
        let path = try plotTemporaryDirectory(self) + "/gaps.png"
        try LineChart(series: [gappy, single], xLabel: "noise σ", yLabel: "PSNR (dB)").writePNG(to: path, width: 400, height: 300)
        try assertDrawnPNG(path, width: 400, height: 300)
    }

    /// The legend goes to a corner the lines leave free: the first clear one of top right, top left, … A rising
    /// line passes through the top right, so its legend (whose line sample has the series colour) is at the top
    /// left; a falling one leaves the top right free. On a log x axis as on a linear one.
    func testLineChartLegendAvoidsTheLines() throws {
        let dir = try plotTemporaryDirectory(self)
        for (rising, logX) in [(true, false), (false, false), (true, true)] {
            let x = (1...10).map(Double.init)
            let line = try LineSeries(name: "a series", x: x, y: x.map { rising ? $0 : 10 - $0 })
            let path = dir + "/legend-\(rising)-\(logX).png"
            try LineChart(series: [line], logX: logX).writePNG(to: path, width: 600, height: 400)
            let raster = try PlotRaster(contentsOfPNG: path)
            // Series-coloured pixels in the top 70 rows of the left and right quarters.
            let c = PlotColor.category(0)
            let target = [c.red, c.green, c.blue].map { Int(($0 * 255).rounded()) }
            func coloured(columns: Range<Int>) -> Int {
                var n = 0
                for row in 0..<70 {
                    for column in columns {
                        let p = raster.pixels[row * raster.width + column]
                        let rgb = [Int((p >> 16) & 0xFF), Int((p >> 8) & 0xFF), Int(p & 0xFF)]
                        if zip(rgb, target).allSatisfy({ abs($0 - $1) <= 3 }) { n += 1 }
                    }
                }
                return n
            }
            let left = coloured(columns: 0..<150), right = coloured(columns: 450..<600)
            XCTAssertGreaterThan(rising ? left : right, 8, "rising \(rising), log x \(logX): legend not in the clear corner")
        }
        XCTAssertThrowsError(try LineChart(series: [try LineSeries(name: "a", x: [-1.0, 0], y: [1.0, 2])], logX: true))
    }

    func testConfusionHeatmapShadesByRowAndReportsAccuracy() throws {
        var counts = [Int64](repeating: 3, count: 100)
        for c in 0..<10 { counts[c * 10 + c] = 900 }
        let plot = try ConfusionMatrixPlot(counts: counts, classNames: fashionNames)
        XCTAssertEqual(plot.accuracy, 9000.0 / 9270.0, accuracy: 1e-12)
        let path = try plotTemporaryDirectory(self) + "/confusion.png"
        try plot.writePNG(to: path, width: 800, height: 760)
        let raster = try assertDrawnPNG(path, width: 800, height: 760)
        let diagonalShade = PlotColor.sequential(900.0 / 927.0)
        XCTAssertGreaterThan(pixelCount(raster, near: diagonalShade, tolerance: 2), 10 * 400, "diagonal cells missing")
        XCTAssertThrowsError(try ConfusionMatrixPlot(counts: [1, 2, 3]))
        XCTAssertThrowsError(try ConfusionMatrixPlot(counts: [1, 2, 3, 4], classNames: ["a"]))
        XCTAssertThrowsError(try ConfusionMatrixPlot(counts: [1, -2, 3, 4]))
    }

    func testWritingIsAtomicAndCreatesFolders() throws {
        let dir = try plotTemporaryDirectory(self)
        let path = dir + "/nested/deeper/figure.png"
        let chart = try LineChart(series: [try LineSeries(name: "a", x: [0.0, 1], y: [0.0, 1])])
        try chart.writePNG(to: path, width: 200, height: 150)
        try assertDrawnPNG(path, width: 200, height: 150)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/nested/deeper"), ["figure.png"],
                       "temporary file left behind")
        // A path below a regular file cannot be created: a PlotError naming the path.
        XCTAssertThrowsError(try chart.writePNG(to: path + "/below-a-file.png")) { error in
            XCTAssertTrue(error is PlotError && "\(error)".contains("below-a-file.png"), "\(error)")
        }
        XCTAssertThrowsError(try chart.render(width: 0, height: 10))
    }

    func testBlankCanvasIsRecognisedAsBlank() throws {
        let path = try plotTemporaryDirectory(self) + "/blank.png"
        try PlotCanvas(width: 30, height: 20).writePNG(to: path)
        XCTAssertEqual(try PlotRaster(contentsOfPNG: path).distinctColors.count, 1)
        XCTAssertThrowsError(try PlotRaster(contentsOfPNG: path + ".missing"))
    }

    func testFigureRowPutsPanelsSideBySide() throws {
        let a = try LineChart(series: [try LineSeries(name: "a", x: [0.0, 1], y: [0.0, 1])], title: "left")
        let b = try ConfusionMatrixPlot(counts: [5, 1, 2, 7])
        let row = try FigureRow(title: "two panels", panels: [a, b])
        XCTAssertEqual(row.preferredSize.width, a.preferredSize.width + b.preferredSize.width)
        let path = try plotTemporaryDirectory(self) + "/row.png"
        try row.writePNG(to: path, width: 900, height: 400)
        let raster = try assertDrawnPNG(path, width: 900, height: 400)
        let rightHalfShades = (0..<400).flatMap { y in (450..<900).map { raster.pixel(x: $0, y: y) } }
        XCTAssertGreaterThan(Set(rightHalfShades).count, 16, "right panel is empty")
    }
}
