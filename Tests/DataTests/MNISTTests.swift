@testable import AEData
import Foundation
import XCTest

final class MNISTTests: XCTestCase {
    func testMNISTLoadsWithManifestHashes() throws {
        let dataDir = try packageDataDir()
        let set = try Dataset.load(.mnist, dataDir: dataDir)
        XCTAssertEqual(set.name, "mnist")
        XCTAssertEqual(set.train.count, 60000)
        XCTAssertEqual(set.test.count, 10000)
        XCTAssertEqual([set.train.channels, set.train.height, set.train.width], [1, 28, 28])
        XCTAssertEqual(set.train.images.count, 60000 * 784)
        XCTAssertEqual(Set(set.train.labels), Set(0...9))
        XCTAssertEqual(Set(set.test.labels), Set(0...9))
        XCTAssertEqual(set.train.images.min(), 0)
        XCTAssertEqual(set.train.images.max(), 1)
        // Well-known facts: the first training digit is a 5, the first test digit a 7; class 1 is the largest.
        XCTAssertEqual(set.train.labels.prefix(3), [5, 0, 4])
        XCTAssertEqual(set.test.labels.first, 7)
        XCTAssertEqual(set.train.classCounts()[1], 6742)
        XCTAssertEqual(set.sha256["train-images-idx3-ubyte.gz"]?.prefix(8), "ba891046")
        XCTAssertEqual(set.sha256["train-labels-idx1-ubyte.gz"]?.prefix(8), "65a50cbb")
        XCTAssertEqual(set.sha256["t10k-images-idx3-ubyte.gz"]?.prefix(8), "0fa7898d")
        XCTAssertEqual(set.sha256["t10k-labels-idx1-ubyte.gz"]?.prefix(8), "ff7bcfd4")
        let manifest = try Manifest.load(dataDir: dataDir)
        for (file, hash) in set.sha256 { XCTAssertEqual(manifest.entries["mnist/" + file], hash) }
    }

    func testFashionMNISTLoadsWithClassNames() throws {
        let set = try Dataset.load(.fashionMNIST, dataDir: try packageDataDir())
        XCTAssertEqual(set.train.count, 60000)
        XCTAssertEqual(set.test.count, 10000)
        XCTAssertEqual(set.train.classCounts(), Array(repeating: 6000, count: 10))
        XCTAssertEqual(set.train.classNames?[9], "Ankle boot")
        XCTAssertEqual(set.sha256["train-images-idx3-ubyte.gz"]?.prefix(8), "c59f468a")
        XCTAssertEqual(set.sha256["t10k-labels-idx1-ubyte.gz"]?.prefix(8), "0402a96d")
    }

    /// A copy of the data directory with one byte of one (uncompressed) file changed must not load.
    func testManifestMismatchIsDetected() throws {
        let src = try packageDataDir()
        let dir = try temporaryDirectory(self)
        try FileManager.default.createDirectory(atPath: dir + "/mnist", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: src + "/MANIFEST", toPath: dir + "/MANIFEST")
        for name in DatasetLayout.idxNames {
            try FileManager.default.copyItem(atPath: "\(src)/mnist/\(name).gz", toPath: "\(dir)/mnist/\(name).gz")
        }
        XCTAssertEqual(try Dataset.load(.mnist, dataDir: dir).test.count, 10000)  // the copy itself is fine

        let victim = "\(dir)/mnist/t10k-labels-idx1-ubyte.gz"
        var raw = try Zlib.gunzipIfNeeded(FileBytes.read(victim), name: victim)
        raw[100] = raw[100] == 3 ? 4 : 3  // a different, still valid label
        try writeBytes(Zlib.deflate(raw, format: .gzip), victim)
        let error = assertDataError(.checksumMismatch) { try Dataset.load(.mnist, dataDir: dir) }
        XCTAssertTrue(error?.description.contains("t10k-labels-idx1-ubyte.gz") ?? false)

        // A manifest that does not list a file is an error too.
        try writeBytes(Array("# empty\n".utf8), dir + "/MANIFEST")
        assertDataError(.checksumMismatch) { try Dataset.load(.mnist, dataDir: dir) }
    }

    func testMissingDatasetSaysWhereToPutIt() throws {
        let dir = try temporaryDirectory(self)
        let error = assertDataError(.missingFile) { try Dataset.load(.kmnist, dataDir: dir) }
        XCTAssertTrue(error?.description.contains("\(dir)/kmnist") ?? false, error?.description ?? "")
        assertDataError(.missingFile) { try Dataset.load(.kuzushiji49, dataDir: dir) }
        assertDataError(.missingFile) { try Dataset.load(.mnist, dataDir: dir) }  // no MANIFEST
    }

    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // One million 'a's, fed in odd-sized pieces so the carry-over path is exercised.
        var h = SHA256()
        var left = 1_000_000
        var piece = 1
        while left > 0 {
            let n = min(piece, left)
            h.update(Array(repeating: UInt8(ascii: "a"), count: n))
            left -= n
            piece = piece * 3 % 1000 + 1
        }
        XCTAssertEqual(SHA256.hexString(h.finalize()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
