import Kernels
import KernelsReference

/// The convolutions of the CNN3 / CNN5 models on MNIST (28×28) at batch 128, forward and backward.
/// The first encoder layer's backward skips dx (the network never needs the gradient of its input).
let convBenchCases: [KernelBenchCase] = {
    let b = 128
    let layers: [(ConvShape, transposed: Bool, needsDx: Bool)] = [
        (ConvShape(batch: b, inChannels: 1, outChannels: 32, size: 28, kernel: 3, stride: 2, padding: 1), false, false),
        (ConvShape(batch: b, inChannels: 32, outChannels: 64, size: 14, kernel: 3, stride: 2, padding: 1), false, true),
        (ConvShape(batch: b, inChannels: 64, outChannels: 128, size: 7, kernel: 3, stride: 2, padding: 1), false, true),
        (ConvShape(batch: b, inChannels: 128, outChannels: 64, size: 4, kernel: 3, stride: 2, padding: 1), true, true),
        (ConvShape(batch: b, inChannels: 64, outChannels: 32, size: 7, kernel: 3, stride: 2, padding: 1, outputPadding: 1), true, true),
        (ConvShape(batch: b, inChannels: 32, outChannels: 1, size: 14, kernel: 3, stride: 2, padding: 1, outputPadding: 1), true, true),
        (ConvShape(batch: b, inChannels: 32, outChannels: 32, size: 28, kernel: 3, stride: 1, padding: 1), false, true),
        (ConvShape(batch: b, inChannels: 64, outChannels: 64, size: 14, kernel: 3, stride: 1, padding: 1), false, true),
    ]
    // CNN5's stride-1 layers with channels-last activations, as the models run them under AVX2 and AVX-512: the
    // Winograd F(2x2, 3x3) path (AE_WINOGRAD=0 times the channels-last GEMM lowering instead).
    var cnn5 = [(ConvShape(batch: b, inChannels: 32, outChannels: 64, size: 14, kernel: 3, stride: 1, padding: 1), false),
                (ConvShape(batch: b, inChannels: 64, outChannels: 64, size: 7, kernel: 3, stride: 1, padding: 1), true),
                (ConvShape(batch: b, inChannels: 32, outChannels: 32, size: 14, kernel: 3, stride: 1, padding: 1), true)]
    for i in cnn5.indices { cnn5[i].0.channelsLast = true }
    return layers.flatMap { s, transposed, needsDx in
        [convCase(s, transposed: transposed, backward: false, needsDx: needsDx),
         convCase(s, transposed: transposed, backward: true, needsDx: needsDx)]
    } + cnn5.flatMap { s, transposed in
        [convCase(s, transposed: transposed, backward: false, needsDx: true),
         convCase(s, transposed: transposed, backward: true, needsDx: true)]
    }
}()

/// `a` (batch, channels, plane) as (batch, plane, channels), or back: the twin works in NCHW.
private func permuted(_ a: [Float], batch: Int, channels: Int, plane: Int, toChannelsLast: Bool) -> [Float] {
    var out = [Float](repeating: 0, count: a.count)
    for b in 0..<batch {
        for c in 0..<channels {
            for p in 0..<plane {
                let nchw = (b * channels + c) * plane + p, nhwc = (b * plane + p) * channels + c
                if toChannelsLast { out[nhwc] = a[nchw] } else { out[nchw] = a[nhwc] }
            }
        }
    }
    return out
}

