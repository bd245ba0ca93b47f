import CKernels
import Kernels
import KernelsReference
import TestSupport
import XCTest

final class ConvTests: XCTestCase {
    // MARK: helpers

    private struct Grads: Equatable { var dx: [Float], dw: [Float], db: [Float] }

    private func ref(_ s: ConvShape) -> Reference.ConvShape {
        Reference.ConvShape(batch: s.batch, inChannels: s.inChannels, inHeight: s.inHeight, inWidth: s.inWidth,
                            outChannels: s.outChannels, kernelHeight: s.kernelHeight, kernelWidth: s.kernelWidth,
                            stride: s.stride, padding: s.padding, outputPadding: s.outputPadding)
    }

    /// The C forward on arrays; outputs start as NaN so an element the kernel forgets to write fails.
    private func cForward(_ s: ConvShape, transposed: Bool, x: [Float], w: [Float], bias: [Float]?) -> [Float] {
        var y = [Float](repeating: .nan, count: Conv.counts(s, transposed: transposed).output)
        var ws = [Float](repeating: .nan, count: Conv.workspaceSize(s, transposed: transposed)!)
        x.withUnsafeBufferPointer { xb in w.withUnsafeBufferPointer { wb in
            let run = { (bb: UnsafeBufferPointer<Float>?) in
                y.withUnsafeMutableBufferPointer { yb in ws.withUnsafeMutableBufferPointer { wsb in
                    if transposed {
                        Conv.transposeForward(y: yb, x: xb, w: wb, bias: bb, shape: s, workspace: wsb)
                    } else {
                        Conv.forward(y: yb, x: xb, w: wb, bias: bb, shape: s, workspace: wsb)
                    }
                } }
            }
            if let bias { bias.withUnsafeBufferPointer { run($0) } } else { run(nil) }
        } }
        return y
    }

    /// The C backward; `want` selects which of (dx, dw, db) are requested (the others come back empty).
    private func cBackward(_ s: ConvShape, transposed: Bool, dy: [Float], x: [Float], w: [Float],
                           want: (dx: Bool, dw: Bool, db: Bool) = (true, true, true)) -> Grads {
        var g = Grads(dx: want.dx ? [Float](repeating: .nan, count: x.count) : [],
                      dw: want.dw ? [Float](repeating: .nan, count: w.count) : [],
                      db: want.db ? [Float](repeating: .nan, count: s.outChannels) : [])
        var ws = [Float](repeating: .nan, count: Conv.workspaceSize(s, transposed: transposed)!)
        g.dx.withUnsafeMutableBufferPointer { dx in g.dw.withUnsafeMutableBufferPointer { dw in
            g.db.withUnsafeMutableBufferPointer { db in ws.withUnsafeMutableBufferPointer { wsb in
                dy.withUnsafeBufferPointer { dyb in x.withUnsafeBufferPointer { xb in w.withUnsafeBufferPointer { wb in
                    if transposed {
                        Conv.transposeBackward(dx: want.dx ? dx : nil, dw: want.dw ? dw : nil, dbias: want.db ? db : nil,
                                               dy: dyb, x: xb, w: wb, shape: s, workspace: wsb)
                    } else {
                        Conv.backward(dx: want.dx ? dx : nil, dw: want.dw ? dw : nil, dbias: want.db ? db : nil,
                                      dy: dyb, x: xb, w: wb, shape: s, workspace: wsb)
                    }
                } } }
            } }
        } }
        return g
    }

    /// Random inputs of a layer: (x, w, bias, dy).
    private func inputs(_ s: ConvShape, transposed: Bool, seed: UInt64) -> (x: [Float], w: [Float], b: [Float], dy: [Float]) {
        let n = Conv.counts(s, transposed: transposed)
        return (randomFloats(n.input, seed: seed), randomFloats(n.weight, seed: seed + 1),
                randomFloats(s.outChannels, seed: seed + 2), randomFloats(n.output, seed: seed + 3))
    }

