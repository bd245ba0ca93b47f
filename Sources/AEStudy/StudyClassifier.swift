import AEAnalysis
import AEData
import AENet
import AERun
import Foundation

/// An optimiser of the classifier study with its own learning rate (full-batch GD needs a far larger one).
public struct OptimizerChoice: Codable, Equatable, Sendable {
    public var kind: OptimizerConfig.Kind
    public var learningRate: Float
    public var momentum: Float

    public init(_ kind: OptimizerConfig.Kind, learningRate: Float, momentum: Float = 0) {
        self.kind = kind
        self.learningRate = learningRate
        self.momentum = momentum
    }
}

/// Study 5: MLP classifiers of several depths and widths × optimiser (GD, mini-batch SGD, Adam) × L2 ×
/// learning-rate schedule, with early stopping on validation loss. Table of validation/test accuracy and
/// cross-entropy (ranked by validation accuracy); the best model's test confusion matrix (PNG) and its
/// test posteriors (CSV).
public struct ClassifierStudy: StudyDefinition {
    public static let kind = StudyKind.classifier
    public var budget: StudyBudget
    public var datasets: [String]
    /// Hidden widths of each architecture, e.g. `[512]` is [784, 512, K].
    public var architectures: [[Int]]
    public var optimizers: [OptimizerChoice]
    /// L2 penalty (weight decay added to the gradient).
    public var l2: [Float]
    /// `Schedule(parsing:)` texts: `constant`, `linear[:final]`, `exp:gamma`.
    public var schedules: [String]
    /// Early stopping: epochs without validation improvement.
    public var patience: Int

    /// 4 architectures × 3 optimisers × 2 L2 × 3 schedules = 72 runs of at most 30 epochs.
    public static let full = ClassifierStudy(
        budget: StudyBudget(epochs: 30), datasets: ["mnist"], architectures: [[128], [512], [256, 128], [512, 256, 128]],
        optimizers: [OptimizerChoice(.gd, learningRate: 0.5), OptimizerChoice(.sgd, learningRate: 0.05, momentum: 0.9),
                     OptimizerChoice(.adam, learningRate: 1e-3)],
        l2: [0, 1e-4], schedules: ["constant", "linear:0.1", "exp:0.9"], patience: 3)

    public static let quick = ClassifierStudy(
        budget: .quick, datasets: ["mnist"], architectures: [[64]],
        optimizers: [OptimizerChoice(.sgd, learningRate: 0.05, momentum: 0.9), OptimizerChoice(.adam, learningRate: 1e-3)],
        l2: [0], schedules: ["constant", "exp:0.9"], patience: 3)

    public init(budget: StudyBudget, datasets: [String], architectures: [[Int]], optimizers: [OptimizerChoice], l2: [Float],
                schedules: [String], patience: Int) {
        self.budget = budget
        self.datasets = datasets
        self.architectures = architectures
        self.optimizers = optimizers
        self.l2 = l2
        self.schedules = schedules
        self.patience = patience
    }

    public func runs(stage: Int, in folder: StudyFolder) throws -> [StudyRun]? {
        guard stage == 0 else { return nil }
        let parsed = try schedules.map { text -> (String, Schedule) in
            guard let s = Schedule(parsing: text) else { throw StudyError("classifier: unknown schedule '\(text)'") }
            return (text.replacingOccurrences(of: ":", with: ""), s)
        }
        var out: [StudyRun] = []
        for dataset in datasets {
            for hidden in architectures {
                for opt in optimizers {
                    for l2 in l2 {
                        for (scheduleTag, schedule) in parsed {
                            var train = budget.trainConfig(.classifier, learningRate: opt.learningRate, optimizer: opt.kind, weightDecay: l2)
                            train.optimizer.momentum = opt.momentum
                            train.schedule = schedule
                            train.patience = patience
                            let arch = hidden.map(String.init).joined(separator: "x")
                            let id = "clf-\(datasetTag(dataset))-h\(arch)-\(opt.kind.rawValue)-lr\(compactNumber(opt.learningRate))"
                                + "-l2_\(compactNumber(l2))-\(scheduleTag)"
                            out.append(StudyRun(id: id, spec: budget.runSpec(ModelConfig(kind: .classifier, hidden: hidden), train, dataset: dataset),
                                                factors: ["dataset": dataset, "hidden": arch, "optimizer": opt.kind.rawValue,
                                                          "lr": compactNumber(opt.learningRate), "l2": compactNumber(l2), "schedule": scheduleTag],
                                                evaluations: [StudyEvaluation(name: "val", split: "val")]))
                        }
                    }
                }
            }
        }
        return out
    }

    public func summarize(_ folder: StudyFolder, runs: [StudyRun]) throws -> StudyReport {
        let ranked = try folder.results(of: runs).ranked(by: { $0.metric("val").accuracy }, descending: true)
        let factorColumns = ["dataset", "hidden", "optimizer", "lr", "l2", "schedule"]
        let table = StudyTable(
            title: "Classifiers by validation accuracy", name: "summary",
            columns: ["run"] + factorColumns + ["status", "epochs", "val accuracy (%)", "test accuracy (%)", "test cross-entropy"],
            rows: ranked.map { r in
                [r.run.id] + factorColumns.map { r.run.factors[$0]! }
                    + [r.status, "\(r.epochs)", cell(100 * r.metric("val").accuracy), cell(100 * r.metric("test").accuracy),
                       cell(r.metric("test").loss, 4)]
            })
        var figures: [(caption: String, file: String)] = []
        var notes = ["Early stopping after \(patience) epochs without a validation-loss improvement; the best epoch's weights are kept."]
        if let best = ranked.first(where: \.isDone) {
            let path = folder.runPath(best.run.id)
            let (confusion, probabilities, predictions, classNames) = try RunFile.read(at: path) { f in
                (try f.readInt64s("/metrics/test/confusion").values, try f.readFloats("/metrics/test/probabilities"),
                 try f.readInt32s("/metrics/test/predictions").values,
                 try f.stringAttribute("class_names").flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) })
            }
            try ConfusionMatrixPlot(counts: confusion, classNames: classNames, title: "\(best.run.id): test confusion matrix")
                .writePNG(to: folder.file("best-confusion.png"))
            figures.append(("Test confusion matrix of the best classifier (\(best.run.id))", "best-confusion.png"))
            let labels = try TrainedModel(path: path).data(dataDir: folder.dataDir).test.labels
            try writeTextAtomically(posteriorCSV(labels: labels, predictions: predictions, probabilities: probabilities.values,
                                                 classes: probabilities.shape.last ?? 1), to: folder.file("best-posteriors.csv"))
            notes.append("Best model: `\(best.run.id)`; its test posteriors are in `best-posteriors.csv`.")
        }
        return StudyReport(title: "Classifier study", tables: [table], figures: figures, notes: notes)
    }

    /// `index,label,prediction,p0,…,pK-1`, one row per test image, probabilities with 6 decimals.
    func posteriorCSV(labels: [Int32], predictions: [Int32], probabilities: [Float], classes: Int) -> String {
        var lines = [(["index", "label", "prediction"] + (0..<classes).map { "p\($0)" }).joined(separator: ",")]
        for i in predictions.indices {
            let p = probabilities[(i * classes)..<((i + 1) * classes)].map { String(format: "%.6f", Double($0)) }
            lines.append((["\(i)", i < labels.count ? "\(labels[i])" : "", "\(predictions[i])"] + p).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
