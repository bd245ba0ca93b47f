import AEData
import Foundation

/// A scratch folder holding a tiny MNIST extract (the first 500 training and 150 test images) stored once as
/// a dataset file, so that the many short runs of the study and MPI tests load their data in milliseconds.
public struct TinyMNISTFolder {
    public let root: String
    public let dataset: String

    /// Creates `<tmp>/<prefix>-<pid>` and writes the extract into it.
    public init(prefix: String) {
        root = NSTemporaryDirectory() + "\(prefix)-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        dataset = root + "/tiny-mnist.h5"
        let mnist = try! Dataset.load(.mnist)
        try! Dataset(name: "tiny-mnist", train: mnist.train.subset(indices: Array(0..<500)),
                     test: mnist.test.subset(indices: Array(0..<150)), sha256: mnist.sha256)
            .writeHDF5(to: dataset, overwrite: true)
    }

    public func remove() { try? FileManager.default.removeItem(atPath: root) }
}
