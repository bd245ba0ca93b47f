import ArgumentParser

/// PCA and t-SNE commands.
enum EmbeddingCommands {
    static let all: [ParsableCommand.Type] = []
}
