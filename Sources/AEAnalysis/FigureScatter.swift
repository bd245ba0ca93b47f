import Foundation

/// A scatter plot of 2-D points (an embedding), coloured by class label, with a legend of class names.
///
/// Points are drawn in a fixed pseudo-random order rather than class by class, so no class systematically
/// hides another where they overlap; the dot size and opacity shrink as the number of points grows.
public struct ScatterPlot: Figure {
    public let title: String?
    public let xLabel: String
    public let yLabel: String
    public let x: [Double]
    public let y: [Double]
    /// One class per point (≥ 0), or nil for a single colour without legend.
    public let labels: [Int32]?
    /// The name of each class (index = label); classes without a name are shown by number.
    public let classNames: [String]

    /// Points (x[i], y[i]) with optional class `labels`. Throws when the arrays differ in length, a label is
    /// negative, or `classNames` is given but has no name for some label.
    public init<T: BinaryFloatingPoint>(x: [T], y: [T], labels: [Int32]? = nil, classNames: [String]? = nil,
                                        title: String? = nil, xLabel: String = "", yLabel: String = "") throws {
        guard x.count == y.count else { throw PlotError("scatter: \(x.count) x values but \(y.count) y values") }
        if let labels {
            guard labels.count == x.count else {
                throw PlotError("scatter: \(x.count) points but \(labels.count) labels")
            }
            if let bad = labels.first(where: { $0 < 0 }) { throw PlotError("scatter: negative class label \(bad)") }
            if let names = classNames, let top = labels.max(), Int(top) >= names.count {
                throw PlotError("scatter: label \(top) has no class name (\(names.count) names given)")
            }
        }
        self.x = x.map { Double($0) }
        self.y = y.map { Double($0) }
        self.labels = labels
        let classCount = Int(labels?.max() ?? -1) + 1
        self.classNames = classNames ?? (0..<classCount).map(String.init)
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// Points from the first two columns of a row-major N×`columns` matrix (e.g. a PCA projection).
    public init<T: BinaryFloatingPoint>(matrix: [T], columns: Int, labels: [Int32]? = nil, classNames: [String]? = nil,
                                        title: String? = nil, xLabel: String = "", yLabel: String = "") throws {
        guard columns >= 2, matrix.count % columns == 0 else {
            throw PlotError("scatter: need an N×k matrix with k ≥ 2, got \(matrix.count) values in \(columns) columns")
        }
        let rows = matrix.count / columns
        try self.init(x: (0..<rows).map { matrix[$0 * columns] }, y: (0..<rows).map { matrix[$0 * columns + 1] },
                      labels: labels, classNames: classNames, title: title, xLabel: xLabel, yLabel: yLabel)
    }

    public var preferredSize: (width: Int, height: Int) { (900, 720) }

    /// The colour of each class, and the legend entries of the classes present.
    private var legendEntries: [LegendEntry] {
        guard let labels else { return [] }
        return Set(labels).sorted().map {
            LegendEntry(label: classNames[Int($0)], color: .category(Int($0)), marker: .dot)
        }
    }

    /// Point indices in a fixed scrambled order (sorted by a hash of the index).
    private var drawingOrder: [Int] {
        x.indices.sorted { Self.scramble(UInt64($0)) < Self.scramble(UInt64($1)) }
    }

    private static func scramble(_ i: UInt64) -> UInt64 {
        var z = i &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public func draw(on canvas: PlotCanvas, in rect: PlotRect) {
        let axes = CartesianAxes(on: canvas, in: rect, title: title, xLabel: xLabel, yLabel: yLabel,
                                 x: AxisScale(covering: x), y: AxisScale(covering: y),
                                 legend: legendEntries, legendPlacement: .outsideRight)
        axes.drawUnderlay(on: canvas)
        let n = Double(max(1, x.count))
        let radius = min(max(3.2 * (1500 / n).squareRoot(), 0.9), 3.5) * axes.style.scale
        let alpha = x.count > 5000 ? 0.6 : 0.85
        canvas.clipped(to: axes.plotArea) {
            for i in drawingOrder where x[i].isFinite && y[i].isFinite {
                let color = labels.map { PlotColor.category(Int($0[i])) } ?? PlotColor.category(0)
                canvas.fillCircle(center: axes.point(x[i], y[i]), radius: radius, color.withAlpha(alpha))
            }
        }
        axes.drawOverlay(on: canvas, figure: rect)
    }
}
