import RealModule

extension Reference {
    /// Geometry of a conv layer, the same fields as `Kernels.ConvShape` (this module does not depend on Kernels).
    public struct ConvShape: Sendable, Hashable {
        public var batch: Int
        public var inChannels: Int, inHeight: Int, inWidth: Int
        public var outChannels: Int
        public var kernelHeight: Int, kernelWidth: Int
        public var stride: Int, padding: Int, outputPadding: Int

        public init(batch: Int, inChannels: Int, inHeight: Int, inWidth: Int, outChannels: Int,
                    kernelHeight: Int, kernelWidth: Int, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0) {
            self.batch = batch
            self.inChannels = inChannels
            self.inHeight = inHeight
            self.inWidth = inWidth
            self.outChannels = outChannels
            self.kernelHeight = kernelHeight
            self.kernelWidth = kernelWidth
            self.stride = stride
            self.padding = padding
            self.outputPadding = outputPadding
        }

        /// Conv2d output (height, width) by the PyTorch formula; nil when invalid.
        public var convOutput: (height: Int, width: Int)? {
            guard isBasicValid else { return nil }
            let h = inHeight + 2 * padding - kernelHeight, w = inWidth + 2 * padding - kernelWidth
            return h >= 0 && w >= 0 ? (h / stride + 1, w / stride + 1) : nil
        }

        /// ConvTranspose2d output (height, width) by the PyTorch formula; nil when invalid.
        public var transposeOutput: (height: Int, width: Int)? {
            guard isBasicValid, outputPadding >= 0, outputPadding < stride else { return nil }
            let h = (inHeight - 1) * stride - 2 * padding + kernelHeight + outputPadding
            let w = (inWidth - 1) * stride - 2 * padding + kernelWidth + outputPadding
            return h >= 1 && w >= 1 ? (h, w) : nil
        }

        var isBasicValid: Bool {
            batch >= 0 && padding >= 0
                && [inChannels, inHeight, inWidth, outChannels, kernelHeight, kernelWidth, stride].allSatisfy { $0 >= 1 }
        }
    }

    // MARK: the taps shared by both layers
    //
    // Conv2d:          y[b,o,i,j] = bias[o] + Σ_{c,ki,kj} w[o,c,ki,kj] x[b,c,i·s-p+ki, j·s-p+kj]
    // ConvTranspose2d: y[b,o,i·s-p+ki, j·s-p+kj] += w[c,o,ki,kj] x[b,c,i,j]   (plus bias)
    // Both relate a strided "grid" map (the conv's output, the transposed conv's input) to a "dense" one (the other
    // side) through the same taps; each layer's forward and backward walk them in the same fixed order.

