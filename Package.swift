// swift-tools-version:6.0
//
// autoencoders: hand-vectorised C kernels + Swift models for training and studying autoencoders.
//
// Layout (see README):
//   CKernels/          C target: one file per kernel family, runtime ISA dispatch, OpenMP threads
//   Sources/Kernels    Swift API over CKernels (ISA and thread control, typed kernel calls)
//   Sources/KernelsReference   pure-Swift twin of every C kernel (tests + profiler)
//   Sources/AEData     datasets (IDX, .npy, .npz) and the HDF5 run store
//   Sources/AENet      tensors, layers, models, optimisers and the trainer
//   Sources/ae         the `ae` command-line tool
import PackageDescription
import Foundation

// MARK: - OpenMP discovery
//
// Swift's bundled clang understands -fopenmp but ships no omp.h and no runtime. Debian's libomp-dev puts
// them under /usr/lib/llvm-<v>/lib/{clang/<x>/include,}; Homebrew under /opt/homebrew/opt/libomp. We look
// for them here instead of hard-coding a version. Without them the kernels build single-threaded.
struct OpenMP {
    let includeDir: String
    let libDir: String
}

func findOpenMP() -> OpenMP? {
    let fm = FileManager.default
    func versionKey(_ s: String) -> [Int] {
        s.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    }
    var candidates: [OpenMP] = []
    if let llvms = try? fm.contentsOfDirectory(atPath: "/usr/lib") {
        for llvm in llvms.filter({ $0.hasPrefix("llvm-") }).sorted(by: { versionKey($0).lexicographicallyPrecedes(versionKey($1)) }).reversed() {
            let clangDir = "/usr/lib/\(llvm)/lib/clang"
            let libDir = "/usr/lib/\(llvm)/lib"
            guard fm.fileExists(atPath: "\(libDir)/libomp.so"),
                  let versions = try? fm.contentsOfDirectory(atPath: clangDir) else { continue }
            for v in versions.sorted(by: { versionKey($0).lexicographicallyPrecedes(versionKey($1)) }).reversed()
            where fm.fileExists(atPath: "\(clangDir)/\(v)/include/omp.h") {
                candidates.append(OpenMP(includeDir: "\(clangDir)/\(v)/include", libDir: libDir))
            }
        }
    }
    for prefix in ["/opt/homebrew/opt/libomp", "/usr/local/opt/libomp"]
    where fm.fileExists(atPath: "\(prefix)/include/omp.h") {
        candidates.append(OpenMP(includeDir: "\(prefix)/include", libDir: "\(prefix)/lib"))
    }
    if ProcessInfo.processInfo.environment["AE_NO_OPENMP"] != nil { return nil }
    return candidates.first
}

let openMP = findOpenMP()

// The C kernels are always compiled optimised (also in debug builds: tests would crawl otherwise).
// No -march=native: ISA-specific code is selected at run time (CKernels/dispatch.c).
var kernelCFlags: [String] = ["-O3", "-fno-math-errno", "-std=gnu11", "-Wall", "-Wno-unknown-pragmas"]
var kernelLinkerSettings: [LinkerSetting] = [.linkedLibrary("m", .when(platforms: [.linux]))]
if let omp = openMP {
    kernelCFlags += ["-fopenmp", "-I", omp.includeDir]
    kernelLinkerSettings += [.unsafeFlags(["-L", omp.libDir, "-Xlinker", "-rpath", "-Xlinker", omp.libDir]),
                             .linkedLibrary("omp")]
}

// MARK: - MPI discovery
//
// MPI is optional: with Open MPI's development files (Debian: libopenmpi-dev, found through its pkg-config
// file ompi-c.pc) the `CMPI` system library joins the package and `AEDistributed` is compiled with
// `-D AE_MPI`, so `mpirun -np N ae study …` and `ae train --distributed` work. Without them everything else
// builds and runs the same, and `ae` refuses mpirun / --distributed with a one-line error. We look for the
// .pc file instead of running pkg-config (a manifest should not spawn processes); AE_NO_MPI=1 turns MPI off.
func findMPI() -> Bool {
    if ProcessInfo.processInfo.environment["AE_NO_MPI"] != nil { return false }
    let env = ProcessInfo.processInfo.environment["PKG_CONFIG_PATH"]?.split(separator: ":").map(String.init) ?? []
    let dirs = env + ["/usr/lib/x86_64-linux-gnu/pkgconfig", "/usr/lib/aarch64-linux-gnu/pkgconfig", "/usr/lib/pkgconfig",
                      "/usr/local/lib/pkgconfig", "/opt/homebrew/lib/pkgconfig"]
    return dirs.contains { FileManager.default.fileExists(atPath: "\($0)/ompi-c.pc") }
}

