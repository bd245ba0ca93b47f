/// Per-sample dimensions of an activation: channels × height × width. Fully connected activations are
/// (features, 1, 1), so Flatten and Reshape between NCHW and (batch, features) cost nothing.
public struct Dims: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var c: Int, h: Int, w: Int
    public init(_ c: Int, _ h: Int = 1, _ w: Int = 1) { self.c = c; self.h = h; self.w = w }
    public static func features(_ n: Int) -> Dims { Dims(n, 1, 1) }
    /// Floats per sample.
    public var count: Int { c * h * w }
    public var description: String { h == 1 && w == 1 ? "\(c)" : "\(c)x\(h)x\(w)" }
}

/// Float storage aligned to 64 bytes (a cache line, the widest vector), zero-initialised, freed on deinit.
public final class Buffer: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        precondition(count >= 0)
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { pointer.deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }
    public var array: [Float] { Array(buffer) }

    /// Copies `values` in (sizes must match).
    public func assign(_ values: [Float]) {
        precondition(values.count == count, "assigning \(values.count) floats to a buffer of \(count)")
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
    }

    public func zero() { pointer.update(repeating: 0, count: count) }

    /// A batch view of the first batch × dims floats.
    public func tensor(batch: Int, dims: Dims) -> Tensor {
        precondition(batch * dims.count <= count, "view \(batch)x\(dims) exceeds buffer of \(count)")
        return Tensor(data: pointer, batch: batch, dims: dims)
    }
}

/// A non-owning view of a batch of activations, NCHW. The storage belongs to a `Buffer` (a layer's output
/// or gradient buffer, or the trainer's input batch) and stays valid until that owner reuses it.
public struct Tensor {
    public var data: UnsafeMutablePointer<Float>
    public var batch: Int
    public var dims: Dims
    public init(data: UnsafeMutablePointer<Float>, batch: Int, dims: Dims) {
        self.data = data; self.batch = batch; self.dims = dims
    }
    public var count: Int { batch * dims.count }
    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: data, count: count) }
    public var array: [Float] { Array(buffer) }
    /// The same floats seen with other per-sample dimensions of equal size.
    public func reshaped(_ d: Dims) -> Tensor {
        precondition(d.count == dims.count, "cannot reshape \(dims) to \(d)")
        return Tensor(data: data, batch: batch, dims: d)
    }
}
