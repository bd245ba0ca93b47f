import ArgumentParser

/// `ae study …` commands.
enum StudyCommands {
    static let all: [ParsableCommand.Type] = []
}
