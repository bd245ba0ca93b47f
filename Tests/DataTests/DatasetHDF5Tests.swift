import AEData
import Foundation
import XCTest

/// HDF5 dataset files (`ae data import`): exact round trips, h5py-written files, and clear errors.
final class DatasetHDF5Tests: XCTestCase {
    func sample(pixels: [Float]? = nil) -> Dataset {
        let n = 6, size = 2 * 3 * 4
        let images = pixels ?? (0..<(n * size)).map { Float($0 % 256) / 255 }
        let train = LabeledImages(images: images, labels: [0, 1, 2, 0, 1, 2], channels: 2, height: 3, width: 4, classNames: ["a", "b", "c"])
        let test = LabeledImages(images: Array(images.prefix(2 * size)), labels: [2, 1], channels: 2, height: 3, width: 4, classNames: ["a", "b", "c"])
        return Dataset(name: "tiny", train: train, test: test, sha256: ["src.npy": String(repeating: "ab", count: 32)])
    }

    func testByteImagesRoundTripExactlyAsUInt8() throws {
        let path = try temporaryDirectory(self) + "/d.h5"
        let d = sample()
        try d.writeHDF5(to: path, overwrite: false)
        let back = try Dataset.load(try DatasetSpec(parsing: path))
        XCTAssertEqual(back.train, d.train)
        XCTAssertEqual(back.test, d.test)
        XCTAssertEqual(back.name, "tiny")
        XCTAssertEqual(back.sha256["src.npy"], d.sha256["src.npy"])
        XCTAssertNotNil(back.sha256["d.h5"], "the file itself is hashed too")
        try RunFile.read(at: path) { XCTAssertEqual(try $0.stringAttribute("encoding", at: "/train/images"), "uint8/255") }
        XCTAssertThrowsError(try d.writeHDF5(to: path, overwrite: false)) { XCTAssertTrue("\($0)".contains("already exists")) }
    }

    func testFloatImagesKeepEveryBit() throws {
        let path = try temporaryDirectory(self) + "/f.h5"
        let d = sample(pixels: (0..<144).map { Float($0) / 143.5 })
        try d.writeHDF5(to: path, overwrite: false)
        let back = try Dataset.loadHDF5(path)
        XCTAssertEqual(back.train.images, d.train.images)
        try RunFile.read(at: path) { XCTAssertEqual(try $0.stringAttribute("encoding", at: "/train/images"), "float32") }
    }

    func testBadFilesAreClearErrors() throws {
        let dir = try temporaryDirectory(self)
        try RunFile.create(at: dir + "/nan.h5", overwrite: false) { f in
            for split in ["train", "test"] {
                try f.write("/\(split)/images", floats: [0.5, .nan, 0, 1], shape: [1, 2, 2])
                try f.write("/\(split)/labels", int32s: [0], shape: [1])
            }
        }
        XCTAssertThrowsError(try Dataset.loadHDF5(dir + "/nan.h5")) { XCTAssertTrue("\($0)".contains("outside [0, 1]"), "\($0)") }
        try RunFile.create(at: dir + "/lying.h5", overwrite: false) { f in
            for split in ["train", "test"] {
                try f.write("/\(split)/images", floats: [0.5, 0, 0, 1], shape: [1, 2, 2])
                try f.write("/\(split)/labels", int32s: [0, 1], shape: [2])
            }
        }
        XCTAssertThrowsError(try Dataset.loadHDF5(dir + "/lying.h5")) { XCTAssertTrue("\($0)".contains("one per image"), "\($0)") }
        try RunFile.create(at: dir + "/other.h5", overwrite: false) { try $0.write("/x", floats: [1], shape: [1]) }
        XCTAssertThrowsError(try Dataset.loadHDF5(dir + "/other.h5")) { XCTAssertTrue("\($0)".contains("not a dataset file"), "\($0)") }
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: dir + "/junk.h5"))
        XCTAssertThrowsError(try Dataset.loadHDF5(dir + "/junk.h5")) { XCTAssertTrue("\($0)".contains("not an HDF5 file"), "\($0)") }
    }

    /// A dataset written by h5py with uint8 pixels 0…255 (no encoding attribute) loads scaled to [0, 1].
    func testH5pyWrittenDataset() throws {
        guard try runPython("import h5py") else {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("CI must have h5py") }
            throw XCTSkip("python3 with h5py is not available")
        }
        let path = try temporaryDirectory(self) + "/py.h5"
        XCTAssertTrue(try runPython("""
        import h5py, numpy as np
        with h5py.File('\(path)', 'w') as f:
            for s, n in (('train', 5), ('test', 3)):
                f.create_dataset(s + '/images', data=(np.arange(n * 16) % 256).astype(np.uint8).reshape(n, 4, 4), compression='gzip')
                f.create_dataset(s + '/labels', data=np.arange(n) % 2)
        """))
        let d = try Dataset.load(try DatasetSpec(parsing: path))
        XCTAssertEqual(d.train.count, 5)
        XCTAssertEqual(d.train.images[17], 17 / 255)
        XCTAssertEqual(d.test.labels, [0, 1, 0])
        XCTAssertEqual(d.train.height, 4)
    }
}