    /// Compares C (every ISA) with the Double twin, forward and backward. Tolerances scale with the number
    /// of float terms summed per output element. A `channelsLast` shape gets its tensors permuted on the way in
    /// and its results on the way out, so both compare with the NCHW twin.
    private func checkAgainstTwin(_ s: ConvShape, transposed: Bool, seed: UInt64, file: StaticString = #filePath,
                                  line: UInt = #line) {
        let (x, w, b, dy) = inputs(s, transposed: transposed, seed: seed)
        let out = Conv.outputSize(s, transposed: transposed)!
        func layout(_ a: [Float], input: Bool, toChannelsLast: Bool) -> [Float] {
            guard s.channelsLast else { return a }
            return changeLayout(a, batch: s.batch, c: input ? s.inChannels : s.outChannels,
                            plane: input ? s.inHeight * s.inWidth : out.height * out.width, toChannelsLast: toChannelsLast)
        }
        let (xC, dyC) = (layout(x, input: true, toChannelsLast: true), layout(dy, input: false, toChannelsLast: true))
        let r = ref(s)
        let wantY = transposed ? Reference.convTranspose2dForward(x: x.doubles, w: w.doubles, bias: b.doubles, shape: r)
                               : Reference.conv2dForward(x: x.doubles, w: w.doubles, bias: b.doubles, shape: r)
        let want = transposed ? Reference.convTranspose2dBackward(dy: dy.doubles, x: x.doubles, w: w.doubles, shape: r)
                              : Reference.conv2dBackward(dy: dy.doubles, x: x.doubles, w: w.doubles, shape: r)
        let window = s.kernelHeight * s.kernelWidth
        let termsY = s.inChannels * window
        let termsDx = s.outChannels * window, termsDw = s.batch * max(out.height * out.width, s.inHeight * s.inWidth)
        let termsDb = s.batch * out.height * out.width
        let kind = transposed ? "convT" : "conv"
        forEachISA { isa in
            let tag = "\(kind) \(s) isa=\(isa)"
            let y = layout(cForward(s, transposed: transposed, x: xC, w: w, bias: b), input: false, toChannelsLast: false)
            assertClose(y, wantY, rtol: 1e-4, atol: 2e-6 * Double(termsY), "y " + tag, file: file, line: line)
            let g = cBackward(s, transposed: transposed, dy: dyC, x: xC, w: w)
            assertClose(layout(g.dx, input: true, toChannelsLast: false), want.dx, rtol: 1e-4, atol: 2e-6 * Double(termsDx), "dx " + tag, file: file, line: line)
            assertClose(g.dw, want.dw, rtol: 1e-4, atol: 2e-6 * Double(termsDw), "dw " + tag, file: file, line: line)
            assertClose(g.db, want.dbias, rtol: 1e-4, atol: 2e-6 * Double(termsDb), "db " + tag, file: file, line: line)
        }
    }

    // MARK: shapes

    /// The layers of the CNN3 / CNN5 models at batch 2 (the twin is slow; batch adds no new geometry).
    private let modelConvs: [ConvShape] = [
        ConvShape(batch: 2, inChannels: 1, outChannels: 32, size: 28, kernel: 3, stride: 2, padding: 1),
        ConvShape(batch: 2, inChannels: 32, outChannels: 64, size: 14, kernel: 3, stride: 2, padding: 1),
        ConvShape(batch: 2, inChannels: 64, outChannels: 128, size: 7, kernel: 3, stride: 2, padding: 1),
        ConvShape(batch: 1, inChannels: 32, outChannels: 32, size: 28, kernel: 3, stride: 1, padding: 1),
        ConvShape(batch: 1, inChannels: 64, outChannels: 64, size: 14, kernel: 3, stride: 1, padding: 1),
    ]
    private let modelTransposed: [ConvShape] = [
        ConvShape(batch: 2, inChannels: 128, outChannels: 64, size: 4, kernel: 3, stride: 2, padding: 1, outputPadding: 0),
        ConvShape(batch: 2, inChannels: 64, outChannels: 32, size: 7, kernel: 3, stride: 2, padding: 1, outputPadding: 1),
        ConvShape(batch: 2, inChannels: 32, outChannels: 1, size: 14, kernel: 3, stride: 2, padding: 1, outputPadding: 1),
    ]

