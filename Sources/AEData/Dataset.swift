import Foundation

/// A dataset's train and test splits, with the SHA-256 of every file they came from.
public struct Dataset: Sendable {
    public let name: String
    public let train: LabeledImages
    public let test: LabeledImages
    /// File name → lower-case hex SHA-256 of its uncompressed bytes (gzip files are hashed after
    /// decompression; `.npy`/`.npz` files as they are on disk).
    public let sha256: [String: String]

    public init(name: String, train: LabeledImages, test: LabeledImages, sha256: [String: String]) {
        self.name = name
        self.train = train
        self.test = test
        self.sha256 = sha256
    }

    /// Loads a dataset.
    ///
    /// - MNIST and Fashion-MNIST: the gzip IDX files `{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz` in
    ///   `<dataDir>/mnist` and `<dataDir>/fashion-mnist`; each must be listed in `<dataDir>/MANIFEST` and match it.
    /// - KMNIST and Kuzushiji-49: `kmnist-{train,test}-{imgs,labels}.npz` in `<dataDir>/kmnist` and
    ///   `k49-…npz` in `<dataDir>/k49` (array `arr_0`), checked against the manifest if it lists them.
    /// - `.path(dir)`: for each of train images/labels and test images/labels, one file in `dir` named like the
    ///   MNIST IDX files (optionally `.gz`), or `{train,test}-{images,labels}` / `*{train,test}-{imgs,labels}`
    ///   with extension `.npy` or `.npz` (KMNIST style). `dir/MANIFEST`, if present, is checked.
    ///
    /// Images are `[N, H, W]` (one channel) or `[N, C, H, W]`; bytes and other integers are divided by 255,
    /// float arrays must already be in [0, 1]. Labels are one non-negative integer per image.
    /// `dataDir` defaults to `Dataset.defaultDataDir()`. A `.path` ending in `.h5` is a dataset file (`loadHDF5`).
    public static func load(_ spec: DatasetSpec, dataDir: String? = nil) throws -> Dataset {
        if case .path(let p) = spec, ["h5", "hdf5"].contains((p as NSString).pathExtension.lowercased()) {
            return try loadHDF5(p)
        }
        let layout = try DatasetLayout(spec: spec, dataDir: dataDir)
        // The four files are independent: gunzip + hash + parse them concurrently.
        let results = ConcurrentResults<(NPYArray, String)>(count: layout.files.count)
        DispatchQueue.concurrentPerform(iterations: layout.files.count) { i in
            results.set(i, Result { try readArray(base: layout.base, relative: layout.files[i], manifest: layout.manifest,
                                                  mustBeListed: layout.manifestRequired) })
        }
        var hashes: [String: String] = [:]
        var arrays: [NPYArray] = []
        for (rel, result) in zip(layout.files, results.values) {
            let (array, hash) = try result.get()
            arrays.append(array)
            hashes[(rel as NSString).lastPathComponent] = hash
        }
        let train = try labeledImages(arrays[0], arrays[1], paths: layout.paths(0, 1), classNames: spec.classNames)
        let test = try labeledImages(arrays[2], arrays[3], paths: layout.paths(2, 3), classNames: spec.classNames)
        guard (train.channels, train.height, train.width) == (test.channels, test.height, test.width) else {
            throw DataError(.shapeMismatch, layout.paths(2, 3).images,
                            "test images are \(test.channels)×\(test.height)×\(test.width), train images \(train.channels)×\(train.height)×\(train.width)")
        }
        return Dataset(name: spec.name, train: train, test: test, sha256: hashes)
    }

