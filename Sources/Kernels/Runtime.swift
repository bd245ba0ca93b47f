import CKernels

/// An instruction set the native kernels can run on.
public enum ISA: String, CaseIterable, Sendable, CustomStringConvertible {
    case scalar, avx2, avx512, neon

    var cValue: ck_isa {
        switch self {
        case .scalar: CK_ISA_SCALAR
        case .avx2: CK_ISA_AVX2
        case .avx512: CK_ISA_AVX512
        case .neon: CK_ISA_NEON
        }
    }

    init(_ c: ck_isa) {
        switch c {
        case CK_ISA_AVX2: self = .avx2
        case CK_ISA_AVX512: self = .avx512
        case CK_ISA_NEON: self = .neon
        default: self = .scalar
        }
    }

    /// Whether this CPU and OS can run the ISA.
    public var isSupported: Bool { ck_isa_supported(cValue) != 0 }

    /// The ISAs this machine supports, best last.
    public static var supported: [ISA] { allCases.filter(\.isSupported) }

    public var description: String { rawValue }
}

/// Process-wide settings of the native kernels: which ISA they use and how many threads.
///
/// The ISA is chosen once at first use: the best the CPU supports, unless the environment variable `AE_ISA`
/// (`avx512|avx2|neon|scalar`) forces one. The thread count starts at `OMP_NUM_THREADS`, else the number of
/// processors.
public enum KernelRuntime {
    /// The ISA every kernel call uses now.
    public static var isa: ISA { ISA(ck_isa_active()) }

    /// The best ISA this machine supports, whatever `AE_ISA` says.
    public static var bestISA: ISA { ISA(ck_isa_best()) }

    /// A value of `AE_ISA` that was ignored (unknown, or not supported here), if any.
    public static var rejectedISARequest: String? {
        ck_isa_rejected_request().map { String(cString: $0) }
    }

    /// Makes every later kernel call use `isa`. Throws when this machine cannot run it.
    public static func force(_ isa: ISA) throws(KernelError) {
        guard ck_isa_force(isa.cValue) == 0 else { throw .unsupportedISA(isa) }
    }

    /// Runs `body` with `isa` forced, then restores the previous ISA.
    public static func with<R>(isa: ISA, _ body: () throws -> R) throws -> R {
        let previous = self.isa
        try force(isa)
        defer { _ = ck_isa_force(previous.cValue) }
        return try body()
    }

    /// Threads the kernels use (>= 1).
    public static var threads: Int {
        get { Int(ck_threads()) }
        set { ck_set_threads(Int32(clamping: newValue)) }
    }

    /// Runs `body` with `threads` kernel threads, then restores the previous count.
    public static func with<R>(threads: Int, _ body: () throws -> R) rethrows -> R {
        let previous = self.threads
        self.threads = threads
        defer { self.threads = previous }
        return try body()
    }

    /// Whether the kernels were built with OpenMP (otherwise they run on one thread).
    public static var openMP: Bool { ck_openmp_enabled() != 0 }

    /// Processors visible to the OpenMP runtime.
    public static var processors: Int { Int(ck_processors()) }
}

/// Errors reported by the native kernels.
public enum KernelError: Error, Equatable, CustomStringConvertible {
    case unsupportedISA(ISA)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .unsupportedISA(let isa): "this CPU cannot run the \(isa) kernels (supported: \(ISA.supported.map(\.rawValue).joined(separator: ", ")))"
        case .invalidArgument(let what): "invalid kernel argument: \(what)"
        }
    }
}