    /// Kernel 1/3/5 (and non-square), stride 1/2/3, padding 0/1/2, output padding up to stride-1,
    /// non-square inputs, batch 1 and 3, a kernel larger than the unpadded input, single channels.
    private let awkward: [ConvShape] = [
        ConvShape(batch: 1, inChannels: 3, inHeight: 7, inWidth: 5, outChannels: 2, kernelHeight: 1, kernelWidth: 1),
        ConvShape(batch: 3, inChannels: 2, inHeight: 9, inWidth: 11, outChannels: 4, kernelHeight: 3, kernelWidth: 3,
                  stride: 2, padding: 1, outputPadding: 1),
        ConvShape(batch: 1, inChannels: 4, inHeight: 8, inWidth: 6, outChannels: 3, kernelHeight: 5, kernelWidth: 5,
                  stride: 3, padding: 2, outputPadding: 2),
        ConvShape(batch: 3, inChannels: 1, inHeight: 10, inWidth: 7, outChannels: 5, kernelHeight: 3, kernelWidth: 3,
                  stride: 1, padding: 2),
        ConvShape(batch: 2, inChannels: 5, inHeight: 6, inWidth: 9, outChannels: 1, kernelHeight: 5, kernelWidth: 3,
                  stride: 2, padding: 0, outputPadding: 1),
        ConvShape(batch: 1, inChannels: 2, inHeight: 5, inWidth: 5, outChannels: 3, kernelHeight: 3, kernelWidth: 3,
                  stride: 3, padding: 1, outputPadding: 1),
        ConvShape(batch: 3, inChannels: 3, inHeight: 13, inWidth: 4, outChannels: 2, kernelHeight: 1, kernelWidth: 3,
                  stride: 2, padding: 1, outputPadding: 1),
        ConvShape(batch: 1, inChannels: 2, inHeight: 2, inWidth: 3, outChannels: 3, kernelHeight: 5, kernelWidth: 5,
                  stride: 1, padding: 2),
        ConvShape(batch: 3, inChannels: 1, inHeight: 12, inWidth: 9, outChannels: 1, kernelHeight: 3, kernelWidth: 5,
                  stride: 2, padding: 2, outputPadding: 1),
        ConvShape(batch: 1, inChannels: 17, inHeight: 3, inWidth: 3, outChannels: 19, kernelHeight: 3, kernelWidth: 3,
                  stride: 1, padding: 0),
        // At least 8 channels on a side (full register tiles) with stride 1 and odd and even, non-square kernels,
        // and stride 2 with kernel 3.
        ConvShape(batch: 2, inChannels: 9, inHeight: 8, inWidth: 7, outChannels: 8, kernelHeight: 5, kernelWidth: 3,
                  stride: 1, padding: 2),
        ConvShape(batch: 2, inChannels: 12, inHeight: 6, inWidth: 5, outChannels: 8, kernelHeight: 4, kernelWidth: 5,
                  stride: 1, padding: 1),
        ConvShape(batch: 1, inChannels: 8, inHeight: 5, inWidth: 6, outChannels: 10, kernelHeight: 3, kernelWidth: 3,
                  stride: 2, padding: 1, outputPadding: 1),
        // Padded planes above 4096 floats take the clipped (non-padded) im2col/col2im path.
        ConvShape(batch: 2, inChannels: 1, inHeight: 66, inWidth: 70, outChannels: 2, kernelHeight: 3, kernelWidth: 3,
                  stride: 2, padding: 1, outputPadding: 1),
        ConvShape(batch: 1, inChannels: 2, inHeight: 64, inWidth: 63, outChannels: 1, kernelHeight: 5, kernelWidth: 5,
                  stride: 1, padding: 2),
    ]

    // MARK: C against the twin

    func testConvModelShapesAgainstTwin() {
        for (i, s) in modelConvs.enumerated() { checkAgainstTwin(s, transposed: false, seed: UInt64(10 * i)) }
    }

    func testConvTransposeModelShapesAgainstTwin() {
        for (i, s) in modelTransposed.enumerated() { checkAgainstTwin(s, transposed: true, seed: UInt64(10 * i + 1)) }
    }

    func testAwkwardShapesAgainstTwin() {
        for (i, s) in awkward.enumerated() {
            XCTAssertNotNil(Conv.outputSize(s), "\(s) should be a valid Conv2d")
            XCTAssertNotNil(Conv.outputSize(s, transposed: true), "\(s) should be a valid ConvTranspose2d")
            checkAgainstTwin(s, transposed: false, seed: UInt64(100 + 10 * i))
            checkAgainstTwin(s, transposed: true, seed: UInt64(105 + 10 * i))
        }
    }

