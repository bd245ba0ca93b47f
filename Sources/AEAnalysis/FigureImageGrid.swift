import Foundation

/// One row of an image grid: grayscale images with an optional row label and a caption under each image.
public struct ImageGridRow: Sendable {
    /// Shown left of the row (e.g. "original", "reconstruction"); empty for none.
    public let label: String
    /// `count` images, each `height`×`width`, row-major, values in [0, 1] (clamped when drawn).
    public let pixels: [Float]
    public let count: Int
    /// One caption per image (e.g. "31.2 dB"), or empty for none.
    public let captions: [String]

    /// Throws when `captions` is neither empty nor one per image.
    public init(label: String = "", pixels: [Float], count: Int, captions: [String] = []) throws {
        guard count >= 0 else { throw PlotError("image row '\(label)': negative image count \(count)") }
        guard captions.isEmpty || captions.count == count else {
            throw PlotError("image row '\(label)': \(count) images but \(captions.count) captions")
        }
        self.label = label
        self.pixels = pixels
        self.count = count
        self.captions = captions
    }
}

/// Rows of same-sized grayscale images: originals above reconstructions, best and worst reconstructions
/// with their PSNR, samples from a generator. Images are scaled with nearest-neighbour sampling, so each
/// source pixel stays a visible square.
public struct ImageGrid: Figure {
    public let title: String?
    public let rows: [ImageGridRow]
    public let imageHeight: Int
    public let imageWidth: Int
    /// Canvas pixels per image pixel at the preferred size.
    public let pixelScale: Int

    /// Throws when there are no images, an image size is not positive, or a row's pixel count is not
    /// `count × imageHeight × imageWidth`.
    public init(rows: [ImageGridRow], imageHeight: Int, imageWidth: Int, title: String? = nil, pixelScale: Int = 3) throws {
        guard imageHeight > 0, imageWidth > 0 else {
            throw PlotError("image grid: image size \(imageHeight)×\(imageWidth) must be positive")
        }
        guard rows.contains(where: { $0.count > 0 }) else { throw PlotError("image grid '\(title ?? "")': no images") }
        for row in rows where row.pixels.count != row.count * imageHeight * imageWidth {
            throw PlotError("image row '\(row.label)': \(row.pixels.count) pixels is not \(row.count) images of \(imageHeight)×\(imageWidth)")
        }
        guard pixelScale >= 1 else { throw PlotError("image grid: pixel scale must be ≥ 1, got \(pixelScale)") }
        self.rows = rows
        self.imageHeight = imageHeight
        self.imageWidth = imageWidth
        self.title = title
        self.pixelScale = pixelScale
    }

    /// `images` (`count`×`imageHeight`×`imageWidth`) wrapped into rows of `columns`, each image with its caption
    /// (if any) — e.g. 64 generated samples in 8 rows of 8.
    public init(images: [Float], count: Int, imageHeight: Int, imageWidth: Int, columns: Int, captions: [String] = [],
                title: String? = nil, pixelScale: Int = 3) throws {
        guard columns > 0 else { throw PlotError("image grid: columns must be positive, got \(columns)") }
        guard captions.isEmpty || captions.count == count else {
            throw PlotError("image grid: \(count) images but \(captions.count) captions")
        }
        let size = imageHeight * imageWidth
        guard images.count == count * size else {
            throw PlotError("image grid: \(images.count) pixels is not \(count) images of \(imageHeight)×\(imageWidth)")
        }
        let rows = try stride(from: 0, to: count, by: columns).map { start in
            let end = min(start + columns, count)
            return try ImageGridRow(pixels: Array(images[start * size..<end * size]), count: end - start,
                                    captions: captions.isEmpty ? [] : Array(captions[start..<end]))
        }
        try self.init(rows: rows, imageHeight: imageHeight, imageWidth: imageWidth, title: title, pixelScale: pixelScale)
    }

    private var columns: Int { rows.map(\.count).max() ?? 0 }
    private var hasCaptions: Bool { rows.contains { !$0.captions.isEmpty } }
    private var hasRowLabels: Bool { rows.contains { !$0.label.isEmpty } }

