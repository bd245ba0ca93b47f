import Foundation

/// Axis tick positions and labels.
///
/// Linear ticks are the multiples of a "nice" step — 1, 2 or 5 × 10^k — inside the range, with the step
/// chosen so that the count is closest to a target (Heckbert, "Nice numbers for graph labels", 1990).
/// Logarithmic ticks are the powers of ten inside the range, with 2× and 5× multiples added when the range
/// spans less than two decades.
public enum PlotTicks {
    /// The nice step (1, 2 or 5 × 10^k) whose tick count over `span` is closest to `target`.
    /// `span` must be positive and finite; a `target` below 1 is treated as 1.
    public static func niceStep(span: Double, target: Int) -> Double {
        precondition(span > 0 && span.isFinite, "tick span must be positive and finite, got \(span)")
        let raw = span / Double(max(1, target))
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let candidates = [1.0, 2, 5, 10].map { $0 * magnitude }
        return candidates.min { abs(span / $0 - Double(target)) < abs(span / $1 - Double(target)) }!
    }

    /// The multiples of a nice step inside [lo, hi] (ends included up to rounding), about `target` of them;
    /// the step is at least `minimumStep` (1 keeps ticks on whole numbers, e.g. epochs).
    /// Values within 1e-9 steps of zero are exactly 0. An empty, reversed or non-finite range gives [].
    /// A zero-width range gives that one value.
    public static func linear(from lo: Double, to hi: Double, target: Int = 6, minimumStep: Double = 0) -> [Double] {
        guard lo.isFinite, hi.isFinite, lo <= hi else { return [] }
        guard hi > lo else { return [lo] }
        let step = max(niceStep(span: hi - lo, target: target), minimumStep)
        let first = (lo / step - 1e-9).rounded(.up), last = (hi / step + 1e-9).rounded(.down)
        guard first <= last else { return [] }
        return stride(from: first, through: last, by: 1).map { k in
            let v = k * step
            return abs(v) < step * 1e-9 ? 0 : v
        }
    }

    /// Ticks for a log-scaled axis over [lo, hi] (both > 0): powers of ten; when fewer than three fall
    /// inside, their 1-2-5 multiples, then all their 1…9 multiples; linear ticks when even those are too few.
    public static func logarithmic(from lo: Double, to hi: Double) -> [Double] {
        guard lo > 0, hi.isFinite, lo <= hi else { return [] }
        let inside = { (v: Double) in v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) }
        let firstDecade = Int(log10(lo).rounded(.down)), lastDecade = Int(log10(hi).rounded(.up))
        let decades = (firstDecade...lastDecade).map { pow(10, Double($0)) }
        let powers = decades.filter(inside)
        if powers.count >= 3 { return thinned(powers, to: 8) }
        for multiples in [[1.0, 2, 5], Array(stride(from: 1.0, through: 9, by: 1))] {
            let dense = decades.flatMap { d in multiples.map { $0 * d } }.filter(inside)
            if dense.count >= 3 { return thinned(dense, to: 8) }
        }
        return linear(from: lo, to: hi, target: 4).filter { $0 > 0 }
    }

    /// Every k-th value so that at most `limit` remain (keeps the first).
    static func thinned(_ values: [Double], to limit: Int) -> [Double] {
        let every = (values.count + limit - 1) / limit
        return every <= 1 ? values : values.enumerated().filter { $0.offset % every == 0 }.map(\.element)
    }

    /// The label of a linear tick `value` on an axis whose ticks are `step` apart: just enough decimals to
    /// tell neighbouring ticks apart; scientific notation for very large or very small magnitudes.
    /// Never prints "-0".
    public static func label(_ value: Double, step: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        if value == 0 { return "0" }
        let magnitude = max(abs(value), step)
        if magnitude >= 1e6 || magnitude < 1e-4 {
            let digits = max(0, Int((log10(magnitude) - log10(step)).rounded(.down)))
            return String(format: "%.\(min(digits, 6))e", value)
        }
        let text = String(format: "%.\(decimals(for: step))f", value)
        return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
    }

    /// The fewest decimals (at most 8) that write multiples of `step` exactly: 1 for 0.2, 2 for 0.25, 0 for 2.5e3.
    static func decimals(for step: Double) -> Int {
        guard step > 0, step.isFinite else { return 2 }
        var d = max(0, Int((-log10(step) - 1e-9).rounded(.up)))
        while d < 8 {
            let scaled = step * pow(10, Double(d))
            if abs(scaled - scaled.rounded()) <= 1e-6 * scaled { break }
            d += 1
        }
        return d
    }

    /// Labels for linear ticks (as made by `linear`): each with the decimals the tick spacing needs.
    public static func labels(_ ticks: [Double]) -> [String] {
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : (ticks.first.map { abs($0) } ?? 1)
        return ticks.map { label($0, step: step == 0 ? 1 : step) }
    }

    /// Labels for logarithmic ticks: shortest round-trip form ("0.01", "200", "1e-06").
    public static func logLabels(_ ticks: [Double]) -> [String] {
        ticks.map { String(format: "%g", $0) }
    }
}

