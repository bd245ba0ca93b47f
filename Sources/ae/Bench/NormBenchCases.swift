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

/// Spectral normalisation of gan-conv's largest discriminator weight (Conv 64→128, k4: 128 × 1024) and of its final
/// Linear (1 × 6272): a training forward (one power-iteration step) followed by the gradient projection.
let spectralNormBenchCases: [KernelBenchCase] = [(128, 1024), (1, 6272)].map { rows, cols in
    KernelBenchCase(family: "norm", name: "spectral norm fwd+bwd \(rows)x\(cols)", flops: 0) {
        let w = benchFloats(rows * cols, seed: 13), u0 = benchFloats(rows, seed: 14), g = benchFloats(rows * cols, seed: 15)
        var wSN = [Float](repeating: 0, count: w.count), u = u0, v = [Float](repeating: 0, count: cols), grad = g
        let run = {
            u = u0
            grad = g
            let sigma = w.withUnsafeBufferPointer { wb in u.withUnsafeMutableBufferPointer { ub in v.withUnsafeMutableBufferPointer { vb in
                wSN.withUnsafeMutableBufferPointer { SpectralNormKernel.forward(wSN: $0, u: ub, v: vb, w: wb, rows: rows, cols: cols, updateU: true) }
            } } }
            grad.withUnsafeMutableBufferPointer { gb in wSN.withUnsafeBufferPointer { sb in u.withUnsafeBufferPointer { ub in
                v.withUnsafeBufferPointer { SpectralNormKernel.backward(grad: gb, wSN: sb, u: ub, v: $0, sigma: sigma, rows: rows, cols: cols) }
            } } }
        }
        let swift = { () -> [Float] in
            let f = Reference.spectralNormForward(w, u: u0, rows: rows, cols: cols)
            return f.wSN + Reference.spectralNormBackward(g, wSN: f.wSN, u: f.u, v: f.v, sigma: f.sigma, rows: rows, cols: cols)
        }
        return KernelBenchInstance(native: run, swift: { _ = swift() }, verify: {
            run()
            return compare(wSN + grad, swift(), tolerance: 1e-4)
        })
    }
}
