import CKernels

/// Batch normalisation kernels (see ck_norm.h) over an NCHW tensor read as (batch, channels, plane = H·W);
/// batch norm 1d is plane = 1. In training mode each run of `group` consecutive samples is normalised with its
/// own statistics (`group >= batch`: the whole batch). Work is split over channels and each channel's sums are
/// added in sample order, so results are bitwise the same for any thread count. Size mismatches trap.
public enum BatchNormKernel {
    /// Layout of one call: `batch` samples of `channels` × `plane` values, normalised in groups of `group` samples;
    /// `channelsLast`: each sample is plane × channels (a channels-last image) instead of channels × plane.
    public struct Shape: Sendable, Hashable {
        public var batch: Int, channels: Int, plane: Int, group: Int
        public var channelsLast = false
        public init(batch: Int, channels: Int, plane: Int, group: Int? = nil) {
            precondition(batch >= 0 && channels >= 1 && plane >= 1, "batch \(batch), channels \(channels), plane \(plane)")
            self.batch = batch; self.channels = channels; self.plane = plane; self.group = group ?? max(batch, 1)
        }
        /// Values of the tensor.
        public var count: Int { batch * channels * plane }
        /// Normalisation groups: ⌈batch / group⌉.
        public var groups: Int { Int(ck_batchnorm_groups(Int64(batch), Int64(group))) }
        /// Floats of the saved mean and inverse standard deviation (groups × channels each).
        public var statisticsCount: Int { groups * channels }
    }

    /// Training forward: y = γ (x − mean) / √(var + ε) + β with each group's batch statistics (biased variance),
    /// saving mean and invstd for the backward; updates the running statistics (unbiased variance) with
    /// `momentum` once per group when they are given.
    public static func forwardTraining(y: UnsafeMutableBufferPointer<Float>, mean: UnsafeMutableBufferPointer<Float>,
                                       invstd: UnsafeMutableBufferPointer<Float>,
                                       running: (mean: UnsafeMutableBufferPointer<Float>, variance: UnsafeMutableBufferPointer<Float>)?,
                                       x: UnsafeBufferPointer<Float>, gamma: UnsafeBufferPointer<Float>, beta: UnsafeBufferPointer<Float>,
                                       shape s: Shape, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        check(s, y.count, x.count, gamma.count, beta.count)
        precondition(mean.count >= s.statisticsCount && invstd.count >= s.statisticsCount, "batch norm: statistics buffers too small")
        if let r = running { precondition(r.mean.count == s.channels && r.variance.count == s.channels, "batch norm: running stats size") }
        let train = s.channelsLast ? ck_batchnorm_forward_train_nhwc : ck_batchnorm_forward_train
        train(y.baseAddress, mean.baseAddress, invstd.baseAddress, running?.mean.baseAddress,
                                   running?.variance.baseAddress, x.baseAddress, gamma.baseAddress, beta.baseAddress,
                                   Int64(s.batch), Int64(s.channels), Int64(s.plane), Int64(s.group), epsilon, momentum)
    }

    /// Evaluation forward with the running statistics.
    public static func forwardEvaluation(y: UnsafeMutableBufferPointer<Float>, x: UnsafeBufferPointer<Float>,
                                         gamma: UnsafeBufferPointer<Float>, beta: UnsafeBufferPointer<Float>,
                                         runningMean: UnsafeBufferPointer<Float>, runningVariance: UnsafeBufferPointer<Float>,
                                         shape s: Shape, epsilon: Float = 1e-5) {
        check(s, y.count, x.count, gamma.count, beta.count)
        precondition(runningMean.count == s.channels && runningVariance.count == s.channels, "batch norm: running stats size")
        let eval = s.channelsLast ? ck_batchnorm_forward_eval_nhwc : ck_batchnorm_forward_eval
        eval(y.baseAddress, x.baseAddress, gamma.baseAddress, beta.baseAddress, runningMean.baseAddress,
                                  runningVariance.baseAddress, Int64(s.batch), Int64(s.channels), Int64(s.plane), epsilon)
    }

    /// Backward of the training forward (same x, mean, invstd): overwrites dγ, dβ and, when given, dx.
    public static func backward(dx: UnsafeMutableBufferPointer<Float>?, dgamma: UnsafeMutableBufferPointer<Float>,
                                dbeta: UnsafeMutableBufferPointer<Float>, dy: UnsafeBufferPointer<Float>, x: UnsafeBufferPointer<Float>,
                                mean: UnsafeBufferPointer<Float>, invstd: UnsafeBufferPointer<Float>, gamma: UnsafeBufferPointer<Float>,
                                shape s: Shape) {
        check(s, dy.count, x.count, dgamma.count, dbeta.count)
        precondition(gamma.count == s.channels && (dx?.count ?? s.count) == s.count, "batch norm backward: sizes")
        precondition(mean.count >= s.statisticsCount && invstd.count >= s.statisticsCount, "batch norm: statistics buffers too small")
        let backward = s.channelsLast ? ck_batchnorm_backward_nhwc : ck_batchnorm_backward
        backward(dx?.baseAddress, dgamma.baseAddress, dbeta.baseAddress, dy.baseAddress, x.baseAddress,
                              mean.baseAddress, invstd.baseAddress, gamma.baseAddress, Int64(s.batch), Int64(s.channels),
                              Int64(s.plane), Int64(s.group))
    }

    @inline(__always)
    static func check(_ s: Shape, _ out: Int, _ input: Int, _ perChannelA: Int, _ perChannelB: Int) {
        precondition(out == s.count && input == s.count && perChannelA == s.channels && perChannelB == s.channels,
                     "batch norm: tensors \(out), \(input), per-channel \(perChannelA), \(perChannelB) for \(s)")
    }
}
