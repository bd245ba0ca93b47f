@testable import AEData
import Foundation
import XCTest

/// Dataset specs, directory datasets (KMNIST-style .npz, .npy, IDX) and LabeledImages helpers.
final class DatasetTests: XCTestCase {
    func testSpecParsing() throws {
        XCTAssertEqual(try DatasetSpec(parsing: "mnist"), .mnist)
        XCTAssertEqual(try DatasetSpec(parsing: "Fashion-MNIST"), .fashionMNIST)
        XCTAssertEqual(try DatasetSpec(parsing: "kmnist"), .kmnist)
        XCTAssertEqual(try DatasetSpec(parsing: "k49"), .kuzushiji49)
        XCTAssertEqual(try DatasetSpec(parsing: "./some/dir"), .path("./some/dir"))
        XCTAssertEqual(try DatasetSpec(parsing: "/tmp/x/my-set").name, "my-set")
        XCTAssertEqual(DatasetSpec.kuzushiji49.name, "k49")
        XCTAssertEqual(DatasetSpec.kuzushiji49.classNames?.count, 49)
        assertDataError(.invalidArgument) { try DatasetSpec(parsing: "cifar10") }
    }

    /// Writes a tiny set in KMNIST's layout: `<prefix>-{train,test}-{imgs,labels}.npz`, array `arr_0`.
    private func writeKMNISTStyle(_ dir: String, prefix: String, train: Int, test: Int, compressed: Bool) throws {
        for (split, n) in [("train", train), ("test", test)] {
            let pixels = (0..<(n * 28 * 28)).map { UInt8(($0 * 31 + n) % 256) }
            let labels = (0..<n).map { UInt8($0 % 10) }
            try NPZ.write(["arr_0": NPYArray(shape: [n, 28, 28], values: .uint8(pixels))],
                          to: "\(dir)/\(prefix)-\(split)-imgs.npz", compressed: compressed)
            try NPZ.write(["arr_0": NPYArray(shape: [n], values: .uint8(labels))],
                          to: "\(dir)/\(prefix)-\(split)-labels.npz", compressed: compressed)
        }
    }

    func testKMNISTStyleDirectoryLoadsViaPath() throws {
        let dir = try temporaryDirectory(self)
        try writeKMNISTStyle(dir, prefix: "kmnist", train: 30, test: 12, compressed: true)
        let set = try Dataset.load(try DatasetSpec(parsing: dir))
        XCTAssertEqual(set.train.count, 30)
        XCTAssertEqual(set.test.count, 12)
        XCTAssertEqual([set.train.channels, set.train.height, set.train.width], [1, 28, 28])
        XCTAssertEqual(set.train.labels, (0..<30).map { Int32($0 % 10) })
        XCTAssertEqual(set.train.images[1], Float(31 + 30) / 255)
        XCTAssertEqual(set.sha256["kmnist-train-imgs.npz"], SHA256.hex(try FileBytes.read(dir + "/kmnist-train-imgs.npz")))
        XCTAssertEqual(set.sha256.count, 4)
    }

    /// The named KMNIST/K49 specs look under `<dataDir>/kmnist` and `<dataDir>/k49` and use the known class names.
    func testNamedKuzushijiSetsLoadFromDataDir() throws {
        let root = try temporaryDirectory(self)
        for prefix in ["kmnist", "k49"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(prefix)", withIntermediateDirectories: true)
            try writeKMNISTStyle("\(root)/\(prefix)", prefix: prefix, train: 20, test: 10, compressed: false)
        }
        let k = try Dataset.load(.kmnist, dataDir: root)
        XCTAssertEqual(k.train.count, 20)
        XCTAssertEqual(k.train.classNames?.first, "お")
        let k49 = try Dataset.load(.kuzushiji49, dataDir: root)
        XCTAssertEqual(k49.name, "k49")
        XCTAssertEqual(k49.test.count, 10)
        // A manifest, when present, is checked for the files it lists.
        try writeBytes(Array("\(String(repeating: "0", count: 64))  kmnist/kmnist-test-labels.npz\n".utf8), root + "/MANIFEST")
        assertDataError(.checksumMismatch) { try Dataset.load(.kmnist, dataDir: root) }
        XCTAssertNoThrow(try Dataset.load(.kuzushiji49, dataDir: root))
    }