    /// Sizes derived from the cell (image) height, so text scales with the images.
    private struct Metrics {
        let cellWidth: Double, cellHeight: Double
        var gap: Double { max(3, cellHeight * 0.06) }
        var captionSize: Double { min(max(9, cellHeight * 0.16), 16) }
        var labelSize: Double { min(max(10, cellHeight * 0.17), 18) }
        var titleSize: Double { labelSize * 1.3 }
    }

    /// Width and height of the whole grid for a given cell size, and the width of the row-label column;
    /// `textWidth(label, fontSize)` measures a row label.
    private func extent(_ m: Metrics, textWidth: (String, Double) -> Double) -> (width: Double, height: Double, labels: Double) {
        let labels = hasRowLabels ? (rows.map { textWidth($0.label, m.labelSize) }.max() ?? 0) + 2 * m.gap : 0
        let captionHeight = hasCaptions ? m.captionSize * 1.4 : 0
        let titleHeight = title == nil ? 0 : m.titleSize * 1.6 + m.gap
        let width = labels + Double(columns) * (m.cellWidth + m.gap) + m.gap
        let height = titleHeight + Double(rows.count) * (m.cellHeight + captionHeight + m.gap) + 2 * m.gap
        return (width, height, labels)
    }

    public var preferredSize: (width: Int, height: Int) {
        let m = Metrics(cellWidth: Double(imageWidth * pixelScale), cellHeight: Double(imageHeight * pixelScale))
        // Row labels are measured on a scratch canvas (by an average glyph width of 0.6 em if that fails).
        let scratch = try? PlotCanvas(width: 1, height: 1)
        let e = extent(m) { label, size in scratch?.textWidth(label, size: size) ?? Double(label.count) * size * 0.6 }
        return (Int(max(e.width, 240).rounded(.up)), Int(e.height.rounded(.up)))
    }

    public func draw(on canvas: PlotCanvas, in rect: PlotRect) {
        // Largest cell size at which everything fits in `rect` (extent grows linearly with the cell size).
        let unit = Metrics(cellWidth: Double(imageWidth), cellHeight: Double(imageHeight))
        let measure = { (label: String, size: Double) in canvas.textWidth(label, size: size) }
        var factor = 1.0
        for _ in 0..<4 {  // the fonts are clamped, so refine a few times instead of solving exactly
            let m = Metrics(cellWidth: unit.cellWidth * factor, cellHeight: unit.cellHeight * factor)
            let e = extent(m, textWidth: measure)
            factor *= min(rect.width / e.width, rect.height / e.height)
        }
        // Whole-pixel cells keep the image pixels evenly sized.
        let whole = { (side: Double) in side * factor >= 1 ? (side * factor + 1e-6).rounded(.down) : side * factor }
        let m = Metrics(cellWidth: whole(unit.cellWidth), cellHeight: whole(unit.cellHeight))
        let e = extent(m, textWidth: measure)
        let origin = (x: (rect.x + max(0, (rect.width - e.width) / 2)).rounded(), y: (rect.y + m.gap).rounded())
        var y = origin.y
        if let title {
            canvas.text(title, at: (rect.midX, y), size: m.titleSize, bold: true, align: .center, baseline: .top)
            y += m.titleSize * 1.6 + m.gap
        }
        let captionHeight = hasCaptions ? m.captionSize * 1.4 : 0
        let size = imageHeight * imageWidth
        for row in rows {
            canvas.text(row.label, at: (origin.x + m.gap, y + m.cellHeight / 2), size: m.labelSize, align: .leading, baseline: .middle)
            for i in 0..<row.count {
                let cell = PlotRect(x: (origin.x + e.labels + m.gap + Double(i) * (m.cellWidth + m.gap)).rounded(),
                                    y: y.rounded(), width: m.cellWidth, height: m.cellHeight)
                canvas.drawGrayImage(row.pixels[i * size..<(i + 1) * size], width: imageWidth, height: imageHeight, in: cell)
                // A hairline frame just outside the image, so no image pixel is covered.
                canvas.stroke(cell.inset(top: -1, left: -1), PlotColor(hex: 0xCCCCCC))
                if !row.captions.isEmpty {
                    canvas.text(row.captions[i], at: (cell.midX, cell.maxY + m.captionSize * 0.25), size: m.captionSize,
                                align: .center, baseline: .top)
                }
            }
            y += m.cellHeight + captionHeight + m.gap
        }
    }
}
