/// Seeded, stratified partitions of a labelled set. Every index appears exactly once, each class is spread
/// over the parts in proportion, and the result depends only on the labels, the fractions and the seed.
/// Index lists come back sorted ascending (callers shuffle per epoch).
public enum Splits {
    /// Splits `0..<labels.count` into `fractions.count` parts (e.g. `[0.8, 0.1, 0.1]`): within each class the
    /// indices are shuffled with `seed` and cut at the rounded cumulative fractions, so each part holds
    /// `fraction × class size` images of each class, ±1. The fractions must be non-negative and sum to 1.
    public static func stratified(labels: [Int32], fractions: [Double], seed: UInt64) -> [[Int]] {
        precondition(!fractions.isEmpty && fractions.allSatisfy { $0 >= 0 }, "Splits: fractions \(fractions)")
        let total = fractions.reduce(0, +)
        precondition(abs(total - 1) < 1e-9, "Splits: fractions \(fractions) sum to \(total), not 1")
        var parts = [[Int]](repeating: [], count: fractions.count)
        for (label, members) in classes(labels) {
            let order = shuffled(members, label: label, seed: seed)
            var start = 0
            var cumulative = 0.0
            for (k, f) in fractions.enumerated() {
                cumulative += f
                let end = k == fractions.count - 1 ? order.count : min(order.count, Int((cumulative * Double(order.count)).rounded()))
                if end > start { parts[k] += order[start..<end] }
                start = max(start, end)
            }
        }
        return parts.map { $0.sorted() }
    }

    /// Stratified k-fold cross-validation: within each class the indices are shuffled with `seed`; the classes
    /// are then concatenated and dealt round-robin to the folds, so folds differ in size by at most one overall
    /// and per class. Fold `f` is `(train: every other index, validation: fold f)`.
    public static func kFold(labels: [Int32], k: Int, seed: UInt64) -> [(train: [Int], validation: [Int])] {
        precondition(k >= 2 && k <= labels.count, "kFold: k = \(k) for \(labels.count) items")
        var fold = [Int](repeating: 0, count: labels.count)
        var dealt = 0
        for (label, members) in classes(labels) {
            for i in shuffled(members, label: label, seed: seed) {
                fold[i] = dealt % k
                dealt += 1
            }
        }
        return (0..<k).map { f in
            (train: fold.indices.filter { fold[$0] != f }, validation: fold.indices.filter { fold[$0] == f })
        }
    }

    /// Indices of each label, ascending, in label order.
    static func classes(_ labels: [Int32]) -> [(label: Int32, members: [Int])] {
        var byLabel: [Int32: [Int]] = [:]
        for (i, l) in labels.enumerated() { byLabel[l, default: []].append(i) }
        return byLabel.keys.sorted().map { ($0, byLabel[$0]!) }
    }

    /// `members` shuffled by a generator of its own for this class and seed.
    private static func shuffled(_ members: [Int], label: Int32, seed: UInt64) -> [Int] {
        var g = SplitMix64(seed: seed, stream: UInt64(bitPattern: Int64(label)))
        return g.shuffled(members)
    }
}
