import ArgumentParser
import Foundation
import Kernels

/// `ae bench kernels`: times every C kernel at the model shapes, per ISA and thread count, against its
/// pure-Swift twin. Each case is verified against the twin before it is timed.
struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Profile the C kernels against their pure-Swift twins (time, GFLOP/s, speedup).")

    @Option(help: "Only these kernel families (comma-separated: \(Set(allKernelBenchCases.map(\.family)).sorted().joined(separator: ", "))).")
    var family: String?

    @Option(help: "Only cases whose name contains this text.")
    var filter: String?

    @Option(help: "ISAs to run (comma-separated; default: every supported one).")
    var isa: String?

    @Option(help: "Thread counts (comma-separated; default: 1 up to the processor count).")
    var threads: String?

    @Option(help: "Seconds to spend timing each measurement (the median of the repetitions is reported).")
    var minTime: Double = 0.3

    @Flag(help: "Skip timing the pure-Swift twins (they are slow at large shapes).")
    var noSwift = false

    @Flag(help: "Print JSON lines instead of a table.")
    var json = false

    func validate() throws {
        guard minTime > 0, minTime <= 60 else { throw ValidationError("--min-time must be in (0, 60], got \(minTime)") }
        _ = try isaList()
        _ = try threadList()
        if let f = family {
            let known = Set(allKernelBenchCases.map(\.family))
            for name in f.split(separator: ",").map(String.init) where !known.contains(name) {
                throw ValidationError("unknown family '\(name)'; known: \(known.sorted().joined(separator: ", "))")
            }
        }
    }

    func isaList() throws -> [ISA] {
        guard let isa else { return ISA.supported.reversed() }
        return try isa.split(separator: ",").map { name in
            guard let value = ISA(rawValue: name.lowercased()) else { throw ValidationError("unknown ISA '\(name)'") }
            guard value.isSupported else { throw ValidationError("this CPU cannot run \(value)") }
            return value
        }
    }

    func threadList() throws -> [Int] {
        guard let threads else { return Array(1...max(1, KernelRuntime.processors)) }
        return try threads.split(separator: ",").map {
            guard let t = Int($0), t >= 1, t <= 1024 else { throw ValidationError("bad thread count '\($0)'") }
            return t
        }
    }

    func run() throws {
        let families = family.map { Set($0.split(separator: ",").map(String.init)) }
        let cases = allKernelBenchCases.filter { c in
            (families?.contains(c.family) ?? true) && (filter.map { c.name.contains($0) } ?? true)
        }
        let isas = try isaList(), threadCounts = try threadList()
        if !json {
            print("ae bench kernels — best ISA \(KernelRuntime.bestISA), \(KernelRuntime.processors) processors, median of repeats over \(minTime)s")
            print(row("kernel", "isa", "thr", "time", "GFLOP/s", "vs Swift"))
        }
        var failures = 0
        for benchCase in cases {
            let instance = benchCase.make()
            var swiftSeconds: Double? = nil
            if !noSwift, let swift = instance.swift { swiftSeconds = measure(swift, minTime: minTime, maxRepeats: 5) }
            for isa in isas {
                try KernelRuntime.force(isa)
                for t in threadCounts {
                    KernelRuntime.threads = t
                    if let problem = instance.verify() {
                        failures += 1
                        print("FAILED \(benchCase.name) [\(isa), \(t) threads]: \(problem)")
                        continue
                    }
                    let seconds = measure(instance.native, minTime: minTime, maxRepeats: 10_000)
                    let flops = instance.flopsPerCall?() ?? benchCase.flops
                    let gflops = flops > 0 ? flops / seconds / 1e9 : nil
                    let speedup = swiftSeconds.map { $0 / seconds }
                    if json {
                        var fields = ["\"family\":\"\(benchCase.family)\"", "\"kernel\":\"\(benchCase.name)\"",
                                      "\"isa\":\"\(isa)\"", "\"threads\":\(t)", "\"seconds\":\(seconds)"]
                        if let g = gflops { fields.append("\"gflops\":\(g)") }
                        if let s = swiftSeconds { fields.append("\"swift_seconds\":\(s)") }
                        if let s = speedup { fields.append("\"speedup_vs_swift\":\(s)") }
                        print("{" + fields.joined(separator: ",") + "}")
                    } else {
                        print(row(benchCase.name, isa.rawValue, "\(t)", formatTime(seconds),
                                  gflops.map { String(format: "%.1f", $0) } ?? "-",
                                  speedup.map { String(format: "%.1fx", $0) } ?? "-"))
                    }
                }
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    private func row(_ c: String...) -> String {
        let widths = [34, 7, 4, 11, 9, 10]
        return zip(c, widths).enumerated().map { i, p in
            i == 0 ? p.0.padding(toLength: p.1, withPad: " ", startingAt: 0)
                : String(repeating: " ", count: max(0, p.1 - p.0.count)) + p.0
        }.joined(separator: " ")
    }
}

func formatTime(_ s: Double) -> String {
    s < 1e-3 ? String(format: "%.1f µs", s * 1e6) : s < 1 ? String(format: "%.3f ms", s * 1e3) : String(format: "%.3f s", s)
}

/// Median seconds per call: one warm-up call, then batches of calls until `minTime` has passed.
func measure(_ body: () -> Void, minTime: Double, maxRepeats: Int) -> Double {
    body()
    var samples: [Double] = []
    let start = DispatchTime.now().uptimeNanoseconds
    while samples.count < maxRepeats {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
        if Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 >= minTime && samples.count >= 3 { break }
    }
    samples.sort()
    return samples[samples.count / 2]
}

/// Relative max-norm difference between two float arrays, scaled by the largest magnitude of `reference`.
func relativeError(_ a: [Float], _ reference: [Float]) -> Double {
    var maxDiff = 0.0, maxRef = 0.0
    for (x, y) in zip(a, reference) {
        maxDiff = max(maxDiff, abs(Double(x) - Double(y)))
        maxRef = max(maxRef, abs(Double(y)))
    }
    if a.contains(where: { $0.isNaN }) { return .infinity }
    return maxDiff / max(maxRef, 1e-30)
}

/// nil when `relativeError(a, reference) <= tolerance`, else a one-line description.
func compare(_ a: [Float], _ reference: [Float], tolerance: Double) -> String? {
    let e = relativeError(a, reference)
    return e <= tolerance ? nil : String(format: "relative error %.2e > %.0e", e, tolerance)
}
