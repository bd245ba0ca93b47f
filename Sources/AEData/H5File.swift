import CHDF5
import Foundation

/// An HDF5 failure, with the file and object it concerns.
public struct H5Error: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Element types stored as native HDF5 numbers. Reads convert from whatever numeric type the file holds
/// (HDF5 does the conversion), so a float64 array written by h5py reads as `[Float]` too.
public protocol H5Element: Numeric {
    static var h5Type: hid_t { get }
}
extension Float: H5Element { public static var h5Type: hid_t { ae_h5t_native_float() } }
extension Double: H5Element { public static var h5Type: hid_t { ae_h5t_native_double() } }
extension Int32: H5Element { public static var h5Type: hid_t { ae_h5t_native_int32() } }
extension Int64: H5Element { public static var h5Type: hid_t { ae_h5t_native_int64() } }
extension UInt8: H5Element { public static var h5Type: hid_t { ae_h5t_native_uint8() } }

/// HDF5 must be opened before its type "constants" are used; its own error printing is turned off because
/// every failure becomes a Swift error here.
private let h5Ready: Bool = {
    H5open()
    ae_h5_quiet()
    return true
}()

/// Arrays asked to be compressed are stored chunked, shuffled and gzipped only above this size.
private let compressionThreshold = 4096

/// One open HDF5 file. Paths are absolute ("/group/dataset"); groups on the way are created on write.
/// Datasets are plain numeric arrays with their shape, and string attributes are variable-length UTF-8,
/// so h5py reads everything as numpy arrays and `str` (docs/hdf5-layout.md).
public final class H5File {
    public let path: String
    internal private(set) var id: hid_t

    private init(path: String, id: hid_t) {
        self.path = path
        self.id = id
    }
    deinit { close() }

    /// Creates (truncates) a file. Space freed by rewritten datasets is reused across reopenings.
    public static func create(_ path: String) throws -> H5File {
        _ = h5Ready
        let fcpl = ae_h5p_file_create_reusing_space()
        defer { H5Pclose(fcpl) }
        let id = H5Fcreate(path, ae_h5f_acc_trunc(), fcpl, ae_h5p_default())
        guard id >= 0 else { throw H5Error("\(path): cannot create HDF5 file") }
        return H5File(path: path, id: id)
    }

    /// Opens an existing file, read-only unless `writable`.
    public static func open(_ path: String, writable: Bool = false) throws -> H5File {
        _ = h5Ready
        guard FileManager.default.fileExists(atPath: path) else { throw H5Error("\(path): no such file") }
        guard H5Fis_hdf5(path) > 0 else { throw H5Error("\(path): not an HDF5 file") }
        let id = H5Fopen(path, writable ? ae_h5f_acc_rdwr() : ae_h5f_acc_rdonly(), ae_h5p_default())
        guard id >= 0 else { throw H5Error("\(path): cannot open HDF5 file (truncated or damaged?)") }
        return H5File(path: path, id: id)
    }

    /// Flushes and closes; later calls do nothing. Throws if HDF5 could not write the file out.
    public func finish() throws {
        guard id >= 0 else { return }
        let status = H5Fclose(id)
        id = -1
        guard status >= 0 else { throw H5Error("\(path): closing failed (disk full?)") }
    }

    public func close() { try? finish() }

    // MARK: objects

    /// True when every link on the way to `object` exists.
    public func exists(_ object: String) -> Bool {
        var prefix = ""
        for component in object.split(separator: "/") {
            prefix += "/" + component
            guard H5Lexists(id, prefix, ae_h5p_default()) > 0 else { return false }
        }
        return true
    }

    /// True when `object` is a dataset (false for groups and missing objects).
    public func isDataset(_ object: String) -> Bool {
        guard exists(object) else { return false }
        let ds = H5Dopen2(id, object, ae_h5p_default())
        guard ds >= 0 else { return false }
        H5Dclose(ds)
        return true
    }

