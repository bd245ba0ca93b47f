import AEData

/// The project's own MNIST classifier, shipped as `data/reference/mnist-classifier.h5` and listed in `data/MANIFEST`:
/// the fixed instrument behind `ae score` and `ae train --score-classifier`. Sample scores compare only under one
/// classifier, and retraining one, even with the same command, gives another wherever the kernels' rounding differs
/// (`ae train --model classifier --hidden 512 --epochs 10 --threads 1` scores real test digits 9.44 when trained
/// with AVX-512, 9.54 with AVX2), so the scores the project reports are taken with this file.
public enum ReferenceClassifier {
    /// What `--classifier` / `--score-classifier` take to mean this file.
    public static let name = "reference"
    /// Its path inside the data directory, as the manifest lists it.
    public static let relativePath = "reference/mnist-classifier.h5"

    /// The classifier file `nameOrPath` names and a label for records: a run file path as given, or for `reference` the
    /// shipped file, after checking its SHA-256 against the manifest (label "reference:<first 12 hex digits>").
    public static func resolve(_ nameOrPath: String, dataDir: String?) throws -> (path: String, label: String) {
        guard nameOrPath == name else { return (nameOrPath, nameOrPath) }
        guard let dir = dataDir ?? Dataset.defaultDataDir() else {
            throw RunError("no data directory with a MANIFEST found for the reference classifier (give --data-dir or set AE_DATA_DIR)")
        }
        let hash = try Manifest.load(dataDir: dir).readVerified(relativePath, base: dir, mustBeListed: true).sha256
        return (dir + "/" + relativePath, "\(name):\(hash.prefix(12))")
    }
}
