import Foundation

/// Something drawable into a rectangle of a canvas: a chart, an image grid, a row of panels.
/// Conformers validate their data when built (throwing initialisers), so drawing itself cannot fail.
public protocol Figure {
    /// The size, in pixels, used when none is asked for.
    var preferredSize: (width: Int, height: Int) { get }
    /// Draws the whole figure (title included) inside `rect`.
    func draw(on canvas: PlotCanvas, in rect: PlotRect)
}

extension Figure {
    /// Draws the figure on a new white canvas of the given size (default: `preferredSize`).
    public func render(width: Int? = nil, height: Int? = nil) throws -> PlotCanvas {
        let canvas = try PlotCanvas(width: width ?? preferredSize.width, height: height ?? preferredSize.height)
        draw(on: canvas, in: canvas.bounds)
        return canvas
    }

    /// Renders and writes the figure as PNG (atomically: temporary file, then rename).
    public func writePNG(to path: String, width: Int? = nil, height: Int? = nil) throws {
        try render(width: width, height: height).writePNG(to: path)
    }
}

/// Several figures side by side, with an optional overall title; each panel gets an equal share of the width.
public struct FigureRow: Figure {
    public let title: String?
    public let panels: [any Figure]

    public init(title: String? = nil, panels: [any Figure]) throws {
        guard !panels.isEmpty else { throw PlotError("a figure row needs at least one panel") }
        self.title = title
        self.panels = panels
    }

    public var preferredSize: (width: Int, height: Int) {
        (panels.map(\.preferredSize.width).reduce(0, +),
         panels.map(\.preferredSize.height).max()! + (title == nil ? 0 : 36))
    }

    public func draw(on canvas: PlotCanvas, in rect: PlotRect) {
        var body = rect
        if let title {
            let style = PlotStyle(fitting: rect)
            canvas.text(title, at: (rect.midX, rect.y + 8 * style.scale), size: style.titleSize * 1.1, bold: true,
                        align: .center, baseline: .top)
            body = rect.inset(top: style.titleSize * 1.1 + 16 * style.scale)
        }
        let share = body.width / Double(panels.count)
        for (i, panel) in panels.enumerated() {
            panel.draw(on: canvas, in: PlotRect(x: body.x + Double(i) * share, y: body.y, width: share, height: body.height))
        }
    }
}

/// Font sizes and spacings for a figure, scaled with its size so large figures stay legible.
struct PlotStyle {
    /// 1 for a figure of about 480 pixels on its shorter side; between 0.75 and 2.5.
    let scale: Double

    init(fitting rect: PlotRect) {
        scale = min(max(min(rect.width, rect.height) / 480, 0.75), 2.5)
    }

    var titleSize: Double { 15 * scale }
    var labelSize: Double { 12.5 * scale }
    var tickSize: Double { 11 * scale }
    var legendSize: Double { 11 * scale }
    var tickLength: Double { 5 * scale }
    var gap: Double { 6 * scale }
}

/// How a legend entry marks its series.
public enum LegendMarker: Sendable, Equatable {
    /// A filled dot, as in a scatter plot.
    case dot
    /// A short line, dashed when `dash` is not empty, as in a line chart.
    case line(dash: [Double])
}

/// One row of a legend.
public struct LegendEntry: Sendable, Equatable {
    public var label: String
    public var color: PlotColor
    public var marker: LegendMarker
    public init(label: String, color: PlotColor, marker: LegendMarker) {
        self.label = label; self.color = color; self.marker = marker
    }
}

/// A boxed list of legend entries, laid out in as many columns as needed to fit a height.
struct PlotLegend {
    let entries: [LegendEntry]
    let style: PlotStyle

    private var rowHeight: Double { style.legendSize * 1.5 }
    private var swatchWidth: Double { style.legendSize * 1.8 }
    private var padding: Double { style.legendSize * 0.6 }

    /// Rows per column so that the box is at most `maxHeight` tall (at least one row).
    private func rowsPerColumn(maxHeight: Double) -> Int {
        max(1, min(entries.count, Int((maxHeight - 2 * padding) / rowHeight)))
    }

    private func columnWidth(on canvas: PlotCanvas) -> Double {
        let widest = entries.map { canvas.textWidth($0.label, size: style.legendSize) }.max() ?? 0
        return swatchWidth + style.gap + widest + padding
    }

    /// The box size when it may be at most `maxHeight` tall.
    func size(on canvas: PlotCanvas, maxHeight: Double) -> (width: Double, height: Double) {
        guard !entries.isEmpty else { return (0, 0) }
        let rows = rowsPerColumn(maxHeight: maxHeight)
        let columns = (entries.count + rows - 1) / rows
        return (Double(columns) * columnWidth(on: canvas) + padding, Double(rows) * rowHeight + 2 * padding)
    }

    /// Draws the box with its top-left corner at `origin`.
    func draw(on canvas: PlotCanvas, at origin: (x: Double, y: Double), maxHeight: Double) {
        guard !entries.isEmpty else { return }
        let box = size(on: canvas, maxHeight: maxHeight)
        let frame = PlotRect(x: origin.x, y: origin.y, width: box.width, height: box.height)
        canvas.fill(frame, PlotColor.white.withAlpha(0.88))
        canvas.stroke(frame, PlotColor(hex: 0xBBBBBB))
        let rows = rowsPerColumn(maxHeight: maxHeight)
        let columnWidth = columnWidth(on: canvas)
        for (i, entry) in entries.enumerated() {
            let x = origin.x + padding + Double(i / rows) * columnWidth
            let y = origin.y + padding + (Double(i % rows) + 0.5) * rowHeight
            switch entry.marker {
            case .dot:
                canvas.fillCircle(center: (x + swatchWidth / 2, y), radius: style.legendSize * 0.35, entry.color)
            case .line(let dash):
                canvas.line(from: (x, y), to: (x + swatchWidth, y), entry.color, lineWidth: 2 * style.scale,
                            dash: dash.map { $0 * style.scale })
            }
            canvas.text(entry.label, at: (x + swatchWidth + style.gap, y), size: style.legendSize,
                        align: .leading, baseline: .middle)
        }
    }
}
