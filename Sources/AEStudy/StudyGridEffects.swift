import AEAnalysis
import Foundation

/// Paired factor effects of a grid study: what a learning rate, L1 weight or dropout other than the
/// baseline (the first value of the spec's list) does to test PSNR, measured against the run that differs
/// from it in that factor alone. Pairs cancel the latent size and the other factors, which a ranking of
/// all configurations mixes together; a grid advanced a few runs at a time gets effects as soon as both
/// runs of a pair are finished.
extension GridStudy {
    /// One finished run against its twin at the factor's baseline level.
    struct EffectPair: Equatable {
        var model: String, dataset: String
        var factor: String, level: String, baseline: String
        var latent: Int
        /// Whether every other varied factor is at its baseline level (a one-step change from the baseline).
        var oneStep: Bool
        /// Test PSNR of the run minus that of its twin (dB).
        var delta: Double
    }

    /// The factors that are compared against a baseline level, with their levels in spec order.
    var treatments: [(factor: String, levels: [String])] {
        [("lr", learningRates.map(compactNumber)), ("l1", l1.map(compactNumber)), ("dropout", dropouts.map(compactNumber))]
    }

    /// Every pair of finished runs that differ only in one treatment factor, one of them at its baseline.
    func effectPairs(_ results: [RunResult]) -> [EffectPair] {
        func key(_ factors: [String: String]) -> String {
            factors.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
        }
        let done = results.filter(\.isDone)
        let byKey = Dictionary(done.map { (key($0.run.factors), $0) }, uniquingKeysWith: { first, _ in first })
        let baselines = Dictionary(uniqueKeysWithValues: treatments.compactMap { t in t.levels.first.map { (t.factor, $0) } })
        var pairs: [EffectPair] = []
        for r in done {
            let f = r.run.factors
            for (factor, levels) in treatments {
                guard let baseline = levels.first, let level = f[factor], level != baseline else { continue }
                var twinFactors = f
                twinFactors[factor] = baseline
                guard let twin = byKey[key(twinFactors)] else { continue }
                let oneStep = baselines.allSatisfy { $0.key == factor || f[$0.key] == $0.value }
                pairs.append(EffectPair(
                    model: f["model"] ?? "", dataset: f["dataset"] ?? "", factor: factor, level: level, baseline: baseline,
                    latent: Int(f["latent"] ?? "") ?? 0, oneStep: oneStep,
                    delta: r.metric("test").psnrMean - twin.metric("test").psnrMean))
            }
        }
        return pairs
    }

    /// The groups of pairs, one per model, dataset, factor and level, in spec order.
    private func effectGroups(_ pairs: [EffectPair]) -> [(label: String, row: [String], pairs: [EffectPair])] {
        var groups: [(String, [String], [EffectPair])] = []
        for model in models.map(\.rawValue) {
            for dataset in datasets {
                for (factor, levels) in treatments {
                    for level in levels.dropFirst() {
                        let members = pairs.filter {
                            $0.model == model && $0.dataset == dataset && $0.factor == factor && $0.level == level
                        }
                        guard let baseline = members.first?.baseline else { continue }
                        let several = models.count * datasets.count > 1
                        groups.append(((several ? "\(model)/\(dataset) " : "") + "\(factor) \(level)",
                                       [model, dataset, factor, "\(level) vs \(baseline)"], members))
                    }
                }
            }
        }
        return groups
    }

    /// Per model, dataset, factor and level: the mean ± std, min and max change of test PSNR over all pairs,
    /// and the one-step changes by latent size. Nil when no pair is complete.
    func effectsTable(_ pairs: [EffectPair]) -> StudyTable? {
        let groups = effectGroups(pairs)
        guard !groups.isEmpty else { return nil }
        return StudyTable(
            title: "Factor effects: change of test PSNR against the same configuration at the baseline level",
            name: "effects",
            columns: ["model", "dataset", "factor", "level", "pairs", "Δ test PSNR (dB, mean ± std)", "min", "max",
                      "one step from the baseline, by latent"],
            rows: groups.map { group in
                let deltas = group.pairs.map(\.delta), (mean, std) = meanAndStd(deltas)
                let steps = group.pairs.filter(\.oneStep).sorted { $0.latent < $1.latent }
                    .map { "\($0.latent): \(cell($0.delta))" }.joined(separator: ", ")
                return group.row + ["\(deltas.count)", cell(mean, std), cell(deltas.min()!), cell(deltas.max()!), steps]
            })
    }

    /// One line per model/dataset, factor and level: the one-step change of test PSNR against the latent size.
    /// Nil when no one-step pair is complete.
    func effectsChart(_ pairs: [EffectPair]) throws -> LineChart? {
        let series = try effectGroups(pairs.filter(\.oneStep)).map { group in
            let points = group.pairs.sorted { $0.latent < $1.latent }
            return try LineSeries(name: group.label, x: points.map { Double($0.latent) }, y: points.map(\.delta))
        }
        guard !series.isEmpty else { return nil }
        return try LineChart(series: series, title: "One factor from the baseline: change of test PSNR",
                             xLabel: "latent size", yLabel: "Δ test PSNR (dB)", logX: true)
    }
}
