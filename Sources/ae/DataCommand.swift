import AEData
import ArgumentParser
import Foundation

/// `ae data info|import`: the datasets the tool knows, and conversion of image files to HDF5 dataset files.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "List known datasets, or import IDX/.npy/.npz files into an HDF5 dataset file.",
        subcommands: [DataInfo.self, DataImport.self])
}

struct DataInfo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "List the shipped and known datasets with their files, sizes and SHA-256 sums.")
    @Option(help: "Data directory (default: ./data or AE_DATA_DIR).") var dataDir: String?
    @Flag(help: "Load each present dataset: verify checksums and print image counts.") var verify = false

    func run() throws {
        guard let dir = dataDir ?? Dataset.defaultDataDir() else {
            throw ValidationError("no data directory: pass --data-dir or set AE_DATA_DIR")
        }
        let manifest = try Manifest.load(dataDir: dir)
        print("data directory: \(dir)")
        for spec in [DatasetSpec.mnist, .fashionMNIST, .kmnist, .kuzushiji49] {
            let folder = dir + "/" + spec.name
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
            print("\n\(spec.name): " + (files.isEmpty ? "not present (see data/README.md)" : "\(files.count) files in \(folder)"))
            for f in files where !f.hasPrefix(".") {
                let size = (try? FileManager.default.attributesOfItem(atPath: folder + "/" + f)[.size] as? Int) ?? 0
                let hash = manifest.entries["\(spec.name)/\(f)"].map { String($0.prefix(16)) + "…" } ?? "(not in MANIFEST)"
                print(String(format: "  %-34@ %10d bytes  sha256 %@", f as NSString, size, hash as NSString))
            }
            if verify, !files.isEmpty {
                let d = try Dataset.load(spec, dataDir: dir)
                print("  verified: \(d.train.count) train + \(d.test.count) test images of \(d.train.channels)×\(d.train.height)×\(d.train.width), \(d.train.classCount) classes")
            }
        }
    }
}

struct DataImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert a dataset (mnist, fashion-mnist, kmnist, k49 or a folder of IDX/.npy/.npz files) to one HDF5 file.",
        discussion: "The file is itself a dataset: `ae train --dataset FILE.h5`.")
    @Argument(help: "Dataset name or folder.") var source: String
    @Option(help: "HDF5 file to write.") var out: String
    @Option(help: "Data directory for named datasets (default: ./data or AE_DATA_DIR).") var dataDir: String?
    @Flag(help: "Replace an existing file.") var overwrite = false

    func run() throws {
        let dataset = try Dataset.load(try DatasetSpec(parsing: source), dataDir: dataDir)
        try dataset.writeHDF5(to: out, overwrite: overwrite)
        print("\(out): \(dataset.name), \(dataset.train.count) train + \(dataset.test.count) test images")
    }
}