    /// Large layers are run in groups of images (about 2^20 floats of lowered matrix per group): these
    /// shapes give groups of 2 + 1 images (a partial last group), and 1 + 1 + 1, while the twin stays cheap
    /// because the other side has a single channel.
    func testImageGroupsAgainstTwin() {
        let grouped = ConvShape(batch: 3, inChannels: 16, outChannels: 1, size: 32, kernel: 5, stride: 1, padding: 2)
        checkAgainstTwin(grouped, transposed: false, seed: 900)
        let groupedT = ConvShape(batch: 3, inChannels: 1, outChannels: 16, size: 32, kernel: 5, stride: 1, padding: 2)
        checkAgainstTwin(groupedT, transposed: true, seed: 910)
        let single = ConvShape(batch: 3, inChannels: 16, outChannels: 2, size: 41, kernel: 5, stride: 1, padding: 2)
        checkAgainstTwin(single, transposed: false, seed: 920)
        // Workspace covers one group, not the batch.
        XCTAssertEqual(Conv.workspaceSize(grouped), (16 * 25 + 1) * 2 * 32 * 32)
    }

    /// The channels-last path (conv_nhwc.c: 16+ channels on the image side, 7x7 or smaller column planes for the
    /// forward lowering): channel counts that are not multiples of 16 (runs with tails), kernel 4 with 64
    /// channels (1024 lowered rows, so the GEMM's k blocks start mid-run), stride 5, and images large enough
    /// that the batch is split into groups of 1 and 2 (dW accumulated across groups).
    /// Forced on (ck_conv_set_channels_last) so every ISA runs it, not only AVX-512 where it is the default.
    func testChannelsLastPathAgainstTwin() {
        ck_conv_set_channels_last(7)
        defer { ck_conv_set_channels_last(-1) }
        let shapes: [(ConvShape, Bool)] = [
            (ConvShape(batch: 2, inChannels: 24, outChannels: 40, size: 9, kernel: 4, stride: 2, padding: 1), false),
            (ConvShape(batch: 2, inChannels: 40, outChannels: 24, size: 4, kernel: 4, stride: 2, padding: 1), true),
            (ConvShape(batch: 2, inChannels: 64, outChannels: 32, size: 8, kernel: 4, stride: 2, padding: 1), false),
            (ConvShape(batch: 2, inChannels: 32, outChannels: 64, size: 4, kernel: 4, stride: 2, padding: 1), true),
            (ConvShape(batch: 3, inChannels: 512, outChannels: 4, size: 30, kernel: 3, stride: 5, padding: 1), false),
            (ConvShape(batch: 3, inChannels: 4, outChannels: 512, size: 6, kernel: 3, stride: 5, padding: 1), true),
        ]
        for (i, (s, transposed)) in shapes.enumerated() {
            checkAgainstTwin(s, transposed: transposed, seed: UInt64(950 + 10 * i))
        }
    }

    /// Channels-last tensors (what the models keep between layers under AVX-512): the model layers, DCGAN's kernel-4
    /// pair, the channels-last path's shapes and the awkward ones (one-channel sides, which go through the NCHW
    /// calls with transposed views; channel counts that are not multiples of 16; groups of images), under every ISA
    /// and with the channels-last paths of NCHW tensors off and on (channels-last tensors must not depend on them).
    func testChannelsLastTensorsAgainstTwin() {
        let dcgan: [(ConvShape, Bool)] = [
            (ConvShape(batch: 2, inChannels: 1, outChannels: 16, size: 28, kernel: 4, stride: 2, padding: 1), false),
            (ConvShape(batch: 2, inChannels: 16, outChannels: 1, size: 14, kernel: 4, stride: 2, padding: 1), true),
            (ConvShape(batch: 2, inChannels: 1, outChannels: 3, size: 12, kernel: 4, stride: 2, padding: 1), false),
        ]
        let grouped = ConvShape(batch: 3, inChannels: 16, outChannels: 2, size: 41, kernel: 5, stride: 1, padding: 2)
        // One output pixel: the skinny weight gradient's dW_t (9 x 5) is larger than the lowered matrix (9 x 1).
        let onePixel = ConvShape(batch: 1, inChannels: 1, outChannels: 5, size: 2, kernel: 3, stride: 2, padding: 1)
        let shapes = modelConvs.map { ($0, false) } + modelTransposed.map { ($0, true) } + dcgan + [(grouped, false)]
            + [(onePixel, false)]
            + awkward.flatMap { [($0, false), ($0, true)] }
        for mode: Int32 in [0, 7] {
            ck_conv_set_channels_last(mode)
            defer { ck_conv_set_channels_last(-1) }
            for (i, (shape, transposed)) in shapes.enumerated() {
                var s = shape
                s.channelsLast = true
                checkAgainstTwin(s, transposed: transposed, seed: UInt64(1300 + 10 * i) + UInt64(mode))
            }
        }
    }

