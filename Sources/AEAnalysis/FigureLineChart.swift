import Foundation

/// One line of a line chart: y against x, with a legend name.
public struct LineSeries: Sendable {
    public let name: String
    public let x: [Double]
    public let y: [Double]
    /// The line colour; nil picks the categorical colour of the series' position.
    public let color: PlotColor?
    public let dashed: Bool

    /// Throws when `x` and `y` differ in length. Non-finite values leave a gap in the line.
    public init<T: BinaryFloatingPoint, U: BinaryFloatingPoint>(name: String, x: [T], y: [U], color: PlotColor? = nil,
                                                                dashed: Bool = false) throws {
        guard x.count == y.count else {
            throw PlotError("line series '\(name)': \(x.count) x values but \(y.count) y values")
        }
        self.name = name
        self.x = x.map { Double($0) }
        self.y = y.map { Double($0) }
        self.color = color
        self.dashed = dashed
    }
}

/// Lines on shared axes with a legend: loss per epoch, PSNR against noise level, and so on.
/// Points are marked with dots when a series has few of them.
public struct LineChart: Figure {
    public let title: String?
    public let xLabel: String
    public let yLabel: String
    public let series: [LineSeries]
    /// Logarithmic y axis (values ≤ 0 are not drawn).
    public let logY: Bool
    /// Logarithmic x axis (values ≤ 0 are not drawn): sizes spread over decades, such as latent widths.
    public let logX: Bool
    /// x ticks on whole numbers only (epochs, counts).
    public let integerX: Bool

    /// Series with at most this many points get a dot at each point.
    public static let markerLimit = 60

    /// Throws when there is no series, or when `logY` (`logX`) is set and no series has a positive finite y (x).
    public init(series: [LineSeries], title: String? = nil, xLabel: String = "", yLabel: String = "",
                logY: Bool = false, logX: Bool = false, integerX: Bool = false) throws {
        guard !series.isEmpty else { throw PlotError("line chart '\(title ?? "")': no series to draw") }
        if logY, !series.contains(where: { $0.y.contains { $0 > 0 && $0.isFinite } }) {
            throw PlotError("line chart '\(title ?? "")': a log-scale y axis needs positive values")
        }
        if logX, !series.contains(where: { $0.x.contains { $0 > 0 && $0.isFinite } }) {
            throw PlotError("line chart '\(title ?? "")': a log-scale x axis needs positive values")
        }
        self.series = series
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logY = logY
        self.logX = logX
        self.integerX = integerX
    }

    public var preferredSize: (width: Int, height: Int) { (800, 560) }

    private func color(of index: Int) -> PlotColor { series[index].color ?? .category(index) }

    private func dash(of index: Int) -> [Double] { series[index].dashed ? [7, 5] : [] }

    public func draw(on canvas: PlotCanvas, in rect: PlotRect) {
        // Only points with both coordinates usable set the ranges.
        let usable = series.flatMap { s in
            zip(s.x, s.y).filter { $0.0.isFinite && $0.1.isFinite && (!logY || $0.1 > 0) && (!logX || $0.0 > 0) }
        }
        let entries = series.indices.map { LegendEntry(label: series[$0].name, color: color(of: $0), marker: .line(dash: dash(of: $0))) }
        let axes = CartesianAxes(on: canvas, in: rect, title: title, xLabel: xLabel, yLabel: yLabel,
                                 x: AxisScale(covering: usable.map(\.0), padding: 0.03, logarithmic: logX, integral: integerX),
                                 y: AxisScale(covering: usable.map(\.1), padding: 0.06, logarithmic: logY),
                                 legend: series.count > 1 || !series[0].name.isEmpty ? entries : [],
                                 legendPlacement: .insideClearestOf(lines: series.map { s in zip(s.x, s.y).map { ($0, $1) } }))
        axes.drawUnderlay(on: canvas)
        canvas.clipped(to: axes.plotArea) {
            for (index, s) in series.enumerated() {
                let points = zip(s.x, s.y).map { axes.point($0, $1) }
                canvas.polyline(points, color(of: index), lineWidth: 2 * axes.style.scale,
                                dash: dash(of: index).map { $0 * axes.style.scale })
                guard points.count <= Self.markerLimit else { continue }
                for p in points where p.x.isFinite && p.y.isFinite {
                    canvas.fillCircle(center: p, radius: 2.8 * axes.style.scale, color(of: index))
                }
            }
        }
        axes.drawOverlay(on: canvas, figure: rect)
    }
}
