import AENet
import AERun
import ArgumentParser

/// How `ae score` and `ae generate` draw a GAN's samples: plain N(0, I) codes, codes truncated at ±ψ, and/or the
/// best of k candidates per sample by the run's discriminator.
struct GANSamplingOptions: ParsableArguments {
    @Option(help: "GAN: redraw noise values beyond ±ψ (the truncation trick, e.g. 0.7; default: plain N(0, I)).")
    var truncation: Float?

    @Option(help: """
        GAN: draw k candidates per sample and keep the samples the run's discriminator rates most real \
        (discriminator-ranked selection, a form of discriminator rejection sampling; default 1: every sample).
        """)
    var rejection = 1

    func validate() throws {
        if let truncation, !GAN.isValidTruncation(truncation) {
            throw ValidationError("--truncation must be a finite number >= 0.1, got \(truncation)")
        }
        guard GAN.isValidRejection(rejection) else {
            throw ValidationError("--rejection must be between 1 and \(GAN.maximumRejection), got \(rejection)")
        }
    }

    /// Plain N(0, I) codes, one per sample.
    var isPlain: Bool { truncation == nil && rejection == 1 }

    /// Plain sampling: what an autoencoder run (which has no noise to truncate, no discriminator) accepts.
    func requirePlain(forAutoencoder run: String) throws {
        guard isPlain else {
            throw RunError("--truncation and --rejection apply to GAN runs; \(run) is an autoencoder run")
        }
    }

    /// Appended to default group names: "-truncψ", "-rejectK".
    var nameSuffix: String { (truncation.map { "-trunc\($0)" } ?? "") + (rejection > 1 ? "-reject\(rejection)" : "") }

    /// How the codes were drawn, e.g. "N(0, I) truncated at ±0.7, best 1 of 4 by D".
    var noiseDescription: String {
        (truncation.map { "N(0, I) truncated at ±\($0)" } ?? "N(0, I)") + (rejection > 1 ? ", best 1 of \(rejection) by D" : "")
    }

    func sample(_ gan: TrainedGAN, n: Int, seed: UInt64) throws -> GeneratedSamples {
        try gan.sample(n: n, seed: seed, truncation: truncation, rejection: rejection)
    }
}