    /// The model layers with the channels-last path forced off: under AVX-512 they default to it, so this keeps
    /// the NCHW path's AVX-512 kernels (implicit packing, col2im) checked at these shapes.
    func testNCHWPathAgainstTwin() {
        ck_conv_set_channels_last(0)
        defer { ck_conv_set_channels_last(-1) }
        for (i, s) in modelConvs.enumerated() { checkAgainstTwin(s, transposed: false, seed: UInt64(1100 + 10 * i)) }
        for (i, s) in modelTransposed.enumerated() { checkAgainstTwin(s, transposed: true, seed: UInt64(1200 + 10 * i)) }
    }

    /// Winograd F(2x2, 3x3) (conv_winograd.c: channels-last, 3x3, stride 1, padding 1, 16+ channels each side) for
    /// the forward lowering, the data gradient and the weight gradient of both kinds: odd planes (the last tile row and column half
    /// outside the image), 1x1 and 2x3 planes (every tile mostly padding), channel counts that are not multiples of
    /// a vector or a register tile, enough tiles for several chunks with a partial last one, and for two groups of the
    /// weight gradient's sum.
    func testWinogradAgainstTwin() {
        ck_conv_set_winograd(1)
        defer { ck_conv_set_winograd(-1) }
        let shapes = [
            ConvShape(batch: 3, inChannels: 16, outChannels: 24, size: 7, kernel: 3, stride: 1, padding: 1),
            ConvShape(batch: 2, inChannels: 20, inHeight: 5, inWidth: 6, outChannels: 17, kernelHeight: 3, kernelWidth: 3,
                      stride: 1, padding: 1),
            ConvShape(batch: 2, inChannels: 16, outChannels: 16, size: 1, kernel: 3, stride: 1, padding: 1),
            ConvShape(batch: 1, inChannels: 33, inHeight: 2, inWidth: 3, outChannels: 16, kernelHeight: 3, kernelWidth: 3,
                      stride: 1, padding: 1),
            ConvShape(batch: 5, inChannels: 32, outChannels: 64, size: 14, kernel: 3, stride: 1, padding: 1),
            // 1 728 tiles: the weight gradient sums them in two groups (1 024 + 704).
            ConvShape(batch: 3, inChannels: 16, outChannels: 16, size: 48, kernel: 3, stride: 1, padding: 1),
        ]
        for (i, shape) in shapes.enumerated() {
            var s = shape
            s.channelsLast = true
            checkAgainstTwin(s, transposed: false, seed: UInt64(1500 + 10 * i))
            checkAgainstTwin(s, transposed: true, seed: UInt64(1505 + 10 * i))
        }
        // The switch takes another path: the two round differently.
        var s = shapes[4]
        s.channelsLast = true
        let (x, w, b, _) = inputs(s, transposed: false, seed: 1600)
        let on = cForward(s, transposed: false, x: x, w: w, bias: b)
        ck_conv_set_winograd(0)
        let off = cForward(s, transposed: false, x: x, w: w, bias: b)
        XCTAssertNotEqual(on, off)
        assertClose(on.doubles, off.doubles, rtol: 1e-4, atol: 1e-4, "Winograd against the lowering")
    }

