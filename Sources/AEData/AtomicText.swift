import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The hidden temporary file an atomic write of `path` goes through: `.<name>.<pid>.tmp` in the same folder, so the
/// final rename stays on one file system and two processes never share a temporary.
public func siblingTemporaryPath(for path: String) -> String {
    let url = URL(fileURLWithPath: path)
    return url.deletingLastPathComponent()
        .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp").path
}

/// Writes `text` to `path` through a hidden temporary file in the same folder and a rename, so an interrupted
/// write never leaves half a file where the old one was. Failures are one line naming `path` (a missing folder
/// says so instead of Foundation's error dump).
public func writeTextAtomically(_ text: String, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent().path
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
        throw DataError(.io, path, "cannot write: no folder \(folder)")
    }
    let temp = siblingTemporaryPath(for: path)
    defer { try? FileManager.default.removeItem(atPath: temp) }
    guard FileManager.default.createFile(atPath: temp, contents: Data(text.utf8)) else {
        throw DataError(.io, path, "cannot write (\(String(cString: strerror(errno))))")
    }
    guard rename(temp, path) == 0 else {
        throw DataError(.io, path, "cannot replace the file (\(String(cString: strerror(errno))))")
    }
}
