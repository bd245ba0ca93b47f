import Foundation

/// Which dataset to load: one of the known sets, or a directory of files.
public enum DatasetSpec: Equatable, Sendable, CustomStringConvertible {
    /// Handwritten digits, 28×28 grey, shipped in `data/mnist`.
    case mnist
    /// Zalando clothing images, 28×28 grey, shipped in `data/fashion-mnist`.
    case fashionMNIST
    /// Kuzushiji-MNIST (10 hiragana), 28×28 grey, not shipped: `data/kmnist/kmnist-*.npz`.
    case kmnist
    /// Kuzushiji-49 (49 hiragana), 28×28 grey, not shipped: `data/k49/k49-*.npz`.
    case kuzushiji49
    /// A directory holding IDX, `.npy` or `.npz` files (see `Dataset.load`).
    case path(String)

    /// Parses `mnist`, `fashion-mnist` (or `fashion`), `kmnist`, `k49` (or `kuzushiji49`), case-insensitive;
    /// anything containing a `/`, starting with `.` or `~`, or naming an existing directory is a `.path`.
    public init(parsing text: String) throws {
        switch text.lowercased() {
        case "mnist": self = .mnist
        case "fashion-mnist", "fashion_mnist", "fashionmnist", "fashion": self = .fashionMNIST
        case "kmnist", "kuzushiji-mnist": self = .kmnist
        case "k49", "kuzushiji49", "kuzushiji-49": self = .kuzushiji49
        default:
            var isDir: ObjCBool = false
            let looksLikePath = text.contains("/") || text.hasPrefix(".") || text.hasPrefix("~")
            if looksLikePath || (FileManager.default.fileExists(atPath: text, isDirectory: &isDir) && isDir.boolValue) {
                self = .path((text as NSString).expandingTildeInPath)
            } else {
                throw DataError(.invalidArgument, text,
                                "unknown dataset; expected mnist, fashion-mnist, kmnist, k49 or a directory path")
            }
        }
    }

    /// Short name: `mnist`, `fashion-mnist`, `kmnist`, `k49`, or the directory's last path component.
    public var name: String {
        switch self {
        case .mnist: "mnist"
        case .fashionMNIST: "fashion-mnist"
        case .kmnist: "kmnist"
        case .kuzushiji49: "k49"
        case .path(let dir): URL(fileURLWithPath: dir).standardizedFileURL.lastPathComponent
        }
    }

    public var description: String {
        if case .path(let dir) = self { return dir }
        return name
    }

    /// Class names of the known sets (index = label).
    public var classNames: [String]? {
        switch self {
        case .mnist: (0..<10).map(String.init)
        case .fashionMNIST:
            ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
        case .kmnist:  // kmnist_classmap.csv
            ["お", "き", "す", "つ", "な", "は", "ま", "や", "れ", "を"]
        case .kuzushiji49:  // k49_classmap.csv: gojūon order, then the iteration mark
            "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわゐゑをんゝ".map(String.init)
        case .path: nil
        }
    }
}