    /// Winograd F(4x4, 2x2) for 4x4 stride-2 convolutions, lowering (Conv2d forward, ConvTranspose2d backward-data)
    /// and raising (Conv2d backward-data, ConvTranspose2d forward): partial tiles, channel counts off the vector and
    /// tile widths, a 1x1 output, DCGAN's layer; every ISA against the twin, and the switch takes another path.
    func testPolyphaseAgainstTwin() {
        ck_conv_set_winograd(1)
        defer { ck_conv_set_winograd(-1) }
        let shapes = [
            ConvShape(batch: 3, inChannels: 16, outChannels: 24, size: 14, kernel: 4, stride: 2, padding: 1),
            ConvShape(batch: 2, inChannels: 20, inHeight: 6, inWidth: 10, outChannels: 17, kernelHeight: 4, kernelWidth: 4,
                      stride: 2, padding: 1),
            ConvShape(batch: 1, inChannels: 33, outChannels: 16, size: 2, kernel: 4, stride: 2, padding: 1),
            ConvShape(batch: 2, inChannels: 64, outChannels: 128, size: 14, kernel: 4, stride: 2, padding: 1),
            ConvShape(batch: 2, inChannels: 24, outChannels: 16, size: 7, kernel: 4, stride: 2, padding: 1),  // ConvT 7 -> 14
        ]
        for (i, shape) in shapes.enumerated() {
            var s = shape
            s.channelsLast = true
            checkAgainstTwin(s, transposed: i == 4, seed: UInt64(1700 + 10 * i))
        }
        for (shape, transposed) in [(shapes[3], false), (shapes[4], true)] {
            var s = shape
            s.channelsLast = true
            let (x, w, b, dy) = inputs(s, transposed: transposed, seed: 1800)
            func both() -> [Float] {
                cForward(s, transposed: transposed, x: x, w: w, bias: b) + cBackward(s, transposed: transposed, dy: dy, x: x, w: w).dx
            }
            ck_conv_set_winograd(1)
            let on = both()
            ck_conv_set_winograd(0)
            let off = both()
            let outputs = Conv.counts(s, transposed: transposed)
            XCTAssertNotEqual(Array(on[..<outputs.output]), Array(off[..<outputs.output]), "forward, transposed=\(transposed)")
            XCTAssertNotEqual(Array(on[outputs.output...]), Array(off[outputs.output...]), "dx, transposed=\(transposed)")
            // Looser than F(2x2, 3x3)'s 1e-4: Aᵀ scales by up to 8, and a float32 simulation puts this transform's
            // error at ~3x the lowering's (outputs here are sums of 1 024 products, ~10 in size).
            assertClose(on.doubles, off.doubles, rtol: 1e-4, atol: 1e-3, "F(4x4, 2x2) against the lowering, transposed=\(transposed)")
        }
    }

    /// Forward without bias, and backward with only some outputs requested (each path reuses the workspace
    /// differently), give the same values as the full call.
    func testOptionalOutputsAndNoBias() {
        for transposed in [false, true] {
            let s = awkward[1]
            let (x, w, b, dy) = inputs(s, transposed: transposed, seed: 77)
            forEachISA { isa in
                let withBias = cForward(s, transposed: transposed, x: x, w: w, bias: b)
                let noBias = cForward(s, transposed: transposed, x: x, w: w, bias: nil)
                let out = Conv.outputSize(s, transposed: transposed)!, plane = out.height * out.width
                let shifted = noBias.enumerated().map { i, v in v + b[(i / plane) % s.outChannels] }
                assertClose(withBias, shifted, rtol: 1e-6, atol: 1e-6, "bias transposed=\(transposed) isa=\(isa)")
                let all = cBackward(s, transposed: transposed, dy: dy, x: x, w: w)
                XCTAssertEqual(cBackward(s, transposed: transposed, dy: dy, x: x, w: w, want: (true, false, false)).dx, all.dx)
                XCTAssertEqual(cBackward(s, transposed: transposed, dy: dy, x: x, w: w, want: (false, true, false)).dw, all.dw)
                XCTAssertEqual(cBackward(s, transposed: transposed, dy: dy, x: x, w: w, want: (false, false, true)).db, all.db)
                XCTAssertEqual(cBackward(s, transposed: transposed, dy: dy, x: x, w: w, want: (true, false, true)).dx, all.dx)
            }
        }
    }

    /// An empty batch writes nothing to y/dx and zeros to dw/dbias (they are overwritten, not accumulated).
    func testEmptyBatch() {
        // awkward[1] takes the NCHW path, modelConvs[1] (32 -> 64 channels, 7x7 output) the channels-last one.
        let cases = [false, true].flatMap { transposed in [(transposed, awkward[1]), (transposed, modelConvs[1])] }
        for (transposed, shape) in cases {
            var s = shape
            s.batch = 0
            XCTAssertEqual(Conv.workspaceSize(s, transposed: transposed), 0)
            let n = Conv.counts(s, transposed: transposed)
            let g = cBackward(s, transposed: transposed, dy: [], x: [], w: randomFloats(n.weight, seed: 1))
            XCTAssertEqual(g.dw, [Float](repeating: 0, count: n.weight))
            XCTAssertEqual(g.db, [Float](repeating: 0, count: s.outChannels))
            XCTAssertEqual(cForward(s, transposed: transposed, x: [], w: randomFloats(n.weight, seed: 1), bias: nil), [])
        }
    }

    // MARK: gradients

