import Foundation

/// Datasets as HDF5 files (`ae data import`): `/train/images` and `/test/images` (N×C×H×W; uint8 when
/// every pixel is k/255, which is exact for IDX sources, else float32), `/train/labels` and `/test/labels`
/// (int32), root attributes `format` = `ae-dataset`, `name`, `class_names` (JSON) and `source_sha256`
/// (JSON: file → SHA-256 of the files it was imported from). Such a file is itself a dataset:
/// `--dataset path/to/file.h5`.
extension Dataset {
    /// Writes the dataset to `path` (temporary file + rename; an existing file only with `overwrite`).
    public func writeHDF5(to path: String, overwrite: Bool) throws {
        try RunFile.create(at: path, overwrite: overwrite) { f in
            try f.setAttribute("format", string: "ae-dataset")
            try f.setAttribute("name", string: name)
            try f.setAttribute("source_sha256", string: try Self.json(sha256))
            if let names = train.classNames { try f.setAttribute("class_names", string: try Self.json(names)) }
            for (split, images) in [("train", train), ("test", test)] {
                let shape = [images.count, images.channels, images.height, images.width]
                let bytes = images.images.map { UInt8(clamping: Int(($0 * 255).rounded())) }
                if zip(bytes, images.images).allSatisfy({ Float($0.0) / 255 == $0.1 }) {
                    try f.write("/\(split)/images", uint8s: bytes, shape: shape, compress: true)
                    try f.setAttribute("encoding", string: "uint8/255", at: "/\(split)/images")
                } else {
                    try f.write("/\(split)/images", floats: images.images, shape: shape, compress: true)
                    try f.setAttribute("encoding", string: "float32", at: "/\(split)/images")
                }
                try f.write("/\(split)/labels", int32s: images.labels, shape: [images.count], compress: true)
            }
        }
    }

    /// Reads a dataset file written by `writeHDF5` (or by h5py in the same layout; images may be uint8
    /// 0…255 or float32/float64 in [0, 1], N×H×W or N×C×H×W).
    public static func loadHDF5(_ path: String) throws -> Dataset {
        let file: H5File
        do { file = try H5File.open(path) } catch { throw DataError(.corrupt, path, "\(error)") }
        defer { file.close() }
        guard file.isDataset("/train/images"), file.isDataset("/test/images") else {
            throw DataError(.badHeader, path, "not a dataset file: expected /train/images, /train/labels, /test/images, /test/labels")
        }
        let classNames = try (try file.stringAttribute("class_names")).map { json -> [String] in
            guard let names = try? JSONDecoder().decode([String].self, from: Data(json.utf8)) else {
                throw DataError(.badHeader, path, "attribute class_names is not a JSON list of strings")
            }
            return names
        }
        let splits = try ["train", "test"].map { try readSplit(file, $0, classNames: classNames) }
        guard (splits[0].channels, splits[0].height, splits[0].width) == (splits[1].channels, splits[1].height, splits[1].width) else {
            throw DataError(.shapeMismatch, path, "train and test images differ in size")
        }
        var hashes: [String: String] = [:]
        if let json = try file.stringAttribute("source_sha256") {
            hashes = (try? JSONDecoder().decode([String: String].self, from: Data(json.utf8))) ?? [:]
        }
        hashes[(path as NSString).lastPathComponent] = SHA256.hex(try FileBytes.read(path))
        let name = try file.stringAttribute("name") ?? ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return Dataset(name: name, train: splits[0], test: splits[1], sha256: hashes)
    }

    private static func readSplit(_ f: H5File, _ split: String, classNames: [String]?) throws -> LabeledImages {
        let object = "/\(split)/images"
        let shape = try f.shape(of: object)
        guard shape.count == 3 || shape.count == 4, shape.allSatisfy({ $0 > 0 }) else {
            throw DataError(.shapeMismatch, "\(f.path):\(object)", "shape \(shape), expected [N, H, W] or [N, C, H, W]")
        }
        let (c, h, w) = shape.count == 3 ? (1, shape[1], shape[2]) : (shape[1], shape[2], shape[3])
        let encoding = try f.stringAttribute("encoding", at: object)
        var pixels = encoding == "uint8/255" ? try f.read(object, as: UInt8.self).values.map { Float($0) / 255 }
                                             : try f.readFloats(object).values
        if encoding == nil, pixels.contains(where: { $0 > 1 }), pixels.allSatisfy({ $0 >= 0 && $0 <= 255 && $0 == $0.rounded() }) {
            pixels = pixels.map { $0 / 255 }  // integer pixels written by other tools
        }
        if let bad = pixels.first(where: { !($0 >= 0 && $0 <= 1) }) {
            throw DataError(.corrupt, "\(f.path):\(object)", "pixel value \(bad) outside [0, 1] (NaN or unscaled data?)")
        }
        guard f.isDataset("/\(split)/labels") else { throw DataError(.badHeader, f.path, "/\(split)/labels is missing") }
        let (labels, labelShape) = try f.readInt64s("/\(split)/labels")
        guard labelShape == [shape[0]] else {
            throw DataError(.shapeMismatch, "\(f.path):/\(split)/labels", "shape \(labelShape), expected [\(shape[0])] (one per image)")
        }
        if let bad = labels.first(where: { $0 < 0 || $0 > Int64(Int32.max) }) {
            throw DataError(.corrupt, "\(f.path):/\(split)/labels", "label \(bad) is not a non-negative 32-bit integer")
        }
        return LabeledImages(images: pixels, labels: labels.map { Int32($0) }, channels: c, height: h, width: w, classNames: classNames)
    }

    private static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
