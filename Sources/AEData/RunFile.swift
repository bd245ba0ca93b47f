import Foundation

/// Crash-safe access to one run file. Every change is made on a temporary copy in the same directory,
/// flushed to disk, and renamed over the original, so the file on disk is always either the old or the
/// new complete version — a `kill -9` or a full disk in the middle of a write loses nothing already saved.
public enum RunFile {
    /// Creates the file at `path` by running `body` on a new, empty file. An existing file is an error
    /// unless `overwrite`; even then it is replaced only once the new one is complete.
    @discardableResult
    public static func create<R>(at path: String, overwrite: Bool, _ body: (H5File) throws -> R) throws -> R {
        if FileManager.default.fileExists(atPath: path), !overwrite {
            throw H5Error("\(path) already exists (pass --overwrite to replace it)")
        }
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        return try replace(path, startingFrom: nil, body)
    }

    /// Changes an existing file: `body` edits a copy, which then replaces the original.
    @discardableResult
    public static func update<R>(at path: String, _ body: (H5File) throws -> R) throws -> R {
        guard FileManager.default.fileExists(atPath: path) else { throw H5Error("\(path): no such file") }
        return try replace(path, startingFrom: path, body)
    }

    /// Reads a file without changing it.
    public static func read<R>(at path: String, _ body: (H5File) throws -> R) throws -> R {
        let file = try H5File.open(path)
        defer { file.close() }
        return try body(file)
    }

    private static func replace<R>(_ path: String, startingFrom original: String?, _ body: (H5File) throws -> R) throws -> R {
        let temp = siblingTemporaryPath(for: path)
        let fm = FileManager.default
        try? fm.removeItem(atPath: temp)
        defer { try? fm.removeItem(atPath: temp) }
        if let original { try fm.copyItem(atPath: original, toPath: temp) }
        let file = original == nil ? try H5File.create(temp) : try H5File.open(temp, writable: true)
        let result: R
        do {
            result = try body(file)
        } catch {
            file.close()
            throw error
        }
        try file.finish()
        try syncToDisk(temp)
        guard rename(temp, path) == 0 else {
            throw H5Error("\(path): cannot replace the file (\(String(cString: strerror(errno))))")
        }
        return result
    }

    /// fsync, so a rename after a power loss never points at a file whose data never reached the disk.
    private static func syncToDisk(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw H5Error("\(path): cannot open to sync") }
        defer { _ = Foundation.close(fd) }
        guard fsync(fd) == 0 else { throw H5Error("\(path): fsync failed (\(String(cString: strerror(errno))))") }
    }
}
