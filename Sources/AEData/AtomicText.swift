import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
    let temp = folder + "/.\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp"
    defer { try? FileManager.default.removeItem(atPath: temp) }
    guard FileManager.default.createFile(atPath: temp, contents: Data(text.utf8)) else {
        throw DataError(.io, path, "cannot write (\(String(cString: strerror(errno))))")
    }
    guard rename(temp, path) == 0 else {
        throw DataError(.io, path, "cannot replace the file (\(String(cString: strerror(errno))))")
    }
}
