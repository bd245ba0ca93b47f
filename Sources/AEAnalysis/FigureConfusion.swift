import Foundation

/// A confusion-matrix heatmap: rows are true classes, columns predicted ones, each cell shows its count.
///
/// Cells are shaded by the fraction of their row (the recall of the true class for diagonal cells), so a
/// small class is as readable as a large one. Counts are printed when the cells are big enough; the title
/// carries the overall accuracy (diagonal sum / total).
public struct ConfusionMatrixPlot: Figure {
    /// Row-major K×K counts, `counts[t * K + p]` = examples of true class t predicted as p.
    public let counts: [Int64]
    public let classCount: Int
    public let classNames: [String]
    public let title: String

    /// Throws when `counts` is not a square matrix, a count is negative, or `classNames` (when given) does
    /// not hold one name per class.
    public init(counts: [Int64], classNames: [String]? = nil, title: String = "Confusion matrix") throws {
        let k = Int(Double(counts.count).squareRoot().rounded())
        guard k > 0, k * k == counts.count else {
            throw PlotError("confusion matrix: \(counts.count) counts do not form a square K×K matrix")
        }
        if let bad = counts.first(where: { $0 < 0 }) { throw PlotError("confusion matrix: negative count \(bad)") }
        if let names = classNames, names.count != k {
            throw PlotError("confusion matrix: \(k) classes but \(names.count) class names")
        }
        self.counts = counts
        self.classCount = k
        self.classNames = classNames ?? (0..<k).map(String.init)
        self.title = title
    }

    /// Diagonal sum over total; NaN for an all-zero matrix.
    public var accuracy: Double {
        let total = counts.reduce(0, +)
        let correct = (0..<classCount).reduce(Int64(0)) { $0 + counts[$1 * classCount + $1] }
        return total == 0 ? .nan : Double(correct) / Double(total)
    }

    public var preferredSize: (width: Int, height: Int) {
        let side = min(max(360 + 56 * classCount, 560), 2400)
        return (side + 60, side)
    }

    /// The row fraction of cell (t, p): 0 for an empty row.
    private func shade(_ t: Int, _ p: Int) -> Double {
        let rowTotal = counts[t * classCount..<(t + 1) * classCount].reduce(0, +)
        return rowTotal == 0 ? 0 : Double(counts[t * classCount + p]) / Double(rowTotal)
    }

    public func draw(on canvas: PlotCanvas, in rect: PlotRect) {
        let style = PlotStyle(fitting: rect)
        let k = Double(classCount)
        let nameSize = style.tickSize
        let widestName = classNames.map { canvas.textWidth($0, size: nameSize) }.max() ?? 0
        let nameHeight = canvas.lineHeight(size: nameSize)
        let axisLabelHeight = canvas.lineHeight(size: style.labelSize)
        let top = style.titleSize * 1.3 + 4 * style.gap
        let left = 2 * style.gap + axisLabelHeight + style.gap + widestName + style.gap
        /// The cell side when the column names take `namesHeight` below the matrix.
        func cellSide(namesHeight: Double) -> Double {
            let bottom = style.gap + namesHeight + style.gap + axisLabelHeight + 2 * style.gap
            return max(1, min((rect.width - left - 3 * style.gap) / k, (rect.height - top - bottom) / k))
        }
        // Column names lie flat when they fit under their cells, and are turned upright otherwise.
        var cell = cellSide(namesHeight: nameHeight)
        let upright = widestName > cell * 0.95
        if upright { cell = cellSide(namesHeight: widestName) }
        let matrix = PlotRect(x: rect.x + left, y: rect.y + top, width: cell * k, height: cell * k)
        let countSize = min(cell * 0.32, style.tickSize * 1.2)
        let printCounts = countSize >= 7 && canvas.textWidth(String(counts.max() ?? 0), size: countSize) < cell * 0.92

        for t in 0..<classCount {
            for p in 0..<classCount {
                let box = PlotRect(x: matrix.x + Double(p) * cell, y: matrix.y + Double(t) * cell, width: cell, height: cell)
                let color = PlotColor.sequential(shade(t, p))
                canvas.fill(box, color)
                if printCounts {
                    canvas.text(String(counts[t * classCount + p]), at: (box.midX, box.midY), size: countSize,
                                color: color.luminance < 0.5 ? .white : .text, align: .center, baseline: .middle)
                }
            }
        }
        canvas.stroke(matrix, .axis)
        for (i, name) in classNames.enumerated() {
            let centre = Double(i) * cell + cell / 2
            canvas.text(name, at: (matrix.x - style.gap, matrix.y + centre), size: nameSize, align: .trailing, baseline: .middle)
            if upright {
                canvas.text(name, at: (matrix.x + centre, matrix.maxY + style.gap), size: nameSize,
                            align: .trailing, baseline: .middle, angle: .pi / 2)
            } else {
                canvas.text(name, at: (matrix.x + centre, matrix.maxY + style.gap), size: nameSize, align: .center, baseline: .top)
            }
        }
        let namesHeight = upright ? widestName : nameHeight
        canvas.text("Predicted class", at: (matrix.midX, matrix.maxY + 2 * style.gap + namesHeight), size: style.labelSize,
                    align: .center, baseline: .top)
        canvas.text("True class", at: (rect.x + 2 * style.gap, matrix.midY), size: style.labelSize,
                    align: .center, baseline: .top, angle: .pi / 2)
        let accuracyText = accuracy.isNaN ? "" : String(format: " (accuracy %.2f%%)", 100 * accuracy)
        canvas.text(title + accuracyText, at: (matrix.midX, rect.y + 2 * style.gap), size: style.titleSize, bold: true,
                    align: .center, baseline: .top)
    }
}
