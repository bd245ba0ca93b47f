import AEDistributed
import AENet
import ArgumentParser
import Kernels

@main
struct AE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ae",
        abstract: "Train and study autoencoders on MNIST-family images with native multithreaded kernels.",
        subcommands: RunCommands.all + StudyCommands.all + InspectCommands.all + AnalysisCommands.all + [DataCommand.self, Info.self, Bench.self]
    )

    static func main() {
        main(joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
    }
}

/// `--epochs -1` as `--epochs=-1`. The argument parser reads a lone "-1" as a short flag and answers "Missing value for
/// '--epochs'"; joined, the value reaches the option's own check ("epochs must be in 1...100000, got -1"). Stops at
/// "--", after which everything is positional.
func joiningNegativeValues(_ arguments: [String]) -> [String] {
    var out: [String] = []
    var rest = arguments[...]
    while let argument = rest.popFirst() {
        if argument == "--" { return out + [argument] + rest }
        if argument.hasPrefix("--"), !argument.contains("="), let next = rest.first, next.hasPrefix("-"),
           Double(next) != nil {
            out.append(argument + "=" + next)
            rest.removeFirst()
        } else {
            out.append(argument)
        }
    }
    return out
}

/// Options every command that runs kernels accepts.
struct KernelOptions: ParsableArguments {
    @Option(help: "Kernel threads (default: OMP_NUM_THREADS, else all processors).")
    var threads: Int?

    @Option(help: "Force an instruction set: avx512, avx2, neon or scalar (default: AE_ISA, else the best).")
    var isa: String?

    func validate() throws {
        if let t = threads, t < 1 || t > 1024 { throw ValidationError("--threads must be between 1 and 1024, got \(t)") }
        if let name = isa, ISA(rawValue: name.lowercased()) == nil {
            throw ValidationError("--isa must be one of \(ISA.allCases.map(\.rawValue).joined(separator: ", ")), got '\(name)'")
        }
    }

    /// Applies the options to the kernel runtime.
    func apply() throws {
        if let t = threads { KernelRuntime.threads = t }
        if let name = isa, let isa = ISA(rawValue: name.lowercased()) {
            do { try KernelRuntime.force(isa) } catch { throw ValidationError("\(error)") }
        }
    }
}

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the instruction set and threads the kernels use.")
    @OptionGroup var kernel: KernelOptions

    func run() throws {
        try kernel.apply()
        print("isa:        \(KernelRuntime.isa) (best here: \(KernelRuntime.bestISA); supported: \(ISA.supported.map(\.rawValue).joined(separator: ", ")))")
        if let rejected = KernelRuntime.rejectedISARequest { print("note:       AE_ISA=\(rejected) ignored (unknown or unsupported)") }
        print("threads:    \(KernelRuntime.threads) (processors: \(KernelRuntime.processors); OpenMP: \(KernelRuntime.openMP ? "yes" : "no"))")
        print("layout:     " + (Sequential.kernelsPreferChannelsLast
            ? "channels-last activations between convolutions (AE_CHANNELS_LAST=0: NCHW)"
            : "NCHW activations (AE_CHANNELS_LAST=1: channels-last)"))
        print("MPI:        \(DistributedSession.isAvailable ? "yes (mpirun -np N ae study …, ae train --distributed)" : "no (built without Open MPI)")")
    }
}
