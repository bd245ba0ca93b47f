import Foundation

/// Where a chart puts its legend.
public enum LegendPlacement: Sendable {
    /// Inside the plot area, in the corner (top right, top left, bottom right, bottom left: the first of the
    /// clearest) where the legend hides the least of these lines, given in data coordinates.
    case insideClearestOf(lines: [[(x: Double, y: Double)]])
    /// To the right of the plot area, in as many columns as needed (many classes).
    case outsideRight
}

/// The frame of a 2-D chart inside a figure rectangle: title, plot area, ticks, tick labels, axis labels,
/// grid and legend. Drawing goes in two passes around the data: `drawUnderlay` (background, grid) and
/// `drawOverlay` (frame, ticks, labels, legend), so data never hides the axes.
struct CartesianAxes {
    let title: String?
    let xLabel: String
    let yLabel: String
    let x: AxisScale
    let y: AxisScale
    let legend: PlotLegend?
    let legendPlacement: LegendPlacement
    let style: PlotStyle
    /// Where data is drawn.
    let plotArea: PlotRect

    private let xTicks: [(value: Double, label: String)]
    private let yTicks: [(value: Double, label: String)]

    /// Lays out the chart in `rect`; tick labels and the legend are measured on `canvas`.
    init(on canvas: PlotCanvas, in rect: PlotRect, title: String?, xLabel: String, yLabel: String,
         x: AxisScale, y: AxisScale, legend entries: [LegendEntry], legendPlacement: LegendPlacement) {
        let style = PlotStyle(fitting: rect)
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.x = x
        self.y = y
        self.style = style
        self.legendPlacement = legendPlacement
        self.legend = entries.isEmpty ? nil : PlotLegend(entries: entries, style: style)
        let xTicks = x.ticks(target: max(2, Int(rect.width / (90 * style.scale))))
        let yTicks = y.ticks(target: max(2, Int(rect.height / (70 * style.scale))))
        self.xTicks = xTicks
        self.yTicks = yTicks

        let widestYTick = yTicks.map { canvas.textWidth($0.label, size: style.tickSize) }.max() ?? 0
        let top = title == nil ? 2 * style.gap : style.titleSize * 1.3 + 3 * style.gap
        let left = 2 * style.gap + (yLabel.isEmpty ? 0 : canvas.lineHeight(size: style.labelSize) + style.gap)
            + widestYTick + style.gap + style.tickLength
        let bottom = style.tickLength + style.gap + canvas.lineHeight(size: style.tickSize)
            + (xLabel.isEmpty ? 0 : style.gap + canvas.lineHeight(size: style.labelSize)) + 2 * style.gap
        var right = 3 * style.gap
        if let legend = self.legend, case .outsideRight = legendPlacement {
            right += legend.size(on: canvas, maxHeight: rect.height - top - bottom).width + 2 * style.gap
        }
        plotArea = rect.inset(top: top, left: left, bottom: bottom, right: right)
    }

    /// The pixel position of data point (x, y); NaN coordinates for points a log axis cannot show.
    func point(_ px: Double, _ py: Double) -> (x: Double, y: Double) {
        (plotArea.x + x.fraction(px) * plotArea.width, plotArea.maxY - y.fraction(py) * plotArea.height)
    }

    /// The plot background and the grid lines at the ticks.
    func drawUnderlay(on canvas: PlotCanvas) {
        canvas.fill(plotArea, PlotColor(hex: 0xFCFCFC))
        for tick in xTicks {
            let px = point(tick.value, y.lower).x.rounded() + 0.5
            canvas.line(from: (px, plotArea.y), to: (px, plotArea.maxY), .grid)
        }
        for tick in yTicks {
            let py = point(x.lower, tick.value).y.rounded() + 0.5
            canvas.line(from: (plotArea.x, py), to: (plotArea.maxX, py), .grid)
        }
    }

    /// Frame, ticks, tick labels, axis labels, title and legend.
    func drawOverlay(on canvas: PlotCanvas, figure rect: PlotRect) {
        canvas.stroke(plotArea, .axis)
        let labelGap = style.tickLength + style.gap / 2
        for tick in xTicks {
            let px = point(tick.value, y.lower).x.rounded() + 0.5
            canvas.line(from: (px, plotArea.maxY), to: (px, plotArea.maxY + style.tickLength), .axis)
            canvas.text(tick.label, at: (px, plotArea.maxY + labelGap), size: style.tickSize, align: .center, baseline: .top)
        }
        for tick in yTicks {
            let py = point(x.lower, tick.value).y.rounded() + 0.5
            canvas.line(from: (plotArea.x - style.tickLength, py), to: (plotArea.x, py), .axis)
            canvas.text(tick.label, at: (plotArea.x - labelGap, py), size: style.tickSize, align: .trailing, baseline: .middle)
        }
        if !xLabel.isEmpty {
            canvas.text(xLabel, at: (plotArea.midX, rect.maxY - 2 * style.gap), size: style.labelSize,
                        align: .center, baseline: .bottom)
        }
        if !yLabel.isEmpty {
            canvas.text(yLabel, at: (rect.x + 2 * style.gap, plotArea.midY), size: style.labelSize,
                        align: .center, baseline: .top, angle: .pi / 2)
        }
        if let title {
            canvas.text(title, at: (plotArea.midX, rect.y + 2 * style.gap), size: style.titleSize, bold: true,
                        align: .center, baseline: .top)
        }
        drawLegend(on: canvas)
    }

    private func drawLegend(on canvas: PlotCanvas) {
        guard let legend else { return }
        switch legendPlacement {
        case .insideClearestOf(let lines):
            let maxHeight = plotArea.height - 2 * style.gap
            let size = legend.size(on: canvas, maxHeight: maxHeight)
            let left = plotArea.x + style.gap, right = plotArea.maxX - size.width - style.gap
            let top = plotArea.y + style.gap, bottom = plotArea.maxY - size.height - style.gap
            let corners = [(right, top), (left, top), (right, bottom), (left, bottom)]
            let samples = lineSamples(lines)
            let hidden = corners.map { corner in
                samples.filter { p in
                    p.x >= corner.0 && p.x <= corner.0 + size.width && p.y >= corner.1 && p.y <= corner.1 + size.height
                }.count
            }
            let best = hidden.indices.min { (hidden[$0], $0) < (hidden[$1], $1) }!
            legend.draw(on: canvas, at: corners[best], maxHeight: maxHeight)
        case .outsideRight:
            legend.draw(on: canvas, at: (plotArea.maxX + 2 * style.gap, plotArea.y), maxHeight: plotArea.height)
        }
    }

    /// Pixel positions along `lines` (data coordinates), a few per pixel-space segment, so that a legend
    /// over a long straight segment counts as covering it; points a log axis cannot show are left out.
    private func lineSamples(_ lines: [[(x: Double, y: Double)]]) -> [(x: Double, y: Double)] {
        var samples: [(x: Double, y: Double)] = []
        for line in lines {
            let points = line.map { point($0.x, $0.y) }.filter { $0.x.isFinite && $0.y.isFinite }
            samples += points
            for (a, b) in zip(points, points.dropFirst()) {
                let steps = Int(min(200, max(abs(b.x - a.x), abs(b.y - a.y)) / 4))
                for i in stride(from: 1, to: steps, by: 1) {
                    let t = Double(i) / Double(steps)
                    samples.append((a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)))
                }
            }
        }
        return samples
    }
}
