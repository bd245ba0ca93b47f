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

    // MARK: Conv2d, by the definition: y[b,o,oh,ow] = bias[o] + Σ_{c,ki,kj} w[o,c,ki,kj] x[b,c,oh·s-p+ki, ow·s-p+kj]

    /// Conv2d forward; x batch×Cin×H×W, w Cout×Cin×kh×kw, bias Cout or nil.
    @inlinable public static func conv2dForward<T: Real>(x: [T], w: [T], bias: [T]?, shape s: ConvShape) -> [T] {
        let (oh, ow) = s.convOutput!
        let (cin, h, wd, cout, kh, kw) = (s.inChannels, s.inHeight, s.inWidth, s.outChannels, s.kernelHeight, s.kernelWidth)
        precondition(x.count == s.batch * cin * h * wd && w.count == cout * cin * kh * kw)
        var y = [T](repeating: 0, count: s.batch * cout * oh * ow)
        for b in 0..<s.batch {
            for o in 0..<cout {
                for i in 0..<oh {
                    for j in 0..<ow {
                        var acc: T = bias?[o] ?? 0
                        for c in 0..<cin {
                            for ki in 0..<kh {
                                let ih = i * s.stride - s.padding + ki
                                if ih < 0 || ih >= h { continue }
                                for kj in 0..<kw {
                                    let iw = j * s.stride - s.padding + kj
                                    if iw < 0 || iw >= wd { continue }
                                    acc += w[((o * cin + c) * kh + ki) * kw + kj] * x[((b * cin + c) * h + ih) * wd + iw]
                                }
                            }
                        }
                        y[((b * cout + o) * oh + i) * ow + j] = acc
                    }
                }
            }
        }
        return y
    }

    /// Conv2d backward for upstream gradient dy (batch×Cout×oh×ow): (dx, dw, dbias), by scattering each
    /// dy element back along the same 7 loops as the forward.
    @inlinable public static func conv2dBackward<T: Real>(dy: [T], x: [T], w: [T], shape s: ConvShape)
        -> (dx: [T], dw: [T], dbias: [T]) {
        let (oh, ow) = s.convOutput!
        let (cin, h, wd, cout, kh, kw) = (s.inChannels, s.inHeight, s.inWidth, s.outChannels, s.kernelHeight, s.kernelWidth)
        precondition(dy.count == s.batch * cout * oh * ow && x.count == s.batch * cin * h * wd && w.count == cout * cin * kh * kw)
        var dx = [T](repeating: 0, count: x.count), dw = [T](repeating: 0, count: w.count)
        var db = [T](repeating: 0, count: cout)
        for b in 0..<s.batch {
            for o in 0..<cout {
                for i in 0..<oh {
                    for j in 0..<ow {
                        let g = dy[((b * cout + o) * oh + i) * ow + j]
                        db[o] += g
                        for c in 0..<cin {
                            for ki in 0..<kh {
                                let ih = i * s.stride - s.padding + ki
                                if ih < 0 || ih >= h { continue }
                                for kj in 0..<kw {
                                    let iw = j * s.stride - s.padding + kj
                                    if iw < 0 || iw >= wd { continue }
                                    let wi = ((o * cin + c) * kh + ki) * kw + kj, xi = ((b * cin + c) * h + ih) * wd + iw
                                    dw[wi] += g * x[xi]
                                    dx[xi] += g * w[wi]
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dx, dw, db)
    }

    // MARK: ConvTranspose2d, by the definition: each input pixel scatters w[c,o,·,·]·x into the output window
    //   y[b,o,ih·s-p+ki, iw·s-p+kj] += w[c,o,ki,kj] x[b,c,ih,iw]   (plus bias)

    /// ConvTranspose2d forward; x batch×Cin×H×W, w Cin×Cout×kh×kw, bias Cout or nil.
    @inlinable public static func convTranspose2dForward<T: Real>(x: [T], w: [T], bias: [T]?, shape s: ConvShape) -> [T] {
        let (oh, ow) = s.transposeOutput!
        let (cin, h, wd, cout, kh, kw) = (s.inChannels, s.inHeight, s.inWidth, s.outChannels, s.kernelHeight, s.kernelWidth)
        precondition(x.count == s.batch * cin * h * wd && w.count == cout * cin * kh * kw)
        var y = [T](repeating: 0, count: s.batch * cout * oh * ow)
        if let bias {
            for b in 0..<s.batch { for o in 0..<cout { for p in 0..<(oh * ow) { y[(b * cout + o) * oh * ow + p] = bias[o] } } }
        }
        for b in 0..<s.batch {
            for c in 0..<cin {
                for i in 0..<h {
                    for j in 0..<wd {
                        let v = x[((b * cin + c) * h + i) * wd + j]
                        for o in 0..<cout {
                            for ki in 0..<kh {
                                let yh = i * s.stride - s.padding + ki
                                if yh < 0 || yh >= oh { continue }
                                for kj in 0..<kw {
                                    let yw = j * s.stride - s.padding + kj
                                    if yw < 0 || yw >= ow { continue }
                                    y[((b * cout + o) * oh + yh) * ow + yw] += w[((c * cout + o) * kh + ki) * kw + kj] * v
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// ConvTranspose2d backward for dy (batch×Cout×oh×ow): (dx, dw, dbias), gathering along the forward's loops.
    @inlinable public static func convTranspose2dBackward<T: Real>(dy: [T], x: [T], w: [T], shape s: ConvShape)
        -> (dx: [T], dw: [T], dbias: [T]) {
        let (oh, ow) = s.transposeOutput!
        let (cin, h, wd, cout, kh, kw) = (s.inChannels, s.inHeight, s.inWidth, s.outChannels, s.kernelHeight, s.kernelWidth)
        precondition(dy.count == s.batch * cout * oh * ow && x.count == s.batch * cin * h * wd && w.count == cout * cin * kh * kw)
        var dx = [T](repeating: 0, count: x.count), dw = [T](repeating: 0, count: w.count)
        var db = [T](repeating: 0, count: cout)
        for b in 0..<s.batch {
            for o in 0..<cout { for p in 0..<(oh * ow) { db[o] += dy[(b * cout + o) * oh * ow + p] } }
        }
        for b in 0..<s.batch {
            for c in 0..<cin {
                for i in 0..<h {
                    for j in 0..<wd {
                        let xi = ((b * cin + c) * h + i) * wd + j
                        var acc: T = 0
                        for o in 0..<cout {
                            for ki in 0..<kh {
                                let yh = i * s.stride - s.padding + ki
                                if yh < 0 || yh >= oh { continue }
                                for kj in 0..<kw {
                                    let yw = j * s.stride - s.padding + kj
                                    if yw < 0 || yw >= ow { continue }
                                    let wi = ((c * cout + o) * kh + ki) * kw + kj, g = dy[((b * cout + o) * oh + yh) * ow + yw]
                                    acc += w[wi] * g
                                    dw[wi] += x[xi] * g
                                }
                            }
                        }
                        dx[xi] = acc
                    }
                }
            }
        }
        return (dx, dw, db)
    }
}
