import Kernels
import KernelsReference

/// Batch norm at gan-conv's discriminator (2 × 64 images, 128 channels of 7×7, real and fake halves apart) and
/// generator stem (64 images, 128 channels of 7×7): training forward followed by the backward, as one step uses them.
let normBenchCases: [KernelBenchCase] = [(128, 64), (64, 64)].map { batch, group in
    let s = BatchNormKernel.Shape(batch: batch, channels: 128, plane: 49, group: group)
    return KernelBenchCase(family: "norm", name: "batchnorm fwd+bwd \(batch)x128x7x7 group \(group)", flops: 0) {
        let x = benchFloats(s.count, seed: 11), dy = benchFloats(s.count, seed: 12)
        let gamma = [Float](repeating: 1.1, count: s.channels), beta = [Float](repeating: 0.1, count: s.channels)
        var y = [Float](repeating: 0, count: s.count), dx = y, mean = [Float](repeating: 0, count: s.statisticsCount), invstd = mean
        var dgamma = [Float](repeating: 0, count: s.channels), dbeta = dgamma
        let run = {
            x.withUnsafeBufferPointer { xb in gamma.withUnsafeBufferPointer { gb in
                mean.withUnsafeMutableBufferPointer { mb in invstd.withUnsafeMutableBufferPointer { sb in
                    y.withUnsafeMutableBufferPointer { yb in beta.withUnsafeBufferPointer {
                        BatchNormKernel.forwardTraining(y: yb, mean: mb, invstd: sb, running: nil, x: xb, gamma: gb, beta: $0, shape: s)
                    } }
                    dx.withUnsafeMutableBufferPointer { dxb in dgamma.withUnsafeMutableBufferPointer { dgb in
                        dbeta.withUnsafeMutableBufferPointer { dbb in dy.withUnsafeBufferPointer {
                            BatchNormKernel.backward(dx: dxb, dgamma: dgb, dbeta: dbb, dy: $0, x: xb, mean: UnsafeBufferPointer(mb),
                                                     invstd: UnsafeBufferPointer(sb), gamma: gb, shape: s)
                        } }
                    } }
                } }
            } }
        }
        let swift = { () -> [Float] in
            let zeros = [Double](repeating: 0, count: s.channels)
            let f = Reference.batchNormForward(x.doubles, gamma: gamma.doubles, beta: beta.doubles, batch: batch, channels: s.channels,
                                               plane: s.plane, group: group, runningMean: zeros, runningVariance: zeros)
            let b = Reference.batchNormBackward(dy: dy.doubles, x.doubles, gamma: gamma.doubles, batch: batch, channels: s.channels,
                                                plane: s.plane, group: group)
            return (f.y + b.dx + b.dgamma + b.dbeta).map(Float.init)
        }
        return KernelBenchInstance(native: run, swift: { _ = swift() }, verify: {
            run()
            return compare(y + dx + dgamma + dbeta, swift(), tolerance: 1e-4)
        })
    }
}

private extension Array where Element == Float {
    var doubles: [Double] { map(Double.init) }
}