    /// C backward (float) against central finite differences of the twin's forward (Double), L = <r, y>.
    func testBackwardMatchesFiniteDifferences() {
        let shapes = [
            (ConvShape(batch: 2, inChannels: 2, inHeight: 5, inWidth: 4, outChannels: 3, kernelHeight: 3, kernelWidth: 3,
                       stride: 2, padding: 1), false),
            (ConvShape(batch: 2, inChannels: 3, inHeight: 3, inWidth: 4, outChannels: 2, kernelHeight: 3, kernelWidth: 2,
                       stride: 2, padding: 1, outputPadding: 1), true),
        ]
        for (s, transposed) in shapes {
            let (xf, wf, bf, rf) = inputs(s, transposed: transposed, seed: 5)
            let x = xf.doubles, w = wf.doubles, b = bf.doubles, r = rf.doubles, rs = ref(s)
            func loss(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
                dot(r, transposed ? Reference.convTranspose2dForward(x: x, w: w, bias: b, shape: rs)
                                  : Reference.conv2dForward(x: x, w: w, bias: b, shape: rs))
            }
            let fdx = finiteDifferenceGradient(x) { loss($0, w, b) }, fdw = finiteDifferenceGradient(w) { loss(x, $0, b) }
            let fdb = finiteDifferenceGradient(b) { loss(x, w, $0) }
            XCTAssertGreaterThan(fdx.map(abs).max()!, 0.1, "vanishing gradient: the check would be vacuous")
            forEachISA { isa in
                let g = cBackward(s, transposed: transposed, dy: rf, x: xf, w: wf)
                let tag = "transposed=\(transposed) isa=\(isa)"
                assertClose(g.dx, fdx, rtol: 1e-4, atol: 1e-5, "dx " + tag)
                assertClose(g.dw, fdw, rtol: 1e-4, atol: 1e-5, "dw " + tag)
                assertClose(g.db, fdb, rtol: 1e-4, atol: 1e-5, "db " + tag)
            }
        }
    }

    // MARK: determinism

    /// Bitwise-equal results with 1, 2 and 3 threads on every ISA (parallel loops partition outputs).
    func testResultIndependentOfThreadCount() {
        let nchw: [(ConvShape, Bool)] = modelConvs.map { s in var s = s; s.batch = 8; return (s, false) }
            + modelTransposed.map { s in var s = s; s.batch = 8; return (s, true) }
        // And channels-last: CNN5's stride-1 layers then take the Winograd paths (several chunks of tiles, and two
        // or more groups in the weight gradient's sum).
        let shapes = nchw + nchw.map { s, transposed in var s = s; s.channelsLast = true; return (s, transposed) }
        for (i, (s, transposed)) in shapes.enumerated() {
            let (x, w, b, dy) = inputs(s, transposed: transposed, seed: UInt64(300 + i))
            forEachISA { isa in
                func run() -> ([Float], Grads) {
                    (cForward(s, transposed: transposed, x: x, w: w, bias: b), cBackward(s, transposed: transposed, dy: dy, x: x, w: w))
                }
                let one = KernelRuntime.with(threads: 1, run)
                for t in [2, 3] {
                    let other = KernelRuntime.with(threads: t, run)
                    let tag = "transposed=\(transposed) \(s) isa=\(isa) threads=\(t) differs bitwise from 1 thread"
                    XCTAssertEqual(one.0, other.0, "y " + tag)
                    XCTAssertEqual(one.1, other.1, "grads " + tag)
                }
            }
        }
    }

    // MARK: geometry

    func testOutputSizesAndWorkspace() {
        let s = ConvShape(batch: 4, inChannels: 3, inHeight: 28, inWidth: 20, outChannels: 8, kernelHeight: 3, kernelWidth: 5,
                          stride: 2, padding: 1, outputPadding: 1)
        XCTAssertTrue(Conv.outputSize(s)! == (14, 9))
        XCTAssertTrue(Conv.outputSize(s, transposed: true)! == (56, 42))
        // lowered matrix (Cin*k*k rows, or Cout*k*k for transposed) plus the column side, both batch*pixels wide
        XCTAssertEqual(Conv.workspaceSize(s), (3 * 15 + 8) * 4 * 14 * 9)
        XCTAssertEqual(Conv.workspaceSize(s, transposed: true), (8 * 15 + 3) * 4 * 28 * 20)
        // Networks size the workspace at their largest batch and then run smaller ones: it must never grow
        // when the batch shrinks (large layers work in groups of images, so it stops growing with batch).
        for layer in modelConvs.map({ ($0, false) }) + modelTransposed.map({ ($0, true) }) {
            var sizes: [Int] = []
            for b in [0, 1, 2, 3, 7, 8, 64, 127, 128, 256] {
                var t = layer.0
                t.batch = b
                sizes.append(Conv.workspaceSize(t, transposed: layer.1)!)
            }
            XCTAssertEqual(sizes, sizes.sorted(), "workspace not monotonic in batch for \(layer.0)")
            XCTAssertEqual(sizes[0], 0)
        }
    }