/// The data range one axis shows, and how it maps values onto [0, 1].
public struct AxisScale: Equatable, Sendable {
    public let lower: Double
    public let upper: Double
    public let logarithmic: Bool
    /// Ticks only on whole numbers (counts, epochs).
    public let integral: Bool

    /// Covers the finite values of `values` (only positive ones when `logarithmic`), padded by `padding`
    /// of the span on each side (in log space for log axes). No usable value gives [0, 1] (or [1, 10]);
    /// a single distinct value v gives a range around v.
    public init<S: Sequence>(covering values: S, padding: Double = 0.05, logarithmic: Bool = false, integral: Bool = false)
    where S.Element: BinaryFloatingPoint {
        self.logarithmic = logarithmic
        self.integral = integral
        var lo = Double.infinity, hi = -Double.infinity
        for value in values {
            let v = Double(value)
            guard v.isFinite, !logarithmic || v > 0 else { continue }
            let t = logarithmic ? log10(v) : v
            lo = min(lo, t); hi = max(hi, t)
        }
        if lo > hi { (lo, hi) = (0, 1) }
        if lo == hi {
            let half = logarithmic ? 0.5 : max(abs(lo) * 0.1, 0.5)
            (lo, hi) = (lo - half, hi + half)
        }
        let pad = (hi - lo) * padding
        (lo, hi) = (lo - pad, hi + pad)
        lower = logarithmic ? pow(10, lo) : lo
        upper = logarithmic ? pow(10, hi) : hi
    }

    /// An explicit range, lower < upper (both > 0 when `logarithmic`).
    public init(lower: Double, upper: Double, logarithmic: Bool = false, integral: Bool = false) {
        precondition(lower < upper && (!logarithmic || lower > 0), "bad axis range \(lower)…\(upper)")
        self.lower = lower; self.upper = upper; self.logarithmic = logarithmic; self.integral = integral
    }

    /// 0 at `lower`, 1 at `upper`; NaN for values a log axis cannot show.
    public func fraction(_ value: Double) -> Double {
        if logarithmic {
            guard value > 0 else { return .nan }
            return (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
        }
        return (value - lower) / (upper - lower)
    }

    /// Tick positions and their labels for this axis.
    public func ticks(target: Int = 6) -> [(value: Double, label: String)] {
        if logarithmic {
            let t = PlotTicks.logarithmic(from: lower, to: upper)
            return Array(zip(t, PlotTicks.logLabels(t)))
        }
        let t = PlotTicks.linear(from: lower, to: upper, target: target, minimumStep: integral ? 1 : 0)
        return Array(zip(t, PlotTicks.labels(t)))
    }
}
