import AEStudy
import ArgumentParser

/// `ae study …` commands.
enum StudyCommands {
    static let all: [ParsableCommand.Type] = [StudyCommand.self]
}

/// `ae study grid|cv|cross|robustness|classifier`: many runs in one folder, resumable, with tables and figures.
struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Run a study (many trainings) into one folder: resumable, parallel, with summary tables and figures.",
        discussion: """
            Each configuration is one run file, <out>/runs/<id>.h5. Running the same command again skips finished \
            runs, resumes interrupted ones and rewrites the summary (summary.md, *.csv, *.png). The specification \
            (defaults: the full study; --preset quick: a tiny one; --spec FILE.json: keys laid over the preset) is \
            saved as <out>/study.json. With --ledger DIR every finished run also leaves a small record DIR/<id>.json \
            (meant to be committed): recorded runs count as finished even when the folder is gone, so a long study \
            can advance a few runs per session (--limit N) and its summary is rebuilt from the records.
            """,
        subcommands: [GridStudyCommand.self, CVStudyCommand.self, CrossStudyCommand.self, RobustnessStudyCommand.self,
                      ClassifierStudyCommand.self])
}

struct GridStudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "grid", abstract: "Autoencoder grid search (model × dataset × latent × LR × L1 × dropout).")
    @OptionGroup var options: StudyCommandOptions
    func run() throws { try options.run(GridStudy.self) }
}

struct CVStudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cv", abstract: "Cross-validated grid of the conv bottleneck autoencoder; refits the best cell.")
    @OptionGroup var options: StudyCommandOptions
    func run() throws { try options.run(CVStudy.self) }
}

struct CrossStudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cross", abstract: "Cross-training: train on one dataset, test on every dataset.")
    @OptionGroup var options: StudyCommandOptions
    func run() throws { try options.run(CrossStudy.self) }
}

struct RobustnessStudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "robustness", abstract: "Plain vs denoising autoencoders on corrupted test inputs.")
    @OptionGroup var options: StudyCommandOptions
    func run() throws { try options.run(RobustnessStudy.self) }
}

struct ClassifierStudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "classifier", abstract: "MLP classifiers: depth/width × optimiser × L2 × LR schedule.")
    @OptionGroup var options: StudyCommandOptions
    func run() throws { try options.run(ClassifierStudy.self) }
}
