import ArgumentParser

/// Commands that look into HDF5 files.
enum InspectCommands {
    static let all: [ParsableCommand.Type] = [Inspect.self]
}
