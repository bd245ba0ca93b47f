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