    /// Names of the links in a group, sorted by name.
    public func children(of group: String) throws -> [String] {
        let g = H5Gopen2(id, group, ae_h5p_default())
        guard g >= 0 else { throw H5Error("\(path): no group \(group)") }
        defer { H5Gclose(g) }
        var info = H5G_info_t()
        guard H5Gget_info(g, &info) >= 0 else { throw H5Error("\(path): cannot list \(group)") }
        return try (0..<info.nlinks).map { i in
            let length = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, ae_h5p_default())
            guard length >= 0 else { throw H5Error("\(path): cannot list \(group)") }
            var name = [CChar](repeating: 0, count: Int(length) + 1)
            H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, &name, name.count, ae_h5p_default())
            return String(decoding: name.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// Removes a dataset or group (and everything under it). Missing objects are not an error.
    public func delete(_ object: String) throws {
        guard exists(object) else { return }
        guard H5Ldelete(id, object, ae_h5p_default()) >= 0 else { throw H5Error("\(path): cannot delete \(object)") }
    }

    public func flush() { H5Fflush(id, H5F_SCOPE_GLOBAL) }

    private func linkCreateProperties() -> hid_t {
        let lcpl = H5Pcreate(ae_h5p_link_create())
        H5Pset_create_intermediate_group(lcpl, 1)
        return lcpl
    }

    // MARK: numeric datasets

    /// Writes `values` with `shape` (row-major) at `dataset`, replacing what was there. A dataset of the
    /// same type and shape is overwritten in place, so per-epoch checkpoints do not grow the file.
    /// `compress` (for write-once arrays: datasets, latents) stores large arrays chunked + shuffle + gzip;
    /// it is off by default because rewritten compressed chunks are reallocated and grow the file.
    public func write<T: H5Element>(_ dataset: String, _ values: [T], shape: [Int], compress: Bool = false) throws {
        guard shape.reduce(1, *) == values.count, shape.allSatisfy({ $0 >= 0 }) else {
            throw H5Error("\(path): \(dataset): shape \(shape) does not hold \(values.count) values")
        }
        let dims = shape.map { hsize_t($0) }
        if let ds = openMatching(dataset, type: T.h5Type, dims: dims) {
            defer { H5Dclose(ds) }
            try writeAll(ds, values, dataset)
            return
        }
        try delete(dataset)
        let space = dims.isEmpty ? ae_h5s_scalar_create() : H5Screate_simple(Int32(dims.count), dims, nil)
        defer { H5Sclose(space) }
        let dcpl = H5Pcreate(ae_h5p_dataset_create())
        defer { H5Pclose(dcpl) }
        if compress, values.count > compressionThreshold, let first = shape.first {
            // Chunks of whole rows, about 64k elements each: good compression, cheap partial reads.
            let row = max(1, values.count / first)
            var chunk = dims
            chunk[0] = hsize_t(max(1, min(first, 65536 / row)))
            H5Pset_chunk(dcpl, Int32(chunk.count), chunk)
            H5Pset_shuffle(dcpl)
            H5Pset_deflate(dcpl, 4)
        }
        let lcpl = linkCreateProperties()
        defer { H5Pclose(lcpl) }
        let ds = H5Dcreate2(id, dataset, T.h5Type, space, lcpl, dcpl, ae_h5p_default())
        guard ds >= 0 else { throw H5Error("\(path): cannot create dataset \(dataset)") }
        defer { H5Dclose(ds) }
        try writeAll(ds, values, dataset)
    }

    private func writeAll<T: H5Element>(_ ds: hid_t, _ values: [T], _ dataset: String) throws {
        guard !values.isEmpty else { return }
        let status = values.withUnsafeBufferPointer {
            H5Dwrite(ds, T.h5Type, ae_h5s_all(), ae_h5s_all(), ae_h5p_default(), $0.baseAddress)
        }
        guard status >= 0 else { throw H5Error("\(path): writing \(dataset) failed") }
    }

    /// The existing dataset at `dataset` if it has exactly this type and shape.
    private func openMatching(_ dataset: String, type: hid_t, dims: [hsize_t]) -> hid_t? {
        guard isDataset(dataset) else { return nil }
        let ds = H5Dopen2(id, dataset, ae_h5p_default())
        let fileType = H5Dget_type(ds)
        defer { H5Tclose(fileType) }
        if H5Tequal(fileType, type) > 0, (try? shape(ds)) == dims.map({ Int($0) }) { return ds }
        H5Dclose(ds)
        return nil
    }

    private func shape(_ ds: hid_t) throws -> [Int] {
        let space = H5Dget_space(ds)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0 else { throw H5Error("\(path): unreadable dataspace") }
        var dims = [hsize_t](repeating: 0, count: rank)
        H5Sget_simple_extent_dims(space, &dims, nil)
        return dims.map { Int($0) }
    }

    /// The shape of a dataset.
    public func shape(of dataset: String) throws -> [Int] {
        guard isDataset(dataset) else { throw H5Error("\(path): no dataset \(dataset)") }
        let ds = H5Dopen2(id, dataset, ae_h5p_default())
        defer { H5Dclose(ds) }
        return try shape(ds)
    }

    /// Reads a whole numeric dataset, converted to `T`, with its shape.
    public func read<T: H5Element>(_ dataset: String, as: T.Type = T.self) throws -> (values: [T], shape: [Int]) {
        guard isDataset(dataset) else { throw H5Error("\(path): no dataset \(dataset)") }
        let ds = H5Dopen2(id, dataset, ae_h5p_default())
        defer { H5Dclose(ds) }
        let dims = try shape(ds)
        var values = [T](repeating: 0, count: dims.reduce(1, *))
        if !values.isEmpty {
            let status = values.withUnsafeMutableBufferPointer {
                H5Dread(ds, T.h5Type, ae_h5s_all(), ae_h5s_all(), ae_h5p_default(), $0.baseAddress)
            }
            guard status >= 0 else { throw H5Error("\(path): \(dataset) is not a numeric array of \(T.self)") }
        }
        return (values, dims)
    }

    public func write(_ dataset: String, floats: [Float], shape: [Int], compress: Bool = false) throws {
        try write(dataset, floats, shape: shape, compress: compress)
    }
    public func write(_ dataset: String, doubles: [Double], shape: [Int], compress: Bool = false) throws {
        try write(dataset, doubles, shape: shape, compress: compress)
    }
    public func write(_ dataset: String, int32s: [Int32], shape: [Int], compress: Bool = false) throws {
        try write(dataset, int32s, shape: shape, compress: compress)
    }
    public func write(_ dataset: String, int64s: [Int64], shape: [Int], compress: Bool = false) throws {
        try write(dataset, int64s, shape: shape, compress: compress)
    }
    public func write(_ dataset: String, uint8s: [UInt8], shape: [Int], compress: Bool = false) throws {
        try write(dataset, uint8s, shape: shape, compress: compress)
    }
    public func readFloats(_ dataset: String) throws -> (values: [Float], shape: [Int]) { try read(dataset) }
    public func readDoubles(_ dataset: String) throws -> (values: [Double], shape: [Int]) { try read(dataset) }
    public func readInt32s(_ dataset: String) throws -> (values: [Int32], shape: [Int]) { try read(dataset) }
    public func readInt64s(_ dataset: String) throws -> (values: [Int64], shape: [Int]) { try read(dataset) }

    // MARK: attributes

    private func replaceAttribute(_ name: String, at object: String, type: hid_t, _ write: (hid_t) -> herr_t) throws {
        guard exists(object) else { throw H5Error("\(path): no object \(object) for attribute \(name)") }
        if H5Aexists_by_name(id, object, name, ae_h5p_default()) > 0 {
            H5Adelete_by_name(id, object, name, ae_h5p_default())
        }
        let space = ae_h5s_scalar_create()
        defer { H5Sclose(space) }
        let attr = H5Acreate_by_name(id, object, name, type, space, ae_h5p_default(), ae_h5p_default(), ae_h5p_default())
        guard attr >= 0 else { throw H5Error("\(path): cannot create attribute \(name) on \(object)") }
        defer { H5Aclose(attr) }
        guard write(attr) >= 0 else { throw H5Error("\(path): cannot write attribute \(name) on \(object)") }
    }

    /// Sets a string attribute (variable-length UTF-8) on a group or dataset ("/" = the file).
    public func setAttribute(_ name: String, string value: String, at object: String = "/") throws {
        let type = ae_h5t_utf8_vlen()
        defer { H5Tclose(type) }
        try value.withCString { cString in
            var pointer: UnsafePointer<CChar>? = cString
            try replaceAttribute(name, at: object, type: type) { H5Awrite($0, type, &pointer) }
        }
    }
    public func setAttribute(_ name: String, int value: Int64, at object: String = "/") throws {
        var v = value
        try replaceAttribute(name, at: object, type: Int64.h5Type) { H5Awrite($0, Int64.h5Type, &v) }
    }
    public func setAttribute(_ name: String, double value: Double, at object: String = "/") throws {
        var v = value
        try replaceAttribute(name, at: object, type: Double.h5Type) { H5Awrite($0, Double.h5Type, &v) }
    }

    /// Opens attribute `name` of `object`, or nil when either is missing.
    private func withAttribute<R>(_ name: String, at object: String, _ body: (hid_t) throws -> R) throws -> R? {
        guard exists(object), H5Aexists_by_name(id, object, name, ae_h5p_default()) > 0 else { return nil }
        let attr = H5Aopen_by_name(id, object, name, ae_h5p_default(), ae_h5p_default())
        guard attr >= 0 else { throw H5Error("\(path): cannot open attribute \(name) on \(object)") }
        defer { H5Aclose(attr) }
        let space = H5Aget_space(attr)
        defer { H5Sclose(space) }
        guard H5Sget_simple_extent_npoints(space) == 1 else { throw H5Error("\(path): attribute \(name) on \(object) is not a single value") }
        return try body(attr)
    }

    /// A string attribute, fixed-length or variable-length (as h5py writes them); nil when absent.
    public func stringAttribute(_ name: String, at object: String = "/") throws -> String? {
        try withAttribute(name, at: object) { attr in
            let fileType = H5Aget_type(attr)
            defer { H5Tclose(fileType) }
            guard H5Tget_class(fileType) == H5T_STRING else { throw H5Error("\(path): attribute \(name) is not a string") }
            if H5Tis_variable_str(fileType) > 0 {
                let type = ae_h5t_utf8_vlen()
                defer { H5Tclose(type) }
                var pointer: UnsafeMutablePointer<CChar>? = nil
                guard H5Aread(attr, type, &pointer) >= 0 else { throw H5Error("\(path): cannot read attribute \(name)") }
                defer { H5free_memory(pointer) }
                return pointer.map { String(cString: $0) } ?? ""
            }
            var buffer = [UInt8](repeating: 0, count: H5Tget_size(fileType) + 1)
            guard H5Aread(attr, fileType, &buffer) >= 0 else { throw H5Error("\(path): cannot read attribute \(name)") }
            return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private func numericAttribute<T: H5Element>(_ name: String, at object: String) throws -> T? {
        try withAttribute(name, at: object) { attr in
            var v: T = 0
            guard H5Aread(attr, T.h5Type, &v) >= 0 else { throw H5Error("\(path): attribute \(name) is not a number") }
            return v
        }
    }
    public func intAttribute(_ name: String, at object: String = "/") throws -> Int64? { try numericAttribute(name, at: object) }
    public func doubleAttribute(_ name: String, at object: String = "/") throws -> Double? { try numericAttribute(name, at: object) }
}