    func testNPYAndIDXDirectories() throws {
        let npyDir = try temporaryDirectory(self)
        // Float NCHW images with 3 channels, int64 labels.
        for (split, n) in [("train", 4), ("test", 2)] {
            let pixels = (0..<(n * 3 * 5 * 6)).map { Float($0 % 7) / 6 }
            try NPY.write(NPYArray(shape: [n, 3, 5, 6], values: .float32(pixels)), to: "\(npyDir)/\(split)-images.npy")
            try NPY.write(NPYArray(shape: [n], values: .int64((0..<n).map { Int64($0) })), to: "\(npyDir)/\(split)-labels.npy")
        }
        let set = try Dataset.load(.path(npyDir))
        XCTAssertEqual([set.train.count, set.train.channels, set.train.height, set.train.width], [4, 3, 5, 6])
        XCTAssertEqual(set.test.labels, [0, 1])

        let idxDir = try temporaryDirectory(self)
        for (name, dims) in [("train-images-idx3-ubyte", [3, 4, 4]), ("t10k-images-idx3-ubyte", [2, 4, 4])] {
            let idx = IDX.encode(dims: dims, bytes: Array(repeating: 255, count: dims.reduce(1, *)))
            try writeBytes(Zlib.deflate(idx, format: .gzip), "\(idxDir)/\(name).gz")
        }
        try writeBytes(IDX.encode(dims: [3], bytes: [1, 2, 3]), idxDir + "/train-labels-idx1-ubyte")
        try writeBytes(IDX.encode(dims: [2], bytes: [4, 5]), idxDir + "/t10k-labels-idx1-ubyte")
        let idxSet = try Dataset.load(.path(idxDir))
        XCTAssertEqual(idxSet.train.images, Array(repeating: 1, count: 48))
        XCTAssertEqual(idxSet.test.labels, [4, 5])

        // One label too few: the shapes disagree.
        try writeBytes(IDX.encode(dims: [1], bytes: [4]), idxDir + "/t10k-labels-idx1-ubyte")
        assertDataError(.shapeMismatch) { try Dataset.load(.path(idxDir)) }
    }

    func testBadDirectoriesAreRejected() throws {
        let dir = try temporaryDirectory(self)
        assertDataError(.missingFile) { try Dataset.load(.path(dir + "/nope")) }
        assertDataError(.missingFile) { try Dataset.load(.path(dir)) }  // empty
        try NPY.write(NPYArray(shape: [1, 2, 2], values: .float32([0, 0.5, 1, 2])), to: dir + "/train-images.npy")
        try NPY.write(NPYArray(shape: [1], values: .uint8([0])), to: dir + "/train-labels.npy")
        try NPY.write(NPYArray(shape: [1, 2, 2], values: .float32([0, 0, 0, 0])), to: dir + "/test-images.npy")
        try NPY.write(NPYArray(shape: [1], values: .float32([0])), to: dir + "/test-labels.npy")
        assertDataError(.corrupt) { try Dataset.load(.path(dir)) }  // pixel 2 outside [0, 1]
        try NPY.write(NPYArray(shape: [1, 2, 2], values: .float32([0, 0.5, 1, 1])), to: dir + "/train-images.npy")
        assertDataError(.unsupported) { try Dataset.load(.path(dir)) }  // float labels
        try NPY.write(NPYArray(shape: [1], values: .int32([3])), to: dir + "/test-labels.npy")
        XCTAssertEqual(try Dataset.load(.path(dir)).test.labels, [3])
        try NPY.write(NPYArray(shape: [1], values: .int32([3])), to: dir + "/x-test-labels.npz")
        assertDataError(.invalidArgument) { try Dataset.load(.path(dir)) }  // two test label files
    }

    func testSubset() {
        let set = LabeledImages(images: (0..<12).map(Float.init), labels: [0, 1, 2], channels: 1, height: 2, width: 2)
        let sub = set.subset(indices: [2, 0, 2])
        XCTAssertEqual(sub.labels, [2, 0, 2])
        XCTAssertEqual(sub.images, [8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11])
        XCTAssertEqual(Array(sub.image(1)), [0, 1, 2, 3])
        XCTAssertEqual(set.classCounts(), [1, 1, 1])
    }
}