    /// Every tap, by the definition: for each image b, grid channel g, grid position (i, j), dense channel d and kernel
    /// offset (ki, kj) whose dense position (i·stride − padding + ki, j·stride − padding + kj) lies inside the dense
    /// map, body(gridIndex, denseIndex, g, d, ki·kernelWidth + kj), the indices flat into NCHW tensors.
    @inlinable static func forEachTap(batch: Int, grid: (c: Int, h: Int, w: Int), dense: (c: Int, h: Int, w: Int),
                                      kernel: (h: Int, w: Int), stride: Int, padding: Int,
                                      _ body: (_ gridIndex: Int, _ denseIndex: Int, _ g: Int, _ d: Int, _ k: Int) -> Void) {
        for b in 0..<batch {
            for g in 0..<grid.c {
                for i in 0..<grid.h {
                    for j in 0..<grid.w {
                        let gi = ((b * grid.c + g) * grid.h + i) * grid.w + j
                        for d in 0..<dense.c {
                            for ki in 0..<kernel.h {
                                let dh = i * stride - padding + ki
                                if dh < 0 || dh >= dense.h { continue }
                                for kj in 0..<kernel.w {
                                    let dw = j * stride - padding + kj
                                    if dw < 0 || dw >= dense.w { continue }
                                    body(gi, ((b * dense.c + d) * dense.h + dh) * dense.w + dw, g, d, ki * kernel.w + kj)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// batch × channels × plane values, each channel's set to bias[channel] (0 without a bias).
    @inlinable static func filled<T: Real>(batch: Int, channels: Int, plane: Int, bias: [T]?) -> [T] {
        var y = [T](repeating: 0, count: batch * channels * plane)
        if let bias {
            for b in 0..<batch { for o in 0..<channels { for p in 0..<plane { y[(b * channels + o) * plane + p] = bias[o] } } }
        }
        return y
    }

    /// Per-channel sums of dy (batch × channels × plane): the bias gradient of either layer.
    @inlinable static func channelSums<T: Real>(_ dy: [T], batch: Int, channels: Int, plane: Int) -> [T] {
        var db = [T](repeating: 0, count: channels)
        for b in 0..<batch { for o in 0..<channels { for p in 0..<plane { db[o] += dy[(b * channels + o) * plane + p] } } }
        return db
    }

    // MARK: Conv2d

    /// Conv2d forward; x batch×Cin×H×W, w Cout×Cin×kh×kw, bias Cout or nil.
    @inlinable public static func conv2dForward<T: Real>(x: [T], w: [T], bias: [T]?, shape s: ConvShape) -> [T] {
        let (oh, ow) = s.convOutput!
        let (cin, cout, taps) = (s.inChannels, s.outChannels, s.kernelHeight * s.kernelWidth)
        precondition(x.count == s.batch * cin * s.inHeight * s.inWidth && w.count == cout * cin * taps)
        var y = filled(batch: s.batch, channels: cout, plane: oh * ow, bias: bias)
        forEachTap(batch: s.batch, grid: (cout, oh, ow), dense: (cin, s.inHeight, s.inWidth),
                   kernel: (s.kernelHeight, s.kernelWidth), stride: s.stride, padding: s.padding) { yi, xi, o, c, k in
            y[yi] += w[(o * cin + c) * taps + k] * x[xi]
        }
        return y
    }

    /// Conv2d backward for upstream gradient dy (batch×Cout×oh×ow): (dx, dw, dbias), scattering each dy element back
    /// along the forward's taps.
    @inlinable public static func conv2dBackward<T: Real>(dy: [T], x: [T], w: [T], shape s: ConvShape)
        -> (dx: [T], dw: [T], dbias: [T]) {
        let (oh, ow) = s.convOutput!
        let (cin, cout, taps) = (s.inChannels, s.outChannels, s.kernelHeight * s.kernelWidth)
        precondition(dy.count == s.batch * cout * oh * ow && x.count == s.batch * cin * s.inHeight * s.inWidth
                     && w.count == cout * cin * taps)
        var dx = [T](repeating: 0, count: x.count), dw = [T](repeating: 0, count: w.count)
        forEachTap(batch: s.batch, grid: (cout, oh, ow), dense: (cin, s.inHeight, s.inWidth),
                   kernel: (s.kernelHeight, s.kernelWidth), stride: s.stride, padding: s.padding) { yi, xi, o, c, k in
            let wi = (o * cin + c) * taps + k
            dw[wi] += dy[yi] * x[xi]
            dx[xi] += dy[yi] * w[wi]
        }
        return (dx, dw, channelSums(dy, batch: s.batch, channels: cout, plane: oh * ow))
    }

    // MARK: ConvTranspose2d

    /// ConvTranspose2d forward; x batch×Cin×H×W, w Cin×Cout×kh×kw, bias Cout or nil.
    @inlinable public static func convTranspose2dForward<T: Real>(x: [T], w: [T], bias: [T]?, shape s: ConvShape) -> [T] {
        let (oh, ow) = s.transposeOutput!
        let (cin, cout, taps) = (s.inChannels, s.outChannels, s.kernelHeight * s.kernelWidth)
        precondition(x.count == s.batch * cin * s.inHeight * s.inWidth && w.count == cout * cin * taps)
        var y = filled(batch: s.batch, channels: cout, plane: oh * ow, bias: bias)
        forEachTap(batch: s.batch, grid: (cin, s.inHeight, s.inWidth), dense: (cout, oh, ow),
                   kernel: (s.kernelHeight, s.kernelWidth), stride: s.stride, padding: s.padding) { xi, yi, c, o, k in
            y[yi] += w[(c * cout + o) * taps + k] * x[xi]
        }
        return y
    }

    /// ConvTranspose2d backward for dy (batch×Cout×oh×ow): (dx, dw, dbias), gathering along the forward's taps.
    @inlinable public static func convTranspose2dBackward<T: Real>(dy: [T], x: [T], w: [T], shape s: ConvShape)
        -> (dx: [T], dw: [T], dbias: [T]) {
        let (oh, ow) = s.transposeOutput!
        let (cin, cout, taps) = (s.inChannels, s.outChannels, s.kernelHeight * s.kernelWidth)
        precondition(dy.count == s.batch * cout * oh * ow && x.count == s.batch * cin * s.inHeight * s.inWidth
                     && w.count == cout * cin * taps)
        var dx = [T](repeating: 0, count: x.count), dw = [T](repeating: 0, count: w.count)
        forEachTap(batch: s.batch, grid: (cin, s.inHeight, s.inWidth), dense: (cout, oh, ow),
                   kernel: (s.kernelHeight, s.kernelWidth), stride: s.stride, padding: s.padding) { xi, yi, c, o, k in
            let wi = (c * cout + o) * taps + k
            dx[xi] += w[wi] * dy[yi]
            dw[wi] += x[xi] * dy[yi]
        }
        return (dx, dw, channelSums(dy, batch: s.batch, channels: cout, plane: oh * ow))
    }
}
