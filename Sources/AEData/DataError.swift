import Foundation

/// Datasets (IDX, .npy, .npz) and the HDF5 run store.
public enum AEData {}

/// A dataset file that could not be used: which file, what kind of problem, and a one-line explanation.
///
/// `description` is meant to be shown to a user as is, e.g.
/// `data/mnist/train-images-idx3-ubyte.gz: truncated: header says 47040000 data bytes, file has 1000`.
public struct DataError: Error, CustomStringConvertible, Equatable {
    /// What went wrong, so callers and tests can react without parsing text.
    public enum Kind: String, Sendable {
        case missingFile = "missing file"
        case truncated
        case badMagic = "bad magic"
        case badHeader = "bad header"
        case unsupported
        case shapeMismatch = "shape mismatch"
        case checksumMismatch = "checksum mismatch"
        case corrupt
        case io = "I/O error"
        /// A command-line style argument (dataset name, corruption spec) that could not be parsed.
        case invalidArgument = "invalid argument"
    }

    /// The file (or directory) concerned.
    public let path: String
    public let kind: Kind
    /// Details: numbers, expectations, hints on how to fix it.
    public let detail: String

    public init(_ kind: Kind, _ path: String, _ detail: String) {
        self.kind = kind
        self.path = path
        self.detail = detail
    }

    public var description: String {
        detail.isEmpty ? "\(path): \(kind.rawValue)" : "\(path): \(kind.rawValue): \(detail)"
    }
}

/// Whole-file reading with errors that name the file.
enum FileBytes {
    /// The bytes of the file at `path`; `DataError(.missingFile)` if it does not exist.
    static func read(_ path: String) throws -> [UInt8] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw DataError(.missingFile, path, "no such file")
        }
        guard !isDir.boolValue else { throw DataError(.io, path, "is a directory, expected a file") }
        guard let f = fopen(path, "rb") else {
            throw DataError(.io, path, String(cString: strerror(errno)))
        }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        if fseek(f, 0, SEEK_END) == 0 {
            let size = ftell(f)
            if size > 0 { bytes.reserveCapacity(size) }
            rewind(f)
        }
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count {
                if ferror(f) != 0 { throw DataError(.io, path, "read failed") }
                break
            }
        }
        return bytes
    }

    /// Writes `bytes` to `path` (replacing it).
    static func write(_ bytes: [UInt8], to path: String) throws {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        } catch {
            throw DataError(.io, path, "cannot write: \(error.localizedDescription)")
        }
    }
}