    /// The data directory: `$AE_DATA_DIR`, else the first `data/` holding a `MANIFEST` found walking up from
    /// the current directory, then from the executable's directory. Nil if there is none.
    public static func defaultDataDir() -> String? {
        if let env = ProcessInfo.processInfo.environment["AE_DATA_DIR"], !env.isEmpty { return env }
        let fm = FileManager.default
        var starts = [fm.currentDirectoryPath]
        if let exe = Bundle.main.executablePath ?? CommandLine.arguments.first {
            starts.append(URL(fileURLWithPath: exe).resolvingSymlinksInPath().deletingLastPathComponent().path)
        }
        for start in starts {
            var dir = URL(fileURLWithPath: start).standardizedFileURL
            while true {
                let candidate = dir.appendingPathComponent("data")
                if fm.fileExists(atPath: candidate.appendingPathComponent("MANIFEST").path) { return candidate.path }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        return nil
    }

    /// Reads one file as an array, hashes it and checks the hash against the manifest.
    private static func readArray(base: String, relative: String, manifest: Manifest?, mustBeListed: Bool) throws -> (NPYArray, String) {
        let path = base + "/" + relative
        let (content, hash) = try (manifest ?? Manifest(entries: [:], path: base + "/MANIFEST"))
            .readVerified(relative, base: base, mustBeListed: mustBeListed) { file in
                relative.hasSuffix(".npy") || relative.hasSuffix(".npz") ? file : try Zlib.gunzipIfNeeded(file, name: path)
            }
        if relative.hasSuffix(".npy") { return (try NPY.read(data: content, name: path), hash) }
        if relative.hasSuffix(".npz") {
            let arrays = try NPZ.read(data: content, name: path)
            guard let array = arrays["arr_0"] ?? (arrays.count == 1 ? arrays.first!.value : nil) else {
                throw DataError(.badHeader, path, "expected one array (arr_0), found \(arrays.keys.sorted())")
            }
            return (array, hash)
        }
        let (dims, bytes) = try IDX.parse(content, name: path)
        return (NPYArray(shape: dims, values: .uint8(bytes)), hash)
    }

    /// Checks shapes and ranges and converts to `LabeledImages`.
    private static func labeledImages(_ images: NPYArray, _ labels: NPYArray, paths: (images: String, labels: String),
                                      classNames: [String]?) throws -> LabeledImages {
        let s = images.shape
        guard s.count == 3 || s.count == 4 else {
            throw DataError(.shapeMismatch, paths.images, "image array has shape \(s), expected [N, H, W] or [N, C, H, W]")
        }
        let (c, h, w) = s.count == 3 ? (1, s[1], s[2]) : (s[1], s[2], s[3])
        guard c > 0, h > 0, w > 0 else { throw DataError(.shapeMismatch, paths.images, "empty images, shape \(s)") }
        guard labels.shape.count == 1, labels.shape[0] == s[0] else {
            throw DataError(.shapeMismatch, paths.labels, "label array has shape \(labels.shape), expected [\(s[0])] (one per image)")
        }
        guard let ints = labels.integers else {
            throw DataError(.unsupported, paths.labels, "labels are \(labels.dtype.rawValue), expected an integer type")
        }
        if let bad = ints.first(where: { $0 < 0 || $0 > Int64(Int32.max) }) {
            throw DataError(.corrupt, paths.labels, "label \(bad) is not a non-negative 32-bit integer")
        }
        let pixels = try unitPixels(images, path: paths.images)
        return LabeledImages(images: pixels, labels: ints.map { Int32($0) }, channels: c, height: h, width: w,
                             classNames: classNames)
    }
}

/// Pixels in [0, 1] from an image array: bytes and other integers (0…255) divided by 255, floats checked to lie in
/// [0, 1] already. Throws naming `path` for a value out of range.
public func unitPixels(_ images: NPYArray, path: String) throws -> [Float] {
    switch images.values {
    case .uint8(let bytes):
        return unitFloats(bytes)
    case .int32, .int64:
        let raw = images.integers!
        if let bad = raw.first(where: { $0 < 0 || $0 > 255 }) {
            throw DataError(.corrupt, path, "pixel value \(bad) outside 0...255")
        }
        return raw.map { Float($0) / 255 }
    case .float32, .float64:
        let pixels = images.floats
        if let bad = pixels.first(where: { !($0 >= 0 && $0 <= 1) }) {
            throw DataError(.corrupt, path, "float pixel value \(bad) outside [0, 1]")
        }
        return pixels
    }
}

/// Results written by concurrent iterations, one slot each (the lock only guards the array's storage).
final class ConcurrentResults<T>: @unchecked Sendable {
    private var slots: [Result<T, Error>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: Result<T, Error>) { lock.withLock { slots[i] = value } }
    var values: [Result<T, Error>] { lock.withLock { slots.map { $0! } } }
}

/// `bytes / 255` through a lookup table, with pointers (this loop runs over 47 M values, also in debug builds).
func unitFloats(_ bytes: [UInt8]) -> [Float] {
    let table = (0..<256).map { Float($0) / 255 }
    return [Float](unsafeUninitializedCapacity: bytes.count) { out, n in
        bytes.withUnsafeBufferPointer { src in
            table.withUnsafeBufferPointer { t in
                guard var s = src.baseAddress, var d = out.baseAddress, let lut = t.baseAddress else { return }
                let end = s + src.count
                while s < end {
                    d.initialize(to: lut[Int(s.pointee)])
                    s += 1
                    d += 1
                }
            }
        }
        n = bytes.count
    }
}

/// Where the four files of a dataset are, and how strictly they are checked.
struct DatasetLayout {
    let base: String
    /// Train images, train labels, test images, test labels, relative to `base`.
    let files: [String]
    let manifest: Manifest?
    let manifestRequired: Bool

    /// The MNIST file names (without `.gz`): train images, train labels, test images, test labels.
    static let idxNames = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]

    func paths(_ images: Int, _ labels: Int) -> (images: String, labels: String) {
        (base + "/" + files[images], base + "/" + files[labels])
    }

    init(spec: DatasetSpec, dataDir: String?) throws {
        func root() throws -> String {
            guard let dir = dataDir ?? Dataset.defaultDataDir() else {
                throw DataError(.missingFile, "data/MANIFEST",
                                "no data directory: set AE_DATA_DIR or run from inside the package checkout")
            }
            return dir
        }
        switch spec {
        case .mnist, .fashionMNIST:
            base = try root()
            files = Self.idxNames.map { "\(spec.name)/\($0).gz" }
            manifest = try Manifest.load(dataDir: base)
            manifestRequired = true
        case .kmnist, .kuzushiji49:
            base = try root()
            let sub = spec.name
            files = ["train-imgs", "train-labels", "test-imgs", "test-labels"].map { "\(sub)/\(sub)-\($0).npz" }
            for f in files where !FileManager.default.fileExists(atPath: base + "/" + f) {
                throw DataError(.missingFile, base + "/" + f,
                                "\(sub) is not shipped: download \(sub)-{train,test}-{imgs,labels}.npz from "
                                + "https://github.com/rois-codh/kmnist into \(base)/\(sub)/")
            }
            manifest = FileManager.default.fileExists(atPath: base + "/MANIFEST") ? try Manifest.load(dataDir: base) : nil
            manifestRequired = false
        case .path(let dir):
            base = dir
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                throw DataError(.missingFile, dir, "no such directory")
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: dir)
            files = try Self.idxNames.enumerated().map { role, idx in
                let split = role < 2 ? "train" : "test"
                let kind = role % 2 == 0 ? ["images", "imgs"] : ["labels"]
                let numpyStems = kind.map { "\(split)-\($0)" }
                let matches = names.filter { name in
                    name == idx || name == idx + ".gz" || [".npy", ".npz"].contains { ext in
                        numpyStems.contains { name == $0 + ext || name.hasSuffix("-" + $0 + ext) || name == idx + ext }
                    }
                }.sorted()
                guard matches.count == 1 else {
                    throw DataError(matches.isEmpty ? .missingFile : .invalidArgument, dir,
                                    matches.isEmpty ? "no \(split) \(kind[0]) file (\(idx)[.gz] or *\(numpyStems.last!).npy/.npz)"
                                        : "several \(split) \(kind[0]) files: \(matches.joined(separator: ", "))")
                }
                return matches[0]
            }
            manifest = FileManager.default.fileExists(atPath: dir + "/MANIFEST") ? try Manifest.load(dataDir: dir) : nil
            manifestRequired = false
        }
    }
}
