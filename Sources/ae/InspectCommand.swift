import AEData
import ArgumentParser

/// `ae inspect FILE.h5`: the tree of any HDF5 file — groups, datasets (type, shape, chunking and filters),
/// attributes with their values — sorted by name. Read-only.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the tree of an HDF5 file: groups, datasets (dtype, shape, storage) and attributes.",
        discussion: """
        Works on any HDF5 file (runs written by ae, files written by h5py). Members are sorted by name; \
        attributes are shown as '@name: type = value', long strings shortened. Soft and external links are \
        shown, not followed.
        """
    )

    @Argument(help: "The HDF5 file.")
    var file: String

    @Option(help: "Show only this group or dataset (e.g. /latents/test).")
    var path: String = "/"

    @Option(name: .customLong("values"), help: ArgumentHelp("Print the first N values of every dataset.", valueName: "N"))
    var values: Int = 0

    func validate() throws {
        if values < 0 { throw ValidationError("--values must be 0 or more, got \(values)") }
        if path.isEmpty { throw ValidationError("--path must name a group or dataset, e.g. /latents") }
    }

    func run() throws {
        // H5Error (missing file, not HDF5, unknown path, damaged file) is one line naming the file; the
        // argument parser prints it as "Error: …" and exits non-zero.
        let tree = try RunFile.read(at: file) { try $0.inspect(path, values: values) }
        print(H5TreeRenderer().render(tree), terminator: "")
    }
}
