import ArgumentParser

/// Commands over saved runs and latents (PCA, t-SNE, plots, reports); listed in `ae --help`.
enum AnalysisCommands {
    static let all: [ParsableCommand.Type] = EmbeddingCommands.all + PlotCommands.all
}
