import AEData
import Foundation

/// A table of a study summary, written as CSV and as a Markdown table. Cells are preformatted strings
/// (fixed decimals), so the same runs always give byte-identical tables.
public struct StudyTable: Equatable, Sendable {
    public var title: String
    /// File stem of the CSV (`summary` → `summary.csv`).
    public var name: String
    public var columns: [String]
    public var rows: [[String]]

    public init(title: String, name: String, columns: [String], rows: [[String]]) {
        self.title = title
        self.name = name
        self.columns = columns
        self.rows = rows
    }

    /// RFC 4180 CSV: fields with commas, quotes or newlines are quoted.
    public var csv: String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        return ([columns] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// A GitHub Markdown table under a `###` heading.
    public var markdown: String {
        let line = { (cells: [String]) in "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |" }
        return (["### \(title)", "", line(columns), line(columns.map { _ in "---" })] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}

/// What a study summary consists of: tables (the first is the main one, `summary.csv`), figures already
/// written into the study folder, and free-text notes.
public struct StudyReport: Sendable {
    public var title: String
    public var tables: [StudyTable]
    /// (caption, file name relative to the study folder).
    public var figures: [(caption: String, file: String)]
    public var notes: [String]

    public init(title: String, tables: [StudyTable], figures: [(caption: String, file: String)] = [], notes: [String] = []) {
        self.title = title
        self.tables = tables
        self.figures = figures
        self.notes = notes
    }

    /// The Markdown summary: notes, tables, then figures.
    public var markdown: String {
        var parts = ["# \(title)", ""]
        parts += notes.map { "\($0)\n" }
        parts += tables.map(\.markdown)
        parts += figures.map { "![\($0.caption)](\($0.file))\n" }
        return parts.joined(separator: "\n")
    }

    /// Writes `summary.md` and one CSV per table into `folder`; returns the written paths.
    @discardableResult
    public func write(to folder: String) throws -> [String] {
        var written: [String] = []
        for table in tables {
            let path = "\(folder)/\(table.name).csv"
            try writeTextAtomically(table.csv, to: path)
            written.append(path)
        }
        let md = "\(folder)/summary.md"
        try writeTextAtomically(markdown, to: md)
        return written + [md]
    }
}

/// Fixed-decimal formatting for table cells; NaN (a missing metric) prints as `nan`.
func cell(_ value: Double, _ decimals: Int = 2) -> String {
    value.isNaN ? "nan" : String(format: "%.\(decimals)f", value)
}

/// `mean ± std` with fixed decimals.
func cell(_ mean: Double, _ std: Double, _ decimals: Int = 2) -> String { "\(cell(mean, decimals)) ± \(cell(std, decimals))" }

/// Mean and sample standard deviation (0 for one value, NaN for none).
func meanAndStd(_ values: [Double]) -> (mean: Double, std: Double) {
    guard !values.isEmpty else { return (.nan, .nan) }
    let mean = values.reduce(0, +) / Double(values.count)
    guard values.count > 1 else { return (mean, 0) }
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
    return (mean, variance.squareRoot())
}

extension Array where Element == RunResult {
    /// Sorted by `key`, best first (`descending` for PSNR and accuracy), NaN last, ties by run id.
    func ranked(by key: (RunResult) -> Double, descending: Bool) -> [RunResult] {
        sorted { a, b in
            let x = key(a), y = key(b)
            if x.isNaN != y.isNaN { return !x.isNaN }
            if x != y, !x.isNaN { return descending ? x > y : x < y }
            return a.run.id < b.run.id
        }
    }
}
