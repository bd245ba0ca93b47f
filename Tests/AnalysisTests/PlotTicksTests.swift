import AEAnalysis
import TestSupport
import XCTest

/// Tick positions, labels and axis ranges.
final class PlotTicksTests: XCTestCase {
    func testNiceStepIsOneTwoOrFiveTimesAPowerOfTenAndNearTheTargetCount() {
        var g = SeededGenerator(seed: 6)
        for _ in 0..<500 {
            let span = pow(10, Double.random(in: -8...8, using: &g))
            let target = Int.random(in: 2...12, using: &g)
            let step = PlotTicks.niceStep(span: span, target: target)
            let mantissa = step / pow(10, log10(step).rounded(.down))
            XCTAssertTrue([1.0, 2, 5].contains { abs(mantissa - $0) < 1e-9 }, "step \(step) for span \(span)")
            let count = span / step
            XCTAssertTrue(count >= Double(target) / 2.5 && count <= Double(target) * 2.5,
                          "span \(span) target \(target): step \(step) gives \(count) intervals")
        }
    }

    func testLinearTicksOfKnownRanges() {
        assertClose(PlotTicks.linear(from: 0, to: 1, target: 5), [0, 0.2, 0.4, 0.6, 0.8, 1.0], rtol: 1e-12, atol: 1e-12)
        assertClose(PlotTicks.linear(from: -3.7, to: 12.2, target: 6), [-2, 0, 2, 4, 6, 8, 10, 12], rtol: 0, atol: 1e-12)
        assertClose(PlotTicks.linear(from: 1993, to: 2031, target: 4), [2000, 2010, 2020, 2030], rtol: 0, atol: 1e-9)
        assertClose(PlotTicks.linear(from: 0.0012, to: 0.0049, target: 3), [0.002, 0.003, 0.004], rtol: 1e-9, atol: 0)
    }

    func testLinearTicksHitZeroExactlyAndStayInRange() {
        let ticks = PlotTicks.linear(from: -0.3, to: 0.3, target: 6)
        XCTAssertTrue(ticks.contains(0), "\(ticks)")
        XCTAssertFalse(ticks.contains { $0 != 0 && abs($0) < 1e-12 }, "\(ticks)")
        var g = SeededGenerator(seed: 7)
        for _ in 0..<300 {
            let lo = Double.random(in: -1000...1000, using: &g), hi = lo + pow(10, Double.random(in: -3...4, using: &g))
            let t = PlotTicks.linear(from: lo, to: hi, target: 6)
            XCTAssertGreaterThanOrEqual(t.count, 2, "\(lo)…\(hi)")
            XCTAssertTrue(t.allSatisfy { $0 >= lo - 1e-9 * (hi - lo) && $0 <= hi + 1e-9 * (hi - lo) }, "\(lo)…\(hi): \(t)")
            XCTAssertEqual(t, t.sorted())
        }
    }

    func testIntegralAxesTickOnWholeNumbersOnly() {
        XCTAssertEqual(PlotTicks.linear(from: 0.9, to: 3.1, target: 6, minimumStep: 1), [1, 2, 3])
        let epochs = AxisScale(covering: [1.0, 2, 3], integral: true)
        XCTAssertEqual(epochs.ticks().map(\.label), ["1", "2", "3"])
        XCTAssertEqual(AxisScale(covering: [1.0, 2, 3]).ticks().count, 5, "fractional ticks when not integral")
    }

    func testLinearTicksOfDegenerateRanges() {
        XCTAssertEqual(PlotTicks.linear(from: 3, to: 3), [3])
        XCTAssertEqual(PlotTicks.linear(from: 2, to: 1), [])
        XCTAssertEqual(PlotTicks.linear(from: .nan, to: 1), [])
        XCTAssertEqual(PlotTicks.linear(from: 0, to: .infinity), [])
    }

    func testLogTicksArePowersOfTenOrDenserForNarrowRanges() {
        assertClose(PlotTicks.logarithmic(from: 1e-4, to: 1), [1e-4, 1e-3, 1e-2, 1e-1, 1], rtol: 1e-12, atol: 0)
        assertClose(PlotTicks.logarithmic(from: 0.02, to: 0.3), [0.02, 0.05, 0.1, 0.2], rtol: 1e-12, atol: 0)
        assertClose(PlotTicks.logarithmic(from: 0.011, to: 0.07), [0.02, 0.03, 0.04, 0.05, 0.06, 0.07], rtol: 1e-12, atol: 0)
        let narrow = PlotTicks.logarithmic(from: 0.031, to: 0.034)
        XCTAssertGreaterThanOrEqual(narrow.count, 2, "\(narrow)")
        XCTAssertTrue(narrow.allSatisfy { $0 >= 0.031 && $0 <= 0.034 }, "\(narrow)")
        XCTAssertLessThanOrEqual(PlotTicks.logarithmic(from: 1e-30, to: 1e30).count, 8)
        XCTAssertEqual(PlotTicks.logarithmic(from: 0, to: 1), [])
    }

    func testLabelsUseJustEnoughDecimals() {
        XCTAssertEqual(PlotTicks.labels([0, 0.2, 0.4]), ["0", "0.2", "0.4"])
        XCTAssertEqual(PlotTicks.labels([0, 0.25, 0.5]), ["0", "0.25", "0.50"])
        XCTAssertEqual(PlotTicks.labels([0, 2.5, 5]), ["0", "2.5", "5.0"])
        XCTAssertEqual(PlotTicks.labels([2000, 2010, 2020]), ["2000", "2010", "2020"])
        XCTAssertEqual(PlotTicks.labels([-1, -0.5, 0]), ["-1.0", "-0.5", "0"])
        XCTAssertEqual(PlotTicks.label(-1e-17, step: 0.1), "0.0", "rounding noise must not print as -0.0")
        XCTAssertEqual(PlotTicks.label(2_000_000, step: 1_000_000), "2e+06")
        XCTAssertEqual(PlotTicks.label(0.00002, step: 0.00001), "2e-05")
        XCTAssertEqual(PlotTicks.logLabels([0.01, 1, 200]), ["0.01", "1", "200"])
    }

    func testAxisScaleCoversFiniteValuesWithPadding() {
        let scale = AxisScale(covering: [Float(2), .nan, 4, .infinity], padding: 0.5)
        XCTAssertEqual(scale.lower, 1, accuracy: 1e-12)
        XCTAssertEqual(scale.upper, 5, accuracy: 1e-12)
        XCTAssertEqual(scale.fraction(3), 0.5, accuracy: 1e-12)

        let single = AxisScale(covering: [7.0], padding: 0)
        XCTAssertLessThan(single.lower, 7)
        XCTAssertGreaterThan(single.upper, 7)
        let empty = AxisScale(covering: [Double](), padding: 0)
        XCTAssertEqual([empty.lower, empty.upper], [0, 1])

        let log = AxisScale(covering: [-1, 0, 0.01, 1], padding: 0, logarithmic: true)
        XCTAssertEqual(log.lower, 0.01, accuracy: 1e-12)
        XCTAssertEqual(log.upper, 1, accuracy: 1e-12)
        XCTAssertEqual(log.fraction(0.1), 0.5, accuracy: 1e-12)
        XCTAssertTrue(log.fraction(-1).isNaN)
    }
}
