import ArgumentParser

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks.",
        subcommands: [BenchKernels.self, BenchTrain.self, BenchIO.self]
    )
}
