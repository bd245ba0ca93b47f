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
    return layers.flatMap { s, transposed, needsDx in
        [convCase(s, transposed: transposed, backward: false, needsDx: needsDx),
         convCase(s, transposed: transposed, backward: true, needsDx: needsDx)]
    }
}()

/// One layer, forward or backward (dw, dbias and, when `needsDx`, dx), against the twin in Float.
func convCase(_ s: ConvShape, transposed: Bool, backward: Bool, needsDx: Bool) -> KernelBenchCase {
    let out = Conv.outputSize(s, transposed: transposed)!
    let small = transposed ? (s.inHeight, s.inWidth) : (out.height, out.width)   // the column side
    let macs = Double(s.batch * s.inChannels * s.outChannels * s.kernelHeight * s.kernelWidth * small.0 * small.1)
    let kind = transposed ? "convT" : "conv"
    let op = transposed ? "op\(s.outputPadding)" : ""
    let name = "\(kind) \(backward ? "bwd" : "fwd") \(s.inChannels)→\(s.outChannels) k\(s.kernelHeight)s\(s.stride)p\(s.padding)\(op) "
        + "\(s.inHeight)x\(s.inWidth)" + (backward && !needsDx ? " no-dx" : "")
    let flops = 2 * macs * (backward ? (needsDx ? 2 : 1) : 1)
    return KernelBenchCase(family: "conv", name: name, flops: flops) {
        let n = Conv.counts(s, transposed: transposed)
        let x = benchFloats(n.input, seed: 1), w = benchFloats(n.weight, seed: 2).map { $0 * 0.2 }
        let bias = benchFloats(s.outChannels, seed: 3), dy = benchFloats(n.output, seed: 4)
        var ws = [Float](repeating: 0, count: Conv.workspaceSize(s, transposed: transposed)!)
        var y = [Float](repeating: 0, count: n.output)
        var dx = [Float](repeating: 0, count: needsDx ? n.input : 0), dw = [Float](repeating: 0, count: n.weight)
        var db = [Float](repeating: 0, count: s.outChannels)
        let rs = Reference.ConvShape(batch: s.batch, inChannels: s.inChannels, inHeight: s.inHeight, inWidth: s.inWidth,
                                     outChannels: s.outChannels, kernelHeight: s.kernelHeight, kernelWidth: s.kernelWidth,
                                     stride: s.stride, padding: s.padding, outputPadding: s.outputPadding)
        let native = {
            ws.withUnsafeMutableBufferPointer { wsb in x.withUnsafeBufferPointer { xb in w.withUnsafeBufferPointer { wb in
                if !backward {
                    y.withUnsafeMutableBufferPointer { yb in bias.withUnsafeBufferPointer { bb in
                        if transposed { Conv.transposeForward(y: yb, x: xb, w: wb, bias: bb, shape: s, workspace: wsb) }
                        else { Conv.forward(y: yb, x: xb, w: wb, bias: bb, shape: s, workspace: wsb) }
                    } }
                } else {
                    dx.withUnsafeMutableBufferPointer { dxb in dw.withUnsafeMutableBufferPointer { dwb in
                        db.withUnsafeMutableBufferPointer { dbb in dy.withUnsafeBufferPointer { dyb in
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
                if !backward { return compare(y, reference, tolerance: 1e-5) }
                // Each gradient on its own scale (dbias sums a whole batch; dx and dw are much smaller).
                var offset = 0
                for (label, got) in [("dx", dx), ("dw", dw), ("db", db)] where !got.isEmpty {
                    let want = Array(reference[offset..<(offset + got.count)])
                    offset += got.count
                    if let problem = compare(got, want, tolerance: 1e-4) { return "\(label): \(problem)" }
                }
                return nil
            })
    }
}