let hasMPI = findMPI()
var mpiTargets: [Target] = []
var distributedDependencies: [Target.Dependency] = ["AENet", "AERun", "AEStudy"]
var distributedSettings: [SwiftSetting] = []
if hasMPI {
    mpiTargets.append(.systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
                                     providers: [.apt(["libopenmpi-dev"]), .brew(["open-mpi"])]))
    distributedDependencies.append("CMPI")
    distributedSettings.append(.define("AE_MPI"))
}

let package = Package(
    name: "autoencoders",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ae", targets: ["ae"]),
        .library(name: "Kernels", targets: ["Kernels"]),
        .library(name: "AEData", targets: ["AEData"]),
        .library(name: "AENet", targets: ["AENet"]),
        .library(name: "AERun", targets: ["AERun"]),
        .library(name: "AEAnalysis", targets: ["AEAnalysis"]),
        .library(name: "AEStudy", targets: ["AEStudy"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        // YAML study specifications (`ae study --spec FILE.yaml`).
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
    ],
    targets: [
        // MARK: Native kernels (implementation detail; no stable C API)
        .target(
            name: "CKernels",
            path: "CKernels",
            exclude: ["README.md"],
            publicHeadersPath: "include",
            cSettings: [.unsafeFlags(kernelCFlags)],
            linkerSettings: kernelLinkerSettings
        ),
        // MARK: System libraries
        .systemLibrary(
            name: "CHDF5",
            path: "Sources/CHDF5",
            pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"]), .brew(["hdf5"])]
        ),
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CLapacke",
            path: "Sources/CLapacke",
            pkgConfig: "lapacke",
            providers: [.apt(["liblapacke-dev", "liblapack-dev"]), .brew(["lapack"])]
        ),
        .systemLibrary(
            name: "CCairo",
            path: "Sources/CCairo",
            pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev"]), .brew(["cairo"])]
        ),
        // MARK: Public Swift modules
        .target(name: "Kernels", dependencies: ["CKernels"]),
        .target(name: "KernelsReference", dependencies: [.product(name: "Numerics", package: "swift-numerics")]),
        .target(name: "AEData", dependencies: ["CHDF5", "CZlib"]),
        .target(name: "AENet", dependencies: ["CKernels", "Kernels"]),
        // A run: dataset + model + training, stored in and reloaded from one HDF5 file.
        .target(name: "AERun", dependencies: ["AEData", "AENet", "Kernels"]),
        // PCA, t-SNE, metrics and plots over saved latents.
        .target(name: "AEAnalysis", dependencies: ["CLapacke", "CCairo", "CKernels", "Kernels", "AEData"]),
        // Studies: many runs (grids, cross-validation, cross-training, robustness) with tables and figures.
        .target(name: "AEStudy", dependencies: ["AERun", "AEAnalysis", "AEData", "AENet", "Kernels",
                                               .product(name: "Yams", package: "Yams")]),
        // Studies across MPI ranks and data-parallel training (a stand-in without MPI; see the MPI section above).
        .target(name: "AEDistributed", dependencies: distributedDependencies, swiftSettings: distributedSettings),
        .executableTarget(
            name: "ae",
            dependencies: [
                "Kernels", "KernelsReference", "AEData", "AENet", "AERun", "AEAnalysis", "AEStudy", "AEDistributed",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // MARK: Tests
        .target(name: "TestSupport", dependencies: ["Kernels", "KernelsReference", "AEData"], path: "Tests/TestSupport"),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "KernelsReference", "TestSupport"]),
        .testTarget(name: "DataTests", dependencies: ["AEData", "TestSupport"]),
        .testTarget(name: "AENetTests", dependencies: ["AENet", "Kernels", "KernelsReference", "TestSupport"]),
        .testTarget(name: "RunTests", dependencies: ["AERun", "AEData", "AENet", "TestSupport"]),
        .testTarget(name: "AnalysisTests", dependencies: ["AEAnalysis", "AEData", "TestSupport"]),
        .testTarget(name: "StudyTests", dependencies: ["AEStudy", "AERun", "AEData", "AENet", "TestSupport"]),
        // Runs the built `ae` under real `mpirun` (skipped where Open MPI is missing).
        .testTarget(name: "DistributedTests", dependencies: ["AEStudy", "AERun", "AEData", "AENet", "TestSupport"]),
    ] + mpiTargets
)