    func testInvalidGeometryReturnsMinusOne() {
        let good = ConvShape(batch: 2, inChannels: 2, outChannels: 3, size: 5, kernel: 3, stride: 2, padding: 1, outputPadding: 1)
        var bad: [(ConvShape, String, conv: Bool, transposed: Bool)] = []
        func with(_ what: String, conv: Bool = true, transposed: Bool = true, _ change: (inout ConvShape) -> Void) {
            var s = good
            change(&s)
            bad.append((s, what, conv, transposed))
        }
        with("kernel larger than padded input", transposed: false) { $0.kernelHeight = 8 }
        with("zero stride") { $0.stride = 0 }
        with("negative padding") { $0.padding = -1 }
        with("zero channels") { $0.inChannels = 0 }
        with("zero out channels") { $0.outChannels = 0 }
        with("zero width") { $0.inWidth = 0 }
        with("zero kernel") { $0.kernelWidth = 0 }
        with("negative batch") { $0.batch = -1 }
        with("output padding = stride", conv: false) { $0.outputPadding = 2 }
        with("negative output padding", conv: false) { $0.outputPadding = -1 }
        with("transposed output < 1", conv: false) { $0.inHeight = 1; $0.padding = 3; $0.kernelHeight = 1 }

        var buffer = [Float](repeating: 0, count: 1 << 16)
        buffer.withUnsafeMutableBufferPointer { p in
            let f = p.baseAddress!
            for (s, what, conv, transposed) in bad {
                var c = s.c
                if conv {
                    XCTAssertTrue(ck_conv2d_out_h(&c) == -1 || ck_conv2d_out_w(&c) == -1, "conv out size: \(what)")
                    XCTAssertEqual(ck_conv2d_workspace_size(&c), -1, "conv workspace: \(what)")
                    XCTAssertEqual(ck_conv2d_forward(f, f, f, f, &c, f), -1, "conv forward: \(what)")
                    XCTAssertEqual(ck_conv2d_backward(f, f, f, f, f, f, &c, f), -1, "conv backward: \(what)")
                }
                if transposed {
                    XCTAssertTrue(ck_conv_transpose2d_out_h(&c) == -1 || ck_conv_transpose2d_out_w(&c) == -1, "convT out: \(what)")
                    XCTAssertEqual(ck_conv_transpose2d_workspace_size(&c), -1, "convT workspace: \(what)")
                    XCTAssertEqual(ck_conv_transpose2d_forward(f, f, f, f, &c, f), -1, "convT forward: \(what)")
                    XCTAssertEqual(ck_conv_transpose2d_backward(f, f, f, f, f, f, &c, f), -1, "convT backward: \(what)")
                }
            }
            // Sizes whose products overflow 64 bits: a valid-looking geometry, but no workspace size exists.
            let big = Int64(1) << 24
            var huge = ck_conv_shape(batch: big, in_channels: big, in_h: big, in_w: big, out_channels: big, kernel_h: 1,
                                     kernel_w: 1, stride: 1, padding: 0, output_padding: 0, channels_last: 0)
            XCTAssertEqual(ck_conv2d_workspace_size(&huge), -1)
            XCTAssertEqual(ck_conv_transpose2d_workspace_size(&huge), -1)
            XCTAssertEqual(ck_conv2d_forward(f, f, f, nil, &huge, f), -1)
            XCTAssertEqual(ck_conv_transpose2d_backward(f, f, f, f, f, f, &huge, f), -1)
            // Output padding is ignored by Conv2d, so this shape is a valid conv.
            var c = good.c
            c.output_padding = 5
            XCTAssertEqual(ck_conv2d_out_h(&c), 3)
            // A missing workspace or input is refused too.
            c = good.c
            XCTAssertEqual(ck_conv2d_forward(f, f, f, nil, &c, nil), -1)
            XCTAssertEqual(ck_conv2d_forward(f, nil, f, nil, &c, f), -1)
            XCTAssertEqual(ck_conv_transpose2d_backward(nil, f, nil, f, nil, f, &c, f), -1, "dw without x")
            XCTAssertEqual(ck_conv2d_out_h(nil), -1)
            XCTAssertEqual(ck_conv2d_forward(f, f, f, nil, &c, f), 0)
        }
    }
}
