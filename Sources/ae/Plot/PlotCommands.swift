import ArgumentParser

/// Figure commands (plot, recon, generate).
enum PlotCommands {
    static let all: [ParsableCommand.Type] = [Plot.self, Recon.self, Generate.self]
}
