import ArgumentParser

/// Commands that train, resume, evaluate and encode runs.
enum RunCommands {
    static let all: [ParsableCommand.Type] = [Train.self, Eval.self, Encode.self, Report.self, Score.self]
}