/// One layer, forward or backward (dw, dbias and, when `needsDx`, dx), against the twin in Float.
func convCase(_ s: ConvShape, transposed: Bool, backward: Bool, needsDx: Bool) -> KernelBenchCase {
    let out = Conv.outputSize(s, transposed: transposed)!
    let small = transposed ? (s.inHeight, s.inWidth) : (out.height, out.width)   // the column side
    let macs = Double(s.batch * s.inChannels * s.outChannels * s.kernelHeight * s.kernelWidth * small.0 * small.1)
    let kind = transposed ? "convT" : "conv"
    let op = transposed ? "op\(s.outputPadding)" : ""
    let name = "\(kind) \(backward ? "bwd" : "fwd") \(s.inChannels)→\(s.outChannels) k\(s.kernelHeight)s\(s.stride)p\(s.padding)\(op) "
        + "\(s.inHeight)x\(s.inWidth)" + (backward && !needsDx ? " no-dx" : "") + (s.channelsLast ? " NHWC" : "")
    let flops = 2 * macs * (backward ? (needsDx ? 2 : 1) : 1)
    return KernelBenchCase(family: "conv", name: name, flops: flops) {
        let n = Conv.counts(s, transposed: transposed)
        let x = benchFloats(n.input, seed: 1), w = benchFloats(n.weight, seed: 2).map { $0 * 0.2 }
        let bias = benchFloats(s.outChannels, seed: 3), dy = benchFloats(n.output, seed: 4)
        // Channels-last shapes: the native calls get (and return) channels-last copies of the activations.
        let inPlane = s.inHeight * s.inWidth, outPlane = out.height * out.width
        let layout = { (a: [Float], channels: Int, plane: Int, toChannelsLast: Bool) in
            s.channelsLast && !a.isEmpty ? permuted(a, batch: s.batch, channels: channels, plane: plane, toChannelsLast: toChannelsLast) : a
        }
        let xNative = layout(x, s.inChannels, inPlane, true), dyNative = layout(dy, s.outChannels, outPlane, true)
        var ws = [Float](repeating: 0, count: Conv.workspaceSize(s, transposed: transposed)!)
        var y = [Float](repeating: 0, count: n.output)
        var dx = [Float](repeating: 0, count: needsDx ? n.input : 0), dw = [Float](repeating: 0, count: n.weight)
        var db = [Float](repeating: 0, count: s.outChannels)
        let rs = Reference.ConvShape(batch: s.batch, inChannels: s.inChannels, inHeight: s.inHeight, inWidth: s.inWidth,
                                     outChannels: s.outChannels, kernelHeight: s.kernelHeight, kernelWidth: s.kernelWidth,
                                     stride: s.stride, padding: s.padding, outputPadding: s.outputPadding)
        let native = {
            ws.withUnsafeMutableBufferPointer { wsb in xNative.withUnsafeBufferPointer { xb in w.withUnsafeBufferPointer { wb in
                if !backward {
                    y.withUnsafeMutableBufferPointer { yb in bias.withUnsafeBufferPointer { bb in
                        if transposed { Conv.transposeForward(y: yb, x: xb, w: wb, bias: bb, shape: s, workspace: wsb) }
                        else { Conv.forward(y: yb, x: xb, w: wb, bias: bb, shape: s, workspace: wsb) }
                    } }
                } else {
                    dx.withUnsafeMutableBufferPointer { dxb in dw.withUnsafeMutableBufferPointer { dwb in
                        db.withUnsafeMutableBufferPointer { dbb in dyNative.withUnsafeBufferPointer { dyb in
                            let dxo = needsDx ? dxb : nil
                            if transposed {
                                Conv.transposeBackward(dx: dxo, dw: dwb, dbias: dbb, dy: dyb, x: xb, w: wb, shape: s, workspace: wsb)
                            } else {
                                Conv.backward(dx: dxo, dw: dwb, dbias: dbb, dy: dyb, x: xb, w: wb, shape: s, workspace: wsb)
                            }
                        } }
                    } }
                }
            } } }
        }
        // The twin's results, concatenated in the order of the native outputs (y, or dx? + dw + db).
        var reference: [Float] = []
        let swift = {
            if !backward {
                reference = transposed ? Reference.convTranspose2dForward(x: x, w: w, bias: bias, shape: rs)
                                       : Reference.conv2dForward(x: x, w: w, bias: bias, shape: rs)
            } else {
                let g = transposed ? Reference.convTranspose2dBackward(dy: dy, x: x, w: w, shape: rs)
                                   : Reference.conv2dBackward(dy: dy, x: x, w: w, shape: rs)
                reference = (needsDx ? g.dx : []) + g.dw + g.dbias
            }
        }
        return KernelBenchInstance(
            native: native,
            swift: macs <= Double(1 << 30) ? swift : nil,
            verify: {
                if reference.isEmpty { swift() }
                native()
                if !backward { return compare(layout(y, s.outChannels, outPlane, false), reference, tolerance: 1e-5) }
                // Each gradient on its own scale (dbias sums a whole batch; dx and dw are much smaller).
                var offset = 0
                let dxNCHW = layout(dx, s.inChannels, inPlane, false)
                for (label, got) in [("dx", dxNCHW), ("dw", dw), ("db", db)] where !got.isEmpty {
                    let want = Array(reference[offset..<(offset + got.count)])
                    offset += got.count
                    if let problem = compare(got, want, tolerance: 1e-4) { return "\(label): \(problem)" }
                }
                return nil
            })
    }
}
